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
    for target in ("data/clinic.yaml", "data/lessons.yaml", "voila.json", "src/caregiver_course/store.py",
                   "var/course.sqlite3", str(server.data_dir / "course.sqlite3"), "notebooks/course.ipynb",
                   "pyproject.toml"):
        for prefix in ("/voila/files/", "/files/", "/voila/render/", "/voila/tree/", "/voila/static/",
                       "/voila/templates/caregiver/static/", "/api/contents/", "/"):
            for up in ("", "../", "%2e%2e/", "..%2f", "../../../../", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/"):
                probes.append(prefix + up + target.lstrip("/"))
    probes += ["/voila/files/course.ipynb", "/voila/files/04-side-effects.ipynb", "/api/kernels", "/api/sessions",
               "/api/contents", "/voila/api/kernels", "/lab", "/tree"]
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
    status, landing = get(server.url + "/")
    assert status == 200 and "voila/render/course.ipynb" in landing and "<ul" not in landing
    status, tree = get(server.url + "/voila/tree/")
    assert "voila/render/course.ipynb" in tree and "04-side-effects" not in tree


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
    nb["cells"].insert(3, {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": 'cc.clinic_box("no_such_setting")'})  # a cell that raises
    nb_path.write_text(json.dumps(nb))
    srv = VoilaServer(tmp_path, env={"CAREGIVER_CONTENT_DIR": str(data), "CAREGIVER_NOTEBOOKS_DIR": str(notebooks)})
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
    assert "clinic.yaml" in text and "not valid YAML" in text
    assert questions >= 5, "the questions that are fine still work"
    assert "The clinic's details could not be shown" in text  # the failing cell, in words
    assert "Traceback" not in text and "KeyError" not in text
    ctx.close()
    assert "KeyError: 'no_such_setting'" in broken_server.logs()  # the detail is in the server log


def test_kernels_of_closed_pages_go_away(tmp_path, browser):
    srv = VoilaServer(tmp_path, extra_args=["--MappingKernelManager.cull_idle_timeout=6",
                                            "--MappingKernelManager.cull_interval=2"])
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
