"""Every take-home download on a 390x844 phone: each button gives a file (issue 11)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from caregiver_course import content

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, accept_downloads=True
    )
    yield ctx
    ctx.close()


def fetch(page, label: str, tmp_path, keyboard: bool = False) -> bytes:
    """Press the download button with this label (a tap, or Enter from the keyboard) and return the file."""
    button = page.locator("button.cc-download", has_text=label).first
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, f"{label}: the button is too small to tap"
    with page.expect_download(timeout=60_000) as info:
        if keyboard:
            button.focus()
            page.keyboard.press("Enter")
        else:
            button.tap()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    status = button.locator("xpath=..").locator(".cc-download-status")
    status.filter(has_text="Saved").wait_for()
    return path.read_bytes()


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_each_download_gives_a_file_on_a_phone(open_app, phone, server, tmp_path):
    page = open_app(phone.new_page())
    # A button on the start page (beside Continue) opens the tools' own page.
    page.locator(".cc-dash-top .cc-tools-open").tap()
    page.locator(".cc-home-tools .cc-title", has_text="Take it with you").wait_for()
    plan = fetch(page, "My support plan (PDF)", tmp_path, keyboard=True)
    assert plan.startswith(b"%PDF") and "My support plan" in pdf_text(plan)
    for size in ("wallet", "fridge"):
        card = fetch(page, f"Triage card, {size} size (PDF)", tmp_path)
        assert "EMERGENCY" in pdf_text(card) and "911" in pdf_text(card)

    page.evaluate(
        "() => { window.print = () => { window.__printed = document.querySelector('.cc-print-sheet').innerText; }; }"
    )
    page.locator("button.cc-download", has_text="Print my support plan").first.tap()
    page.wait_for_function("() => (window.__printed || '').includes('My support plan')")

    session_day = dt.date.today() + dt.timedelta(days=6)
    page.locator(".cc-home-tools .cc-cal-date input").fill(session_day.isoformat())
    page.locator(".cc-home-tools .cc-cal-time input").fill("10:30")
    page.locator(".cc-home-tools .cc-cal-add").tap()
    page.locator(".cc-home-tools .cc-cal-result", has_text="Added").wait_for()
    ics = Calendar.from_ical(fetch(page, "Session calendar (.ics)", tmp_path))
    starts = {e.decoded("dtstart") for e in ics.walk("VEVENT")}
    assert dt.datetime.combine(session_day, dt.time(10, 30)) in starts and len(starts) == 4

    page.locator(".cc-journal-open").tap()
    page.locator(".cc-journal-intro", has_text="Who sees it").wait_for()
    page.locator(".cc-journal-on").tap()
    form = page.locator(".cc-journal-form")
    form.wait_for()
    form.locator(".cc-option", has_text="4 - good").tap()
    form.locator(".cc-option", has_text="7 hours").tap()
    form.locator(".cc-option", has_text="Nausea").tap()
    form.locator(".cc-journal-note input").fill("quiet day")
    form.locator(".cc-journal-note input").press("Enter")
    page.wait_for_timeout(300)
    form.locator(".cc-journal-save").tap()
    page.locator(".cc-journal-result", has_text="Saved the entry").wait_for(timeout=30_000)
    page.locator(".cc-journal-chart svg").wait_for()
    journal_pdf = fetch(page, "Journal for the care team (PDF)", tmp_path)
    assert "nausea" in pdf_text(journal_pdf).lower() and len(PdfReader(io.BytesIO(journal_pdf)).pages) == 1
    rows = list(csv.reader(io.StringIO(fetch(page, "Journal entries (CSV)", tmp_path).decode())))
    assert rows[1][1:3] == ["4", "7"] and rows[1][5] == "quiet day"

    # The completion record: mark every lesson done for this learner in the server's store, then reload.
    from caregiver_course.store import Store

    store = Store(server.data_dir / "course.sqlite3")
    token = page.evaluate("() => window.localStorage.getItem('caregiver-course-learner')")
    learner = store.by_token(token)
    c = content.get()
    store.add_events(
        learner.id,
        [{"kind": "step", "lesson": x.id, "item": "end"} for x in c.lessons]
        + [{"kind": "answer", "lesson": q.lesson, "item": q.id, "status": "correct"} for q in c.questions],
    )
    page.goto(page.url.split("#")[0])  # the start page (a reload would reopen the page the address names)
    page.locator(".cc-completion", has_text="You finished every lesson").wait_for(timeout=60_000)
    page.locator(".cc-cert-name input").fill("Sam Rivera")
    page.locator(".cc-cert-name input").press("Enter")
    page.wait_for_timeout(300)
    cert = fetch(page, "My certificate (PDF)", tmp_path)
    text = pdf_text(cert)
    assert "Sam Rivera" in text and "Verification code" in text
    assert "Traceback" not in page.locator("body").inner_text()


def test_an_emergency_sign_in_the_journal_shows_the_red_box_with_a_number_to_tap(open_app, phone):
    """Issue 17: ticking an emergency sign shows, at the Save button, a red box with the action and a tel: link;
    after Save the form is fresh in the page too (no tick left behind) and the date moves on."""
    page = open_app(phone.new_page())
    page.locator(".cc-dash-top .cc-tools-open").tap()
    page.locator(".cc-journal-open").tap()
    page.locator(".cc-journal-on").tap()
    form = page.locator(".cc-journal-form")
    form.wait_for(timeout=30_000)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    form.locator(".cc-journal-day input").fill(yesterday.isoformat())
    form.locator(".cc-option", has_text="2 - low").tap()
    form.locator(".cc-option", has_text="5 hours").tap()
    form.locator(".cc-option", has_text="Chest pain").tap()

    box = form.locator(".cc-journal-alert-box .cc-journal-alert")
    box.wait_for(timeout=30_000)
    call = box.locator("a[href='tel:911']")
    assert call.is_visible() and "Call 911" in call.inner_text()
    assert "Emergency sign" in box.inner_text() and "⚠" in box.inner_text()  # icon and words, not colour alone
    link = call.bounding_box()
    assert link["height"] >= 44 and link["width"] >= 44, "the number is too small to tap"
    # At the button: the box sits just above the Save row, and the summary beside Save says what is ticked.
    save = form.locator(".cc-journal-save")
    save.scroll_into_view_if_needed()
    gap = save.bounding_box()["y"] - (box.bounding_box()["y"] + box.bounding_box()["height"])
    assert 0 <= gap < 60, gap
    summary = form.locator(".cc-journal-summary")
    page.wait_for_function(
        "() => (document.querySelector('.cc-journal-summary') || {}).innerText?.includes('chest pain')",
        timeout=30_000,
    )
    assert "mood 2 - low" in summary.inner_text()

    save.tap()
    result = page.locator(".cc-journal-result")
    result.filter(has_text="Saved the entry").wait_for(timeout=30_000)
    assert result.locator("a[href='tel:911']").count() == 1  # not only a green "Saved"
    # The fresh form: nothing ticked in the page, and the date on the next day (today).
    page.wait_for_function(
        "() => !document.querySelector('.cc-journal-alert-box .cc-journal-alert')"
        " && Array.from(document.querySelectorAll('.cc-journal-form .cc-option input')).every(i => !i.checked)",
        timeout=30_000,
    )
    page.wait_for_function(
        "(today) => (document.querySelector('.cc-journal-day input') || {}).value === today",
        arg=dt.date.today().isoformat(),
        timeout=30_000,
    )
    page.locator(".cc-journal-flags a[href='tel:911']").first.wait_for(timeout=30_000)  # the trend view
    assert "Traceback" not in page.locator("body").inner_text()
