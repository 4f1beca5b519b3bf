"""The take-home tools in the app, without a browser: each download button sends a file as base64 text in a
message (never binary buffers); the journal is opt-in, survives a reload and goes with Delete my data; the
completion record appears when every lesson is done, and the typed name is never stored."""

import base64
import csv
import datetime as dt
import io
import re
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader
from widget_text import walk

from caregiver_course import content
from caregiver_course.store import session
from caregiver_course.ui import lesson as lesson_ui
from caregiver_course.ui.app import CourseApp
from caregiver_course.ui.takehome import CalendarBox, lesson_tools
from caregiver_course.ui.widgets import Download

REPO = Path(__file__).resolve().parents[1]


def hello(app, token=""):
    app.identity.token = ""
    app.identity.receive({"hello": {"token": token, "code": "", "origin": "http://clinic.example:8866"}})
    return app.identity.token


def press(download: Download):
    """Press a download button as the page does; returns what the kernel sent back."""
    sent = []
    download.send = lambda msg, buffers=None: sent.append((msg, buffers))
    download._message({"event": download.action})
    assert len(sent) == 1 and not sent[0][1]  # one message, no binary buffers
    msg = sent[0][0]
    if "file" in msg:
        return msg["file"]["name"], base64.b64decode(msg["file"]["data"]), msg["file"]["mime"]
    return msg


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def downloads(widget) -> dict[str, Download]:
    return {d.label: d for d in walk(widget) if isinstance(d, Download)}


@pytest.fixture
def app(store):
    a = CourseApp(store)
    hello(a)
    return a


def test_start_page_offers_plan_print_cards_calendar_and_journal(app):
    # The start page has one button for the tools; they have a page of their own.
    assert app.home.tools.open_button in app.home.widget.children[1].children
    app.home.tools.open_button.click()
    assert app.stage.children == (app.home.tools.widget,)
    found = downloads(app.stage)
    assert {
        "⬇ My support plan (PDF)",
        "🖨 Print my support plan",
        "⬇ Triage card, wallet size (PDF)",
        "⬇ Triage card, fridge size (PDF)",
        "⬇ Session calendar (.ics)",
    } <= set(found)
    app.session.record_check("practical", "session-day-plan", "driver", True)
    name, data, mime = press(found["⬇ My support plan (PDF)"])
    assert name == "my-support-plan.pdf" and mime == "application/pdf" and data.startswith(b"%PDF")
    assert "Done: A responsible adult will take them home" in pdf_text(data)
    printed = press(found["🖨 Print my support plan"])
    assert "☑" in printed["print"] and "cc-plan-sheet" in printed["print"]
    name, data, _ = press(found["⬇ Triage card, fridge size (PDF)"])
    assert "EMERGENCY" in pdf_text(data)


def test_lessons_3_4_7_and_8_end_with_the_tools(app):
    content.get()
    for lesson_id, wanted in {
        "practical": "⬇ Session calendar (.ics)",
        "side-effects": "⬇ Triage card, wallet size (PDF)",
        "self-care": "⬇ My support plan (PDF)",
        "informed": "⬇ My support plan (PDF)",
    }.items():
        tools = lesson_tools(lesson_id, app.session)
        assert tools and wanted in downloads(tools[0])
    assert lesson_tools("emotional", app.session) == []
    nb_next = lesson_ui.whats_next("practical")  # the notebook cell's own call
    assert "⬇ Session calendar (.ics)" in downloads(nb_next)


def test_the_calendar_needs_a_session_and_keeps_dates_out_of_the_store(app, store):
    box = CalendarBox(app.session)
    msg = press(box.download)
    assert "add at least one session" in msg["error"].lower()
    box.date.value = dt.date.today() + dt.timedelta(days=5)
    box.time.value = dt.time(10, 15)
    box._add()
    assert "Added" in box.result.value
    name, data, mime = press(box.download)
    assert name == "session-calendar.ics" and mime == "text/calendar" and b"BEGIN:VEVENT" in data
    db = sqlite3.connect(store.path)
    dumped = "\n".join(db.iterdump())
    assert (dt.date.today() + dt.timedelta(days=5)).isoformat() not in dumped


def test_a_failing_file_gives_a_plain_message(app):
    def broken():
        raise RuntimeError("boom /secret/path")

    msg = press(Download("x", broken, "x.pdf"))
    assert msg == {"error": "Sorry, the file could not be made. Please try again, or tell the clinic staff."}


def _fill_entry(page, mood="4", sleep="7", effects=("nausea",), note="quiet day"):
    page.mood.value = mood
    page.sleep.value = sleep
    page.effects.value = list(effects)
    page.session_day.value = ["yes"]
    page.note.value = note
    page._save()


def test_journal_is_off_until_turned_on_then_survives_a_reload_and_goes_with_delete(app, store):
    app.show_journal()
    page = app.journal
    assert page.widget.children == tuple(page.off_view)  # the plain-words screen first
    text = page.intro.value
    assert "Who sees it" in text and "Not a workshop facilitator" in text and "Do not write names" in text
    assert not store.journal_is_on(app.session.learner.id)
    page._turn_on()
    assert page.widget.children == tuple(page.on_view)
    _fill_entry(page)
    assert "Saved the entry" in page.saved.value
    assert "<svg" in page.trend.value and "<script" not in page.trend.value
    token = app.identity.token
    again = CourseApp(store)  # a reload: a new kernel, the same browser
    hello(again, token)
    assert again.journal_on()
    again.show_journal()
    assert len(again.journal.entries()) == 1 and again.journal.entries()[0]["note"] == "quiet day"
    name, data, _ = press(downloads(again.journal.widget)["⬇ Journal for the care team (PDF)"])
    assert "nausea" in pdf_text(data) and len(PdfReader(io.BytesIO(data)).pages) == 1
    name, data, mime = press(downloads(again.journal.widget)["⬇ Journal entries (CSV)"])
    assert mime == "text/csv" and b"quiet day" in data
    lid = again.session.learner.id
    again.delete_my_data()
    assert store.journal_entries(lid) == [] and not store.journal_is_on(lid)
    assert not again.journal_on()  # the fresh learner starts with the journal off


def test_journal_lists_entries_to_act_on_with_the_rows_advice(app):
    app.show_journal()
    app.journal._turn_on()
    _fill_entry(app.journal, effects=("chest-pain",))
    advice = app.content.clinic.fill(app.content.side_effect("chest-pain").what_to_do)
    assert "Signs to act on" in app.journal.flags.value and advice in app.journal.flags.value


def test_journal_entry_needs_mood_and_sleep(app):
    app.show_journal()
    app.journal._turn_on()
    app.journal.mood.value = ""
    app.journal._save()
    assert "mood" in app.journal.saved.value and app.journal.entries() == []


def test_journal_never_reaches_facilitators_or_workshop_results():
    for module in ("ui/dashboard.py", "workshop/results.py"):
        assert "journal" not in (REPO / "src/caregiver_course" / module).read_text().lower()


def test_completion_record_and_certificate(app, store):
    assert app.home.tools.completion.widget.layout.display == "none"
    events = []
    for one in app.content.lessons:
        events.append({"kind": "step", "lesson": one.id, "item": "end", "sub_item": ""})
        for q in app.content.questions_for(one.id):
            events.append({"kind": "answer", "lesson": one.id, "item": q.id, "status": "correct", "response": ""})
    for e in events:
        app.session._add(e)
    app.session.flush()
    app.show_home()
    box = app.home.tools.completion
    assert box.widget.layout.display is None
    assert "You finished every lesson" in box.summary.value and "Key points" in box.summary.value
    # In a caregiver's words: what they practised, never a score (the course is "for learning, not a test").
    record = box.summary.value
    assert "What you practised" in record and "Know when to call the clinic." in record
    assert not re.search(r"(?i)quiz|score|\d+ of \d+ right", record), record
    box.name.value = "Alex Unstored-Name"
    name, data, _ = press(box.download)
    text = pdf_text(data)
    assert "Alex Unstored-Name" in text and "Verification code" in text and "NW Ketamine Infusion" in text
    assert "python -m" not in text and "caregiver_course" not in text  # the clinic's check lives in the README
    assert not re.search(r"(?i)quiz|\d+ of \d+ right", text)
    dumped = "\n".join(sqlite3.connect(store.path).iterdump())
    assert "Unstored-Name" not in dumped


def test_the_kernel_never_loads_the_pdf_library(tmp_path):
    """A page that makes no file loads none of the libraries; PDFs are made in a short-lived process."""
    import subprocess
    import sys

    code = (
        "import sys; from caregiver_course.store import Store; from caregiver_course.ui.app import CourseApp\n"
        "from caregiver_course.ui.widgets import Download\n"
        f"a = CourseApp(Store({str(tmp_path / 'x.sqlite3')!r})); a.show_home()\n"
        "libs = ('fpdf', 'pygal', 'icalendar', 'PIL', 'fontTools')\n"
        "print(sorted(m for m in libs if m in sys.modules))\n"
        "sent = []\n"
        "for d in [x for x in a.home.tools.widget.children if isinstance(x, Download)]:\n"
        "    d.send = lambda msg, buffers=None: sent.append(msg); d._message({'event': d.action})\n"
        "print(len(sent), all('file' in m or 'print' in m for m in sent))\n"
        "print(sorted(m for m in libs if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=180)
    lines = out.stdout.strip().splitlines()
    assert lines[-3:] == ["[]", "6 True", "[]"], out.stderr[-2000:]


@pytest.fixture(autouse=True)
def _memory_session():
    session.use(session.StoreSession())


def test_the_tools_words_read_at_grade_8_or_below():
    import re

    import textstat

    from caregiver_course.ui import journal, takehome

    texts = [journal.JOURNAL_INTRO, takehome.plan_intro().value, takehome.cards_intro().value]
    plain = re.sub(r"<[^>]+>", " ", " ".join(texts))
    assert textstat.flesch_kincaid_grade(plain) <= 8


# --------------------------------------------------------------------------- the journal as a learner uses it (issue 17)


def _save_button(page):
    return next(b for b in walk(page.widget) if getattr(b, "description", "") == "Save this entry")


def _learner_enters(page, mood, sleep, effects=(), session=False, note=""):
    """What a learner does on the form: tap a mood, a sleep, the signs, maybe the session box, type, press Save."""
    page.mood.value = mood
    page.sleep.value = sleep
    page.effects.value = list(effects)
    if session:
        page.session_day.value = ["yes"]
    if note:
        page.note.value = note
    _save_button(page).click()


def _form(page):
    return (page.mood.value, page.sleep.value, page.effects.value, page.session_day.value, page.note.value)


def test_three_days_entered_as_a_learner_gives_three_right_entries_in_the_csv_and_the_pdf(app):
    today = dt.date.today()
    year = today.year if today >= dt.date(today.year, 12, 2) else today.year - 1
    nov30, dec1, dec2 = dt.date(year, 11, 30), dt.date(year, 12, 1), dt.date(year, 12, 2)
    app.show_journal()
    page = app.journal
    page._turn_on()
    page.day.value = nov30
    assert "Will save:" in page.summary.value and "mood not chosen" in page.summary.value
    page.mood.value, page.effects.value, page.session_day.value = "3", ["nausea"], ["yes"]
    assert "nausea" in page.summary.value and "session day" in page.summary.value  # beside the Save button
    _learner_enters(page, "3", "6", ["nausea"], session=True, note="first session")
    assert "Saved the entry for" in page.saved.value
    assert _form(page) == ("", "", [], [], "") and page.day.value == dec1  # fresh; only the date moves on
    _learner_enters(page, "3", "7")  # 1 Dec: nothing noticed, no session
    assert _form(page) == ("", "", [], [], "") and page.day.value == dec2
    page.effects.value = ["chest-pain"]  # 2 Dec: an emergency sign ticked
    assert "cc-journal-alert" in page.alert.value and "href='tel:911'" in page.alert.value
    assert "Emergency sign" in page.alert.value and "⚠" in page.alert.value  # icon and words, not colour alone
    _learner_enters(page, "2", "5", ["chest-pain"])
    assert "Saved the entry" in page.saved.value and "href='tel:911'" in page.saved.value
    assert "cc-feedback-correct" not in page.saved.value  # never only a green "Saved"
    assert page.alert.value == ""  # the new form has nothing ticked
    assert "href='tel:911'" in page.flags.value and "Chest pain" in page.flags.value  # the trend view

    _, data, _ = press(downloads(page.widget)["⬇ Journal entries (CSV)"])
    rows = list(csv.reader(io.StringIO(data.decode())))[1:]
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        (nov30.isoformat(), "3", "6", "yes", "nausea"),
        (dec1.isoformat(), "3", "7", "no", ""),
        (dec2.isoformat(), "2", "5", "no", "chest pain"),
    ]
    _, data, _ = press(downloads(page.widget)["⬇ Journal for the care team (PDF)"])
    text = pdf_text(data)
    assert "3 days" in text and "1 session day." in text
    assert "2 Dec: Chest pain or pressure. Emergency: Call 911 now" in text
    assert "1 Dec 3 7 h" in text and "30 Nov 3 6 h yes nausea" in text and "2 Dec 2 5 h chest pain" in text

    page.day.value = nov30  # a day with an entry opens it to edit
    assert _form(page) == ("3", "6", ["nausea"], ["yes"], "first session")
    assert "already has an entry" in page.editing.value
    page.mood.value = "4"
    _save_button(page).click()
    assert "Updated the entry" in page.saved.value
    entries = page.entries()
    assert len(entries) == 3 and entries[0]["mood"] == 4 and entries[0]["session"]
    assert page.day.value == dec1 and _form(page) == ("3", "7", [], [], "")  # the next day has an entry too


def test_a_crisis_sign_shows_the_crisis_line_to_call_and_text(app):
    app.show_journal()
    app.journal._turn_on()
    app.journal.effects.value = ["suicide-talk"]
    box = app.journal.alert.value
    assert "Crisis sign" in box and "href='tel:988'" in box and "href='sms:988'" in box
    app.journal.effects.value = ["rash"]  # a call-the-clinic sign: no red box
    assert app.journal.alert.value == ""


def test_saving_todays_entry_leaves_a_fresh_form_for_today_that_says_saving_replaces_it(app):
    app.show_journal()
    page = app.journal
    page._turn_on()
    assert page.day.value == dt.date.today()
    _learner_enters(page, "4", "8", ["tired"], session=True, note="calm")
    assert _form(page) == ("", "", [], [], "") and page.day.value == dt.date.today()
    assert "Today's entry is saved" in page.editing.value and "replaces" in page.editing.value
    page.day.value = dt.date.today() - dt.timedelta(days=3)  # another day, with no entry: still fresh
    assert page.editing.value == "" and _form(page) == ("", "", [], [], "")
    page.day.value = dt.date.today()  # back to today: its entry opens to edit
    assert _form(page) == ("4", "8", ["tired"], ["yes"], "calm") and "already has an entry" in page.editing.value
