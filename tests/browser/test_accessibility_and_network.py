"""WCAG checks with axe-core, phone-size layout, touch targets, and no request to any other host."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from .helpers import find_question, go_to_step, open_lesson, step_count

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_axe_finds_no_serious_problem_on_the_start_page_and_a_lesson(open_app, context):
    page = open_app(context.new_page())
    assert axe_violations(page) == []
    open_lesson(page, "side-effects")
    assert axe_violations(page) == []
    for types in (("single", "scenario", "truefalse"), ("triage",)):
        q, _ = find_question(page, "side-effects", types=types)
        q.locator(".cc-check").click()  # feedback shown too
        q.locator(".cc-feedback .cc-feedback-hint").wait_for()
        assert axe_violations(page) == []


@pytest.mark.parametrize("lesson_id", ["start", "practical", "side-effects", "informed"])
def test_phone_layout_has_no_sideways_scroll_and_big_enough_targets(open_app, browser, lesson_id):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = open_app(ctx.new_page())
    for where in ("home", lesson_id, "last step"):
        if where == lesson_id:
            open_lesson(page, lesson_id)
        elif where == "last step":
            go_to_step(page, step_count(page) - 1)
        widths = page.evaluate("""() => [document.documentElement, document.body,
            document.getElementById('rendered_cells')].map(e => [e.scrollWidth, e.clientWidth])""")
        for scroll, client in widths:
            assert scroll <= client + 1, f"{where}: content is {scroll}px wide in a {client}px screen"
        small = page.evaluate("""() => {
            const out = [];
            const targets = document.querySelectorAll('button, input[type=text], textarea, select,'
                + ' label.cc-option, a[href]');
            for (const el of targets) {
                const r = el.getBoundingClientRect();
                if (r.width === 0 && r.height === 0) continue;   // hidden
                if (el.closest('.cc-identity')) continue;
                if (el.matches('label.cc-option') && r.height < 44) out.push([el.tagName, el.textContent.slice(0, 40), r.width, r.height]);
                if (r.width < 24 || r.height < 24) out.push([el.tagName, el.textContent.slice(0, 40), r.width, r.height]);
            }
            return out;
        }""")
        assert small == [], f"{where}: targets smaller than 24x24 px: {small[:5]}"
    ctx.close()


def test_the_page_requests_nothing_from_other_hosts(open_app, context):
    page = context.new_page()
    hosts = set()
    # blob: and data: URLs never leave the page (anywidget loads its module from a blob: URL).
    page.on(
        "request",
        lambda r: hosts.add(urlparse(r.url).hostname) if urlparse(r.url).scheme not in ("blob", "data") else None,
    )
    open_app(page)
    open_lesson(page, "understanding")
    page.wait_for_timeout(500)
    assert hosts == {"localhost"}
