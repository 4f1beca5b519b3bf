"""Command line: ``python -m caregiver_course check`` validates all course content."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import content
from .content.paths import REPO
from .content.secret import facilitator_secret, secret_problem
from .ops import backup
from .ops.checks import check, refresh
from .ops.translations import command
from .server.tls import clinic_certificate, self_signed
from .store import KeyMismatch, Store, StoreError
from .toolkit import certificate
from .workshop.poolstatus import WORKSHOP_FILL_DELAY, WORKSHOP_POOL


def serve(
    port: int,
    ip: str | None,
    workshop: bool,
    pool: int,
    extra: list[str],
    tls: bool = False,
    certfile: str = "",
    keyfile: str = "",
    skip_check: bool = False,
    production: bool = False,
) -> int:
    """Start the course server (Voila, hardened: caregiver_course.server) with the repository's voila.json."""
    import os

    if (not skip_check or production) and check(None, None, production=production) != 0:
        print(
            "\nThe course was NOT started, so that no learner sees a broken page or wrong numbers. Fix the "
            "problems above and start it again. (Experts: --skip-check starts it anyway.)",
            file=sys.stderr,
        )
        return 1
    os.environ.setdefault("CAREGIVER_DATA_DIR", str(REPO / "var"))

    if problem := secret_problem(facilitator_secret()):
        print(f"The course was NOT started. {problem}", file=sys.stderr)
        return 1
    if (problem := _store_problem()) is not None:
        print(f"\nThe course was NOT started: {problem}", file=sys.stderr)
        return 1
    env = dict(os.environ)
    here = Path(__file__).resolve().parent
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(here), env.get("JUPYTER_PATH", "")]))
    env.setdefault("CAREGIVER_DATA_DIR", str(REPO / "var"))
    args = [sys.executable, "-m", "caregiver_course.server", "notebooks", f"--port={port}", "--no-browser"]
    workshop = workshop or os.environ.get("CAREGIVER_WORKSHOP", "") not in ("", "0", "no")
    scheme = "http"
    if workshop:
        pools = {"default": {"pool_size": 0}, "course.ipynb": {"pool_size": pool}}
        args.append(f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}")
        # Refill the pool only after the room has joined: replacement kernels starting during the joins
        # would compete for the 2 cores with the learners' pages.
        args.append(f"--VoilaKernelManager.fill_delay={WORKSHOP_FILL_DELAY}")
        # A room may reach the server from one address (a guest Wi-Fi behind one router): let it all join.
        args.append(f"--CourseVoila.max_kernels_per_client={max(8, 2 * pool)}")
        args.append(f"--CourseVoila.max_loading_per_client={max(2, pool)}")
        args.append(f"--CourseVoila.max_kernels_per_address={max(40, 2 * pool)}")
        args.append(f"--CourseVoila.max_loading_per_address={max(4, pool)}")
        ip = ip or "0.0.0.0"
        if tls or certfile:
            if certfile:  # the clinic's own certificate, named from where the command was typed
                certfile, keyfile, problem = clinic_certificate(certfile, keyfile)
                if problem:
                    print(f"The course was NOT started: {problem}", file=sys.stderr)
                    return 1
                args.append("--CourseVoila.hsts=True")  # browsers trust it, so they may be told to insist on it
            else:
                certfile, keyfile = self_signed(Path(env["CAREGIVER_DATA_DIR"]) / "tls")
            args += [f"--CourseVoila.certfile={certfile}", f"--CourseVoila.keyfile={keyfile or certfile}"]
            scheme = "https"
        else:
            print(
                "Note: without --tls, the facilitator secret and learners' answers travel unencrypted on the Wi-Fi.",
                flush=True,
            )
    if ip:
        args.append(f"--Voila.ip={ip}")
    args += extra  # anything else is passed to Voila as it is (e.g. --CourseVoila.max_kernels=40)
    print(
        f"Serving the caregiver course on {scheme}://{ip or 'localhost'}:{port}/"
        + (f" (workshop mode: {pool} kernels kept ready)" if workshop else ""),
        flush=True,
    )
    os.chdir(REPO)  # the server reads voila.json from here
    os.execve(sys.executable, args, env)


def _store_problem() -> str | None:
    """A progress database that cannot be used is said before the server starts (a wrong key above all)."""
    try:
        Store()
    except KeyMismatch as exc:
        return str(exc)
    except StoreError as exc:  # the server itself says more and keeps serving the help numbers
        print(f"Warning: {exc}", file=sys.stderr)
    return None


def accept_key(yes: bool) -> int:
    """Make the key in use (course.key or CAREGIVER_HASH_KEY) the progress database's key, on purpose."""
    try:
        store = Store(check_key=False)
    except StoreError as exc:
        print(f"The progress database cannot be opened: {exc}")
        return 2
    if not yes:
        print(
            "This makes the key in use now the database's key. Saved browsers and resume codes made with the old "
            "key will no longer be found, so those learners start afresh (their old rows stay in the database). "
            "Back up the database and the old key first. To go ahead, run the same command with --yes."
        )
        return 1
    old = store.accept_key()
    print(f"Done: the database now expects this key (the old key's fingerprint was {old or 'not recorded'}).")
    return 0


def store_copy(command: str, path: Path | None, url: str) -> int:
    """backup FILE / restore FILE / copy-to URL: the store while it serves, into a file, back, or to PostgreSQL."""
    try:
        store = Store(timeout=30)
        if command == "backup":
            counted = backup.backup(store, path)
            done = f"Backed up to {path} (with its key in {path.name}.key: keep the two together, and private)"
        elif command == "restore":
            counted = backup.restore(path, store)
            done = "Restored into the course's progress database"
        else:
            # the new database's own fingerprint row (if any) gives way to the copied one; the keys are compared
            counted = backup.copy_store(store, Store(url=url, timeout=30, check_key=False))
            done = "Copied into the PostgreSQL database"
    except StoreError as exc:
        print(f"Nothing was changed: {exc}", file=sys.stderr)
        return 1
    print(f"{done}. Rows, checked on both sides:")
    for name, n in counted.items():
        print(f"  {name}: {n}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m caregiver_course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_check = sub.add_parser("check", help="validate every content file in data/")
    p_check.add_argument("--data", type=Path, default=None, help="content folder (default: data/)")
    p_check.add_argument("--notebooks", type=Path, default=None, help="notebooks folder (default: notebooks/)")
    p_tr = sub.add_parser(
        "translations", help="stamp translated units after updating them, or mark them reviewed by the clinic"
    )
    p_tr.add_argument("action", choices=("stamp", "review", "status"))
    p_tr.add_argument("lang", help="the language, e.g. es")
    p_tr.add_argument("units", nargs="*", help="unit ids as `check` lists them (e.g. lessons.yaml#start)")
    p_tr.add_argument("--all", action="store_true", help="every unit (stamp: every translated unit)")
    p_tr.add_argument("--data", type=Path, default=None, help="content folder (default: data/)")
    p_tr.add_argument("--notebooks", type=Path, default=None, help="notebooks folder (default: notebooks/)")
    p_refresh = sub.add_parser("refresh", help="re-run notebooks and store their outputs (after editing one)")
    p_refresh.add_argument("notebooks", type=Path, nargs="+")
    p_serve = sub.add_parser("serve", help="serve the course app with Voila (http://localhost:8866)")
    p_serve.add_argument("--port", type=int, default=8866)
    p_serve.add_argument("--ip", default=None, help="address to listen on (default: localhost; workshop: all)")
    p_serve.add_argument(
        "--workshop", action="store_true", help="workshop mode: listen on the local network and keep more kernels ready"
    )
    p_serve.add_argument(
        "--pool",
        type=int,
        default=WORKSHOP_POOL,
        help=f"with --workshop: how many kernels to keep ready (default {WORKSHOP_POOL})",
    )
    p_serve.add_argument(
        "--tls",
        action="store_true",
        help="with --workshop: serve HTTPS with a self-signed certificate made for this computer",
    )
    p_serve.add_argument("--certfile", default="", help="with --workshop: HTTPS with the clinic's certificate (PEM)")
    p_serve.add_argument("--keyfile", default="", help="the certificate's private key (PEM)")
    p_serve.add_argument(
        "--skip-check", action="store_true", help="start even if the content check finds problems (for experts)"
    )
    p_hub = sub.add_parser("hub", help="the course server for one JupyterHub learner (JupyterHub starts it)")
    p_hub.add_argument("--skip-check", action="store_true", help="start even if the content check finds problems")
    for p in (p_check, p_serve, p_hub):
        p.add_argument(
            "--production",
            action="store_true",
            help="refuse placeholder or unconfirmed clinic values (for a real service, not a try-out)",
        )
    p_verify = sub.add_parser("verify", help="check a certificate's verification code (for clinic staff)")
    p_verify.add_argument("code", help="the code printed on the certificate, like 7K3QX-M9D2A")
    p_verify.add_argument("--date", required=True, help="the date printed on the certificate, as YYYY-MM-DD")
    p_key = sub.add_parser("accept-key", help="make the hashing key in use the database's key (a deliberate change)")
    p_key.add_argument("--yes", action="store_true", help="go ahead (without it, the command only explains)")
    p_backup = sub.add_parser("backup", help="back up the progress database while the course serves")
    p_backup.add_argument("file", type=Path, help="a new SQLite file for the backup (its key is written beside it)")
    p_restore = sub.add_parser("restore", help="restore a backup into a new, empty progress database")
    p_restore.add_argument("file", type=Path, help="the backup file (its .key file beside it)")
    p_copy = sub.add_parser("copy-to", help="copy the progress database into a new PostgreSQL database")
    p_copy.add_argument("url", help="postgresql+psycopg://user:password@host/database (empty, made for the course)")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in ("serve", "hub"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "check":
        return check(args.data, args.notebooks, production=args.production)
    if args.command == "serve":
        return serve(
            args.port,
            args.ip,
            args.workshop,
            args.pool,
            extra,
            tls=args.tls,
            certfile=args.certfile,
            keyfile=args.keyfile,
            skip_check=args.skip_check,
            production=args.production,
        )
    if args.command == "hub":  # c.Spawner.cmd in deploy/jupyterhub/jupyterhub_config.py
        if (not args.skip_check or args.production) and check(None, None, production=args.production) != 0:
            return 1

        from .server.hub import main as hub  # lazy: Voila and Jupyter Server load only for this command

        return hub(extra)
    if args.command == "refresh":
        return refresh(args.notebooks)
    if args.command == "translations":
        return command(args.action, args.lang, args.units, args.all, args.data, args.notebooks)
    if args.command == "verify":
        return verify(args.code, args.date)
    if args.command in ("backup", "restore", "copy-to"):
        return store_copy(args.command, getattr(args, "file", None), getattr(args, "url", ""))
    if args.command == "accept-key":
        return accept_key(args.yes)
    return 2


def verify(code: str, date: str) -> int:
    """Is this a certificate the course made, on that date, for a learner who finished every lesson?"""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(date.strip()).isoformat()
    except ValueError:
        print(f"'{date}' is not a date. Write it as on the certificate, as YYYY-MM-DD (for example 2026-11-27).")
        return 2
    try:
        store = Store()
    except StoreError as exc:
        print(f"The progress database cannot be read: {exc}")
        return 2
    found = certificate.verify(store, content.get(), code, day)
    if found:
        print(
            f"Valid: certificate code {certificate.normalise(code)} was made by this course on {day} for a "
            "learner who finished every lesson."
        )
        return 0
    print(
        f"Not valid: no learner who finished the course has code {certificate.normalise(code)} on {day}. "
        "Check the code and the date; a learner who deleted their data cannot be checked."
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
