"""A self-signed certificate for workshop mode, made with Debian's openssl (no Python dependency)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path


def self_signed(folder: Path, days: int = 825) -> tuple[str, str]:
    """Make (once) a certificate for this computer's name and addresses. Returns (certfile, keyfile)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "workshop-cert.pem", folder / "workshop-key.pem"
    if cert.exists() and key.exists():
        return str(cert), str(key)
    names = {"localhost", socket.gethostname()}
    addresses = {"127.0.0.1"}
    try:
        addresses.update(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        pass
    san = ",".join([f"DNS:{n}" for n in sorted(names)] + [f"IP:{a}" for a in sorted(addresses)])
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-sha256",
            "-days",
            str(days),
            "-subj",
            "/CN=Caregiver course workshop",
            "-addext",
            f"subjectAltName={san}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    key.chmod(0o600)
    return str(cert), str(key)


def clinic_certificate(certfile: str, keyfile: str = "") -> tuple[str, str, str]:
    """The clinic's certificate and key as absolute paths, taken from where the command was typed (a server or
    nginx reads them from its own folder), and what is wrong with them ("" if nothing)."""
    cert = str(Path(certfile).expanduser().resolve())
    key = str(Path(keyfile or certfile).expanduser().resolve())
    for what, path in (("certificate", cert), ("certificate's key", key)):
        if not Path(path).is_file():
            return cert, key, f"the {what} file {path} does not exist. Give the path of the PEM file."
    return cert, key, ""
