"""The server shared with strangers: private files stay private, no code or traceback is shown,
the landing page is the app, and kernels of closed pages go away."""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request

import pytest

from .conftest import APP_PATH, REPO, VoilaServer
from .helpers import go_to_step, open_lesson, step_count

pytestmark = pytest.mark.browser

PRIVATE_MARKERS = ("clinic_name", "SQLite format 3", "CREATE TABLE", "import caregiver_course", "def ", "lessons:")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_private_files_cannot_be_fetched(server, open_app, context):
    open_app(context.new_page())  # makes sure the database exists
    assert (server.data_dir / "course.sqlite3").exists()
    probes = []
    for target in (
        "data/clinic.yaml",
        "data/lessons.yaml",
        "voila.json",
        "src/caregiver_course/store/database.py",
        "var/course.sqlite3",
        str(server.data_dir / "course.sqlite3"),
        "notebooks/course.ipynb",
        "pyproject.toml",
    ):
        for prefix in (
            "/voila/files/",
            "/files/",
            "/voila/render/",
            "/voila/tree/",
            "/voila/static/",
            "/voila/templates/caregiver/static/",
            "/api/contents/",
            "/",
        ):
            for up in ("", "../", "%2e%2e/", "..%2f", "../../../../", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/"):
                probes.append(prefix + up + target.lstrip("/"))
    probes += [
        "/voila/files/course.ipynb",
        "/voila/files/04-side-effects.ipynb",
        "/api/kernels",
        "/api/sessions",
        "/api/contents",
        "/voila/api/kernels",
        "/lab",
        "/tree",
    ]
    leaks = []
    for path in probes:
        status, body = get(server.url + path)
        if status == 200 and any(m in body for m in PRIVATE_MARKERS):
            leaks.append(path)
        if path in ("/api/kernels", "/api/sessions") and status == 200:
            leaks.append(path)
    assert leaks == []


def test_no_code_and_the_landing_page_is_the_app(server):
    status, page = get(server.url + APP_PATH)
    assert status == 200
    assert "import caregiver_course" not in page and "app.run()" not in page
    for path in ("/", "/voila/tree/", "/voila/tree/notebooks", "/voila/"):
        status, location = head_location(server.url + path + "?workshop=OAK-RIVER-12")
        assert status == 302 and location.endswith("/voila/render/course.ipynb?workshop=OAK-RIVER-12"), path
    for path in (
        "/voila/api/contents",
        "/voila/api/contents/notebooks",
        "/voila/render/04-side-effects.ipynb",
        "/voila/render/facilitator.ipynb/../04-side-effects.ipynb",
    ):
        status, body = get(server.url + path)
        assert status == 404 and "04-side-effects" not in body and "facilitator" not in body.lower(), path
        assert 'href="tel:911"' in body, "every page the server writes shows the emergency number"


def head_location(url: str) -> tuple[int, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=20) as r:
            return r.status, r.headers.get("Location", "")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location", "")


@pytest.fixture
def broken_server(tmp_path):
    data = tmp_path / "content"
    shutil.copytree(REPO / "data", data)
    (data / "clinic.yaml").write_text((data / "clinic.yaml").read_text() + "\nclinic_phone: [unclosed\n")
    q = data / "questions" / "side-effects.yaml"
    q.write_text(q.read_text().replace("type: multi", "type: essay", 1))
    notebooks = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", notebooks)
    nb_path = notebooks / "04-side-effects.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"].insert(
        3,
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": 'cc.clinic_box("no_such_setting")',
        },
    )  # a cell that raises
    nb_path.write_text(json.dumps(nb))
    srv = VoilaServer(
        tmp_path,
        extra_args=["--skip-check"],  # the expert override: serve refuses otherwise
        env={"CAREGIVER_CONTENT_DIR": str(data), "CAREGIVER_NOTEBOOKS_DIR": str(notebooks)},
    )
    yield srv
    srv.stop()


def test_broken_content_shows_a_friendly_message_never_a_traceback(broken_server, browser):
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(broken_server.url + APP_PATH)
    page.wait_for_selector(".cc-home", timeout=60_000)
    open_lesson(page, "side-effects")
    texts, questions = [], 0
    for step in range(step_count(page)):  # the lesson is shown in steps: read them all
        go_to_step(page, step)
        page.wait_for_timeout(300)
        texts.append(page.locator("body").inner_text())
        questions += page.locator(".cc-question").count()
    text = "\n".join(texts)
    assert "Part of this page could not be shown" in text
    assert "questions/side-effects.yaml" in text and "field 'type'" in text
    assert "clinic.yaml, line" in text and "is not written the way this file needs" in text
    assert questions >= 5, "the questions that are fine still work"
    assert "The clinic's details could not be shown" in text  # the failing cell, in words
    assert "Traceback" not in text and "KeyError" not in text
    ctx.close()
    assert "KeyError: 'no_such_setting'" in broken_server.logs()  # the detail is in the server log


def test_kernels_of_closed_pages_go_away(tmp_path, browser):
    srv = VoilaServer(
        tmp_path, extra_args=["--CourseVoila.disconnected_timeout=6", "--MappingKernelManager.cull_interval=2"]
    )
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(srv.url + APP_PATH)
        page.wait_for_selector(".cc-home", timeout=60_000)
        kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        assert kernel_id
        ctx.close()
        deadline = time.time() + 60
        while time.time() < deadline and f"Kernel shutdown: {kernel_id}" not in srv.logs():
            time.sleep(1)
        assert f"Kernel shutdown: {kernel_id}" in srv.logs()
    finally:
        srv.stop()


def test_serve_refuses_to_start_on_a_broken_content_file(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "content"
    shutil.copytree(REPO / "data", data)
    (data / "clinic.yaml").write_text((data / "clinic.yaml").read_text() + "\nclinic_phone: [unclosed\n")
    run = subprocess.run(
        [sys.executable, "-m", "caregiver_course", "serve", "--port=1"],
        cwd=REPO,
        timeout=120,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "CAREGIVER_CONTENT_DIR": str(data)},
    )
    assert run.returncode == 1
    assert "clinic.yaml" in run.stdout and "NOT started" in run.stderr and "--skip-check" in run.stderr


def test_workshop_mode_serves_https_with_a_self_signed_certificate(tmp_path, browser):
    import os
    import ssl
    import subprocess
    import sys

    from .conftest import free_port

    port = free_port()
    data = tmp_path / "data-dir"
    log = open(tmp_path / "voila.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "caregiver_course",
            "serve",
            "--workshop",
            "--tls",
            "--pool=1",
            "--ip=127.0.0.1",
            f"--port={port}",
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "CAREGIVER_DATA_DIR": str(data)},
        start_new_session=True,
    )
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # self-signed: the browser asks once
    try:
        deadline, body = time.time() + 120, b""
        while time.time() < deadline and not body:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/cc/health", timeout=2, context=ctx) as r:
                    body = r.read()
            except OSError:
                time.sleep(0.5)
        assert body == b'{"ok": true}'
        # plain http:// to the same port is sent to https:// (the name from Host, never the path sent)
        import http.client

        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        plain.request("GET", "/voila/render/course.ipynb?x=<script>", headers={"Host": f"127.0.0.1:{port}"})
        moved = plain.getresponse()
        assert moved.status == 301 and moved.getheader("Location") == f"https://127.0.0.1:{port}/"
        plain.close()
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/cc/health", timeout=10, context=ctx) as r:
            assert r.headers.get("Strict-Transport-Security") is None  # never with a self-signed certificate
        assert (data / "tls" / "workshop-cert.pem").exists()
        assert oct((data / "tls" / "workshop-key.pem").stat().st_mode & 0o777) == "0o600"
        assert "https://127.0.0.1" in (tmp_path / "voila.log").read_text()
        # The room's join link works over HTTPS: the page's kernel learns the workshop code from the server.
        from caregiver_course.store import Store

        code = Store(data / "course.sqlite3").create_workshop("tls room").join_code
        ctx = browser.new_context(ignore_https_errors=True, viewport={"width": 390, "height": 844})
        page = ctx.new_page()
        page.goto(f"https://127.0.0.1:{port}/?workshop={code}", timeout=90_000)
        page.wait_for_selector(".cc-workshop-banner .cc-note", timeout=90_000)
        assert code in page.locator(".cc-workshop-banner").inner_text()
        ctx.close()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        log.close()


def test_the_clinics_certificate_relative_path_and_hsts(tmp_path):
    """serve --workshop --certfile cert.pem --keyfile key.pem, typed in the folder that holds them: HTTPS with
    Strict-Transport-Security (browsers trust the clinic's certificate, so they may be told to insist on it)."""
    import os
    import ssl
    import subprocess
    import sys

    from .conftest import free_port

    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
         "-days", "1", "-subj", "/CN=localhost"],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    port = free_port()
    log = open(tmp_path / "voila.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "caregiver_course", "serve", "--workshop", "--pool=1", "--ip=127.0.0.1",
         f"--port={port}", "--certfile", "cert.pem", "--keyfile", "key.pem"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "CAREGIVER_DATA_DIR": str(tmp_path / "data-dir")},
    )  # fmt: skip
    ctx = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    ctx.check_hostname = False
    try:
        deadline, headers = time.time() + 120, None
        while time.time() < deadline and headers is None:
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "voila.log").read_text()[-2000:])
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/cc/health", timeout=2, context=ctx) as r:
                    headers = r.headers
            except OSError:
                time.sleep(0.5)
        assert headers is not None and headers.get("Strict-Transport-Security") == "max-age=31536000"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        log.close()
    missing = subprocess.run(
        [sys.executable, "-m", "caregiver_course", "serve", "--workshop", "--skip-check", "--certfile", "nope.pem"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "CAREGIVER_DATA_DIR": str(tmp_path / "data-dir")},
    )  # fmt: skip
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
