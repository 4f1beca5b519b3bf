"""Workshop mode in a real browser: participants join by link, the dashboard reveals live results, and
hostile text typed by participants is shown only as text."""

from __future__ import annotations

import os
import re

import pytest

from caregiver_course import content
from caregiver_course.store import Store
from caregiver_course.workshop.results import clean_nickname

from .conftest import APP_PATH, MANY_PAGES, VoilaServer
from .helpers import go_to_question, open_lesson
from .test_accessibility_and_network import axe_violations

pytestmark = pytest.mark.browser
SECRET = "facilitator-test-secret"
DASH_PATH = "/voila/render/facilitator.ipynb"

HOSTILE = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    '"><svg onload=window.__xss=3>',
    "javascript:window.__xss=4",
    "</bdi></p><h1 id=injected>big</h1>",
    "{clinic_name} {{7*7}} ${7*7}",
    "W" * 5000,
    "\u202eevil\u202c مرحبا بالعالم שלום",
    "😀👩‍👩‍👧‍👦🏳️‍🌈 ✓✗",
    "' OR 1=1; DROP TABLE events; --",
]


@pytest.fixture(scope="module")
def wserver(tmp_path_factory):
    # Many pages from one address (127.0.0.1) in one server: the per-client kernel cap is raised, as for the
    # other browser tests (closed pages keep their kernel for 2 minutes).
    srv = VoilaServer(
        tmp_path_factory.mktemp("workshop"), extra_args=MANY_PAGES, env={"CAREGIVER_FACILITATOR_SECRET": SECRET}
    )
    yield srv
    srv.stop()


def open_dashboard(page, srv, code=None):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(srv.url + DASH_PATH)
    page.wait_for_selector(".cc-secret input", timeout=60_000)
    page.fill(".cc-secret input", SECRET)
    page.press(".cc-secret input", "Enter")  # Enter submits the secret
    page.wait_for_selector(".cc-start-workshop")
    if code:
        page.fill(".cc-continue-code input", code)
        page.click(".cc-continue-workshop")
    else:
        page.click(".cc-start-workshop")
    page.wait_for_selector(".cc-join-code")
    return dialogs


def join_page(browser, srv, code, nickname=None):
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(srv.url + APP_PATH + (f"?workshop={code}" if nickname is None else ""))
    page.wait_for_selector(".cc-home", timeout=60_000)
    if nickname is not None:
        page.wait_for_function("() => !document.querySelector('.cc-resume-code').textContent.includes('being made')")
        page.fill(".cc-workshop-code input", code)
        page.fill(".cc-workshop-nickname input", nickname)
        page.click(".cc-workshop-join")
    page.wait_for_selector(".cc-workshop-banner .cc-note", timeout=30_000)
    return ctx, page


def test_participants_join_and_the_dashboard_reveals_live_results(wserver, browser):
    dash_ctx = browser.new_context()
    dash = dash_ctx.new_page()
    dialogs = open_dashboard(dash, wserver)
    code = dash.locator(".cc-join-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z]+-[A-Z]+-\d\d", code)
    assert f"?workshop={code}" in dash.locator(".cc-join-link").inner_text()
    assert dash.locator(".cc-qr svg").count() == 1

    q = next(x for x in content.get().questions_for("understanding") if x.type in ("single", "scenario"))
    clinic = content.get().clinic
    picks = [sorted(q.answer)[0], sorted(q.answer)[0], next(o.id for o in q.options if o.id not in q.answer)]
    contexts = []
    for oid in picks:
        ctx, page = join_page(browser, wserver, code)
        contexts.append(ctx)
        assert code in page.locator(".cc-workshop-banner").inner_text()
        open_lesson(page, "understanding")
        view = go_to_question(page, q.id)
        view.locator("label.cc-option", has_text=clinic.fill(q.option(oid).text)).first.click()
        view.locator(".cc-check").click()
        view.locator(".cc-feedback strong").first.wait_for()

    dash.wait_for_function("() => document.querySelector('.cc-counts').innerText.includes('Joined: 3')", timeout=15_000)
    label = dash.evaluate(
        "(qid) => Array.from(document.querySelectorAll('.cc-item-picker option')).map(o => o.textContent)", q.id
    )
    wanted = next(
        t
        for t in label
        if t.replace("\xa0", " ").startswith("Lesson 1:") and clinic.fill(q.prompt)[:40] in t.replace("\xa0", " ")
    )
    dash.select_option(".cc-item-picker select", label=wanted)
    dash.wait_for_function(
        "() => document.querySelector('.cc-chart').innerText.includes('3 people have answered')", timeout=15_000
    )
    chart = dash.locator(".cc-chart").inner_text()
    assert "hidden" in chart and "Right answer" not in chart and "%" not in chart

    dash.click(".cc-reveal")
    dash.wait_for_function("() => document.querySelector('.cc-chart').innerText.includes('Right answer')")
    assert axe_violations(dash) == []
    chart = dash.locator(".cc-chart").inner_text()
    assert "2 (67%)" in chart and "1 (33%)" in chart and "Why:" in chart
    widths = dash.evaluate("() => Array.from(document.querySelectorAll('.cc-bar-fill')).map(e => e.style.width)")
    assert "67%" in widths and "33%" in widths

    # A fourth person answers: the open dashboard updates by itself, without a reload.
    ctx, page = join_page(browser, wserver, code)
    contexts.append(ctx)
    open_lesson(page, "understanding")
    view = go_to_question(page, q.id)
    view.locator("label.cc-option", has_text=clinic.fill(q.option(picks[0]).text)).first.click()
    view.locator(".cc-check").click()
    dash.wait_for_function("() => document.querySelector('.cc-chart').innerText.includes('3 (75%)')", timeout=10_000)
    assert "leaderboard" not in dash.locator("body").inner_text().lower()
    assert dialogs == []

    # The presenter view for the projector: big code and QR, the join count, the revealed bars, no notes.
    dash.set_viewport_size({"width": 1280, "height": 800})
    dash.click(".cc-present")
    dash.wait_for_selector(".cc-presenter .cc-join-code")
    assert dash.locator(".cc-presenter-chart").inner_text().count("Right answer") >= 1
    body = dash.locator(".cc-dash").inner_text()
    assert "Most missed" not in body and "Notes for lesson" not in body and "Why:" not in body
    qr = dash.locator(".cc-presenter .cc-qr svg").bounding_box()
    assert qr["width"] >= 400, qr  # readable from the back of the room (it was 180 px)
    dash.wait_for_function("() => document.querySelector('.cc-presenter-counts').innerText.includes('4 joined')")
    if os.environ.get("CAREGIVER_SHOTS"):
        dash.screenshot(path=os.path.join(os.environ["CAREGIVER_SHOTS"], "presenter-view-1280.png"))
        dash.set_viewport_size({"width": 390, "height": 844})
        dash.screenshot(path=os.path.join(os.environ["CAREGIVER_SHOTS"], "presenter-view-390.png"))
    assert axe_violations(dash) == []
    for c in contexts:
        c.close()
    dash_ctx.close()


def test_hostile_nicknames_are_shown_as_text_and_the_layout_holds(wserver, browser):
    store = Store(wserver.data_dir / "course.sqlite3")
    ws = store.create_workshop("hostile")
    typed_ctx, _ = join_page(browser, wserver, ws.join_code, nickname=HOSTILE[1])  # typed in a real page
    for text in HOSTILE:
        learner = store.new_learner()
        store.join_workshop(ws.id, learner.id, clean_nickname(text))
    for width in (1000, 390):
        ctx = browser.new_context(viewport={"width": width, "height": 900})
        page = ctx.new_page()
        dialogs = open_dashboard(page, wserver, code=ws.join_code)
        page.wait_for_function("() => document.querySelectorAll('.cc-nick').length >= 11", timeout=15_000)
        shown = page.evaluate("() => Array.from(document.querySelectorAll('.cc-nick')).map(e => e.textContent)")
        assert sorted(shown) == sorted([clean_nickname(t) for t in HOSTILE] + [clean_nickname(HOSTILE[1])])
        assert page.evaluate("() => window.__xss") is None
        assert page.locator("#injected").count() == 0 and page.locator("img[src=x]").count() == 0
        assert page.locator(".cc-nicknames svg").count() == 0
        assert dialogs == []
        sizes = page.evaluate("""() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
            document.getElementById('rendered_cells').scrollWidth, document.getElementById('rendered_cells').clientWidth,
            Math.max(...Array.from(document.querySelectorAll('.cc-nick')).map(e => e.getBoundingClientRect().right))]""")
        assert sizes[0] <= sizes[1] + 1 and sizes[2] <= sizes[3] + 1, f"sideways scroll at {width}px: {sizes}"
        assert sizes[4] <= width, f"a nickname runs off the screen at {width}px"
        ctx.close()
    typed_ctx.close()


PRESENTER_PARTS = {
    "join code": ".cc-presenter .cc-join-code",
    "QR code": ".cc-presenter .cc-qr svg",
    "join link": ".cc-presenter .cc-join-link",
    "joined count": ".cc-presenter .cc-presenter-joined",
    "revealed bars": ".cc-presenter .cc-presenter-chart .cc-bars",
}


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
def test_the_presenter_view_fits_a_projector_without_scrolling(wserver, browser, width, height):
    from caregiver_course.learning.quiz import check
    from caregiver_course.store.codes import WORDS

    store = Store(wserver.data_dir / "course.sqlite3")
    ws = store.create_workshop(f"projector {width}")
    q = next(x for x in content.get().questions_for("understanding") if x.type in ("single", "scenario"))
    for i, option in enumerate(q.options):  # one person per option, so every bar shows
        learner = store.new_learner()
        store.join_workshop(ws.id, learner.id, f"P{i}")
        event = {"kind": "answer", "lesson": q.lesson, "item": q.id, "response": option.id, "workshop_id": ws.id}
        store.add_events(learner.id, [dict(event, status=check(q, option.id).status)])
    ctx = browser.new_context(viewport={"width": width, "height": height})
    page = ctx.new_page()
    open_dashboard(page, wserver, code=ws.join_code)
    page.wait_for_function(
        f"() => document.querySelector('.cc-counts').innerText.includes('Joined: {len(q.options)}')", timeout=15_000
    )
    clinic = content.get().clinic
    labels = page.evaluate(
        "() => Array.from(document.querySelectorAll('.cc-item-picker option')).map(o => o.textContent)"
    )
    wanted = next(
        t
        for t in labels
        if t.replace("\xa0", " ").startswith("Lesson 1:") and clinic.fill(q.prompt)[:40] in t.replace("\xa0", " ")
    )
    page.select_option(".cc-item-picker select", label=wanted)
    page.click(".cc-reveal")
    page.wait_for_function("() => document.querySelector('.cc-chart').innerText.includes('Right answer')")
    page.click(".cc-present")
    page.wait_for_selector(".cc-presenter .cc-presenter-chart .cc-bars li")
    page.wait_for_function(
        f"() => document.querySelector('.cc-presenter-counts').innerText.includes('{len(q.options)} joined')"
    )
    # The longest code the words allow, so no code of any workshop breaks over two lines.
    longest = max(WORDS, key=len).upper()
    for code in (ws.join_code, f"{longest}-{longest}-88"):
        page.evaluate("(c) => { document.querySelector('.cc-presenter .cc-join-code').textContent = c; }", code)
        lines = page.evaluate("""() => { const r = document.createRange();
            r.selectNodeContents(document.querySelector('.cc-presenter .cc-join-code'));
            return new Set(Array.from(r.getClientRects()).map(b => Math.round(b.top))).size; }""")
        assert lines == 1, f"the code {code} takes {lines} lines at {width}x{height}"
        boxes = {name: page.locator(sel).bounding_box() for name, sel in PRESENTER_PARTS.items()}
        scrolled = page.evaluate(
            "() => [window.scrollY, document.getElementById('rendered_cells').scrollTop, "
            "document.scrollingElement.scrollHeight - window.innerHeight]"
        )
        assert scrolled[:2] == [0, 0], scrolled
        for name, box in boxes.items():
            assert box is not None and box["width"] > 0, name
            assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5, (
                f"the {name} is not in view at {width}x{height}: {box}"
            )
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, f"the {name} runs off the side: {box}"
        assert boxes["QR code"]["width"] >= 0.5 * height * 0.75, boxes["QR code"]  # big enough for the back row
    if os.environ.get("CAREGIVER_SHOTS"):
        page.screenshot(path=os.path.join(os.environ["CAREGIVER_SHOTS"], f"presenter-view-{width}x{height}.png"))
    ctx.close()
