"""Take-home tools (issue 11), without widgets: each file read back says what the learner ticked and chose,
with the clinic's numbers; the triage card agrees with the side-effect table; the calendar's times follow
from the clinic settings; the journal survives a new session and goes with Delete my data."""

import csv
import datetime as dt
import io
import re

import pytest
import yaml
from icalendar import Calendar
from pypdf import PdfReader

from caregiver_course import content
from caregiver_course.learning import progress
from caregiver_course.toolkit import calendar, certificate, journal, plan, triage_card
from caregiver_course.toolkit.pdf import safe

URL = "http://clinic.example:8866/voila/render/course.ipynb"


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)


def words(text: str) -> str:
    return " ".join(safe(text).split())


@pytest.fixture
def numbered(data_copy):
    """A clinic with real-looking numbers (confirmed), so the files can be checked for them."""
    path = data_copy / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg["clinic_phone"] = "503-555-0100"
    cfg["after_hours_phone"] = "503-555-0199"
    cfg["clinic_name"] = "Test Valley Clinic"
    cfg["fasting_solids_hours"]["value"] = "4"
    cfg["fasting_liquids_hours"]["value"] = "1.5"
    cfg["no_driving_hours"]["value"] = "18"
    cfg["fasting_solids"]["value"] = "4 hours"  # the texts learners read agree with the calendar's numbers
    cfg["fasting_liquids"]["value"] = "90 minutes for clear liquids such as water"
    cfg["no_driving"]["value"] = "for 18 hours, and until after a full night's sleep"
    cfg["visit_minutes"]["value"] = "90"
    cfg["evening_reminder"]["value"] = "20:30"
    cfg["ride_reminder_days"]["value"] = "3"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    c = content.load(data_copy)
    assert c.problems == []
    return c


def test_the_support_plan_has_the_ticks_the_choices_and_the_numbers(numbered):
    c = numbered
    ticked = {"session-day-plan": {"driver", "food"}, "my-self-care-plan": {"own-health"}}
    session = dt.datetime(2026, 12, 3, 9, 30)
    data = plan.plan_pdf(c, ticked, [session], today=dt.date(2026, 11, 27))
    text, pages = pdf_text(data)
    assert 1 <= pages <= 2
    assert "503-555-0100" in text and "503-555-0199" in text and "911" in text and "988" in text
    assert "Test Valley Clinic" in text
    # the learner's planned session, with the fasting times as clock times (4 h and 1.5 h before)
    assert "Session: Thursday 3 December 2026, 9:30 am: stop eating at 5:30 am, stop drinking at 8:00 am" in text
    for cid, item_ids in ticked.items():
        for item in c.checklists[cid].items:
            line = words(c.clinic.fill(item.text))
            assert line[:60] in text
            assert (f"Done: {line[:40]}" in text) == (item.id in item_ids)
    for cid, _ in plan.PARTS:  # unticked items are there too, as empty boxes
        for item in c.checklists[cid].items:
            assert words(c.clinic.fill(item.text))[:60] in text
    html = plan.plan_html(c, ticked, [session])
    assert "503-555-0100" in html and html.count("☑") == 3


def test_a_plan_with_nothing_ticked_is_a_form_to_fill_in(numbered):
    text, pages = pdf_text(plan.plan_pdf(numbered, {}))
    assert "Done:" not in text and "Write the dates and times here" in text and pages <= 2


@pytest.mark.parametrize("size", ["wallet", "fridge"])
def test_the_triage_card_agrees_with_the_side_effect_table(numbered, size):
    c = numbered
    text, pages = pdf_text(triage_card.card_pdf(c, URL, size))
    assert pages == 1
    for word in ("EXPECTED", "CALL THE CLINIC", "EMERGENCY", "CRISIS LINE"):
        assert word in text
    assert "503-555-0100" in text and "503-555-0199" in text and "Call 911 now" in text and "988" in text
    groups = {g.id: g for g in triage_card.groups(c)}
    assert sum(len(g.signs) for g in groups.values()) == len(c.side_effects)
    for row in c.side_effects:  # every row, in its own group, in the table's words
        assert c.clinic.fill(row.short) in groups[row.group].signs
    shown = [r for r in c.side_effects if size == "fridge" or r.group != "expected"]
    for row in shown:
        assert words(c.clinic.fill(row.short)) in text


def test_the_triage_card_follows_a_changed_table(data_copy):
    path = data_copy / "side_effects.yaml"
    path.write_text(path.read_text().replace("short: chest pain", "short: crushing chest pain"))
    c = content.load(data_copy)
    text, _ = pdf_text(triage_card.card_pdf(c, URL, "fridge"))
    assert "crushing chest pain" in text


def test_the_card_has_a_qr_code_to_the_course(numbered):
    import segno

    data = triage_card.card_pdf(numbered, URL, "fridge")
    assert b"/Subtype /Image" not in data  # the code is drawn as squares (vector), not an image
    drawn = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().count(b" re")
    runs = sum(  # each run of dark modules in a row of the URL's QR code is one filled rectangle
        sum(1 for i, v in enumerate(row) if v and (i == 0 or not row[i - 1]))
        for row in segno.make(URL, error="m", micro=False).matrix_iter(scale=1, border=2)
    )
    assert drawn >= runs > 50


def test_calendar_events_and_reminders_follow_the_settings(numbered):
    c = numbered.clinic
    sessions = [dt.datetime(2026, 12, 3, 9, 30), dt.datetime(2026, 12, 8, 14, 0)]
    cal = Calendar.from_ical(calendar.calendar_ics(c, sessions))
    events = list(cal.walk("VEVENT"))
    assert len(events) == 4 * len(sessions)
    for s in sessions:
        mine = {
            str(e["categories"].cats[0]): e
            for e in events
            if s.date().isoformat() in e["description"] or e.decoded("dtstart") == s
        }
        by_kind = {}
        for e in events:
            kind = str(e["categories"].cats[0])
            start = e.decoded("dtstart")
            if kind == "session" and start == s:
                by_kind[kind] = e
            elif kind == "fasting" and start.date() == s.date() - dt.timedelta(days=1):
                by_kind[kind] = e
            elif kind == "ride" and start.date() == s.date() - dt.timedelta(days=3):
                by_kind[kind] = e
            elif kind == "no-driving" and start == s + dt.timedelta(minutes=90):
                by_kind[kind] = e
        assert set(by_kind) == {"session", "fasting", "ride", "no-driving"}, mine
        assert by_kind["session"].decoded("dtend") == s + dt.timedelta(minutes=90)  # visit_minutes
        evening = dt.datetime.combine(s.date() - dt.timedelta(days=1), dt.time(20, 30))  # evening_reminder
        assert by_kind["fasting"].decoded("dtstart") == evening
        food, drink = s - dt.timedelta(hours=4), s - dt.timedelta(hours=1.5)  # fasting_*_hours
        assert f"stop eating at {c.clock_time(food)}" in str(by_kind["fasting"]["summary"])
        assert f"drinking at {c.clock_time(drink)}" in str(by_kind["fasting"]["summary"])
        assert c.clock_time(food).endswith((" am", " pm"))  # 12-hour clock unless the clinic sets 24h
        ride = dt.datetime.combine(s.date() - dt.timedelta(days=3), dt.time(20, 30))  # ride_reminder_days
        assert by_kind["ride"].decoded("dtstart") == ride
        until = s + dt.timedelta(minutes=90) + dt.timedelta(hours=18)  # no_driving_hours after the visit
        assert by_kind["no-driving"].decoded("dtend") == until
        assert c.clock_time(until) in str(by_kind["no-driving"]["summary"])
        for kind in ("fasting", "ride"):  # these two ring
            alarms = by_kind[kind].walk("VALARM")
            assert alarms and alarms[0].decoded("trigger") == dt.timedelta(0)


def test_calendar_settings_are_checked(data_copy):
    path = data_copy / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg["fasting_solids_hours"]["value"] = "six"
    cfg["evening_reminder"]["value"] = "7pm"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    problems = [str(p) for p in content.load(data_copy).problems]
    assert any("fasting_solids_hours" in p and "not a number from 0 to 24" in p for p in problems), problems
    assert any("evening_reminder" in p and "a time like 19:00" in p for p in problems), problems


def test_calendar_numbers_must_agree_with_the_texts_learners_read(data_copy):
    path = data_copy / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg["fasting_solids_hours"]["value"] = "4"  # the text still says 6 hours
    cfg["fasting_liquids_hours"]["esketamine"] = "1"  # the nasal spray's text says 30 minutes
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    problems = [str(p) for p in content.load(data_copy).problems]
    assert any("fasting_solids_hours" in p and "does not agree with fasting_solids" in p for p in problems), problems
    assert any("fasting_liquids_hours" in p and "esketamine" in p for p in problems), problems
    assert len(problems) == 2, problems


def _entries(c):
    out = []
    for i, (mood, sleep, effects, session) in enumerate(
        [(3, 7, ["nausea"], True), (2, 5, [], False), (4, 8, ["rash"], False), (1, 4, ["chest-pain"], False)]
    ):
        day, entry = journal.clean_entry(
            {
                "day": dt.date(2026, 11, 20 + i),
                "mood": mood,
                "sleep": sleep,
                "effects": effects,
                "session": session,
                "note": "=cmd quiet day" if i == 1 else "ok",
            },
            c,
            today=dt.date(2026, 11, 27),
        )
        out.append({**entry, "day": day})
    return out


def test_journal_entries_are_checked(numbered):
    with pytest.raises(journal.EntryError, match="mood"):
        journal.clean_entry({"mood": 9, "sleep": 7}, numbered)
    with pytest.raises(journal.EntryError, match="future"):
        journal.clean_entry({"mood": 3, "sleep": 7, "day": dt.date.today() + dt.timedelta(days=2)}, numbered)
    day, entry = journal.clean_entry(
        {"mood": "4", "sleep": "7", "effects": ["nausea", "made-up"], "note": "x" * 500}, numbered
    )
    assert entry["effects"] == ["nausea"] and len(entry["note"]) == journal.NOTE_MAX


def test_journal_flags_rows_to_act_on_with_their_advice(numbered):
    found = journal.flags(_entries(numbered), numbered)
    assert [(f.day, f.group) for f in found] == [("2026-11-23", "emergency"), ("2026-11-22", "clinic")]
    assert found[0].advice == numbered.clinic.fill(numbered.side_effect("chest-pain").what_to_do)


def test_journal_chart_is_svg_with_no_script_or_outside_request(numbered):
    svg = journal.chart_svg(_entries(numbered))
    assert svg.lstrip().startswith("<svg") and "<script" not in svg
    assert set(re.findall(r"https?://[^\"' )]+", svg)) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "Session day" in svg and "Mood" in svg and "aria-label" in svg


def test_journal_export_pdf_and_csv(numbered):
    entries = _entries(numbered)
    text, pages = pdf_text(journal.export_pdf(entries, numbered, today=dt.date(2026, 11, 27)))
    assert pages == 1
    assert "20 Nov" in text and "23 Nov" in text and "chest pain" in text and "Test Valley Clinic" in text
    assert "Chest pain or pressure" in text  # the flagged row, with its advice
    rows = list(csv.reader(io.StringIO(journal.to_csv(entries, numbered))))
    assert rows[0][:3] == ["date", "mood_1_to_5", "sleep_hours"] and len(rows) == 5
    assert rows[2][5] == "'=cmd quiet day"  # no formula reaches a spreadsheet
    assert rows[1][3] == "yes" and rows[1][4] == "nausea"


def test_journal_survives_a_new_session_and_goes_with_delete_my_data(store, numbered):
    from caregiver_course.store import Store

    learner = store.new_learner()
    other = store.new_learner()
    assert not store.journal_is_on(learner.id)
    store.set_journal_on(learner.id, True)
    for e in _entries(numbered):
        store.add_journal_entry(learner.id, e["day"], {k: v for k, v in e.items() if k != "day"})
    store.add_journal_entry(other.id, "2026-11-20", {"mood": 5, "sleep": 8})
    again = Store(store.path)  # a new kernel, as after a reload
    assert again.journal_is_on(learner.id)
    assert [e["day"] for e in again.journal_entries(learner.id)] == [
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
    ]
    again.add_journal_entry(learner.id, "2026-11-23", {"mood": 2, "sleep": 6})  # the same day: replaced
    assert again.journal_entries(learner.id)[-1]["mood"] == 2 and len(again.journal_entries(learner.id)) == 4
    again.delete_learner(learner.id)
    assert again.journal_entries(learner.id) == [] and not again.journal_is_on(learner.id)
    assert len(again.journal_entries(other.id)) == 1  # nobody else's
    import sqlite3

    db = sqlite3.connect(store.path)
    assert db.execute("SELECT COUNT(*) FROM journal_entries WHERE learner_id = ?", (learner.id,)).fetchone()[0] == 0


def test_turning_the_journal_off_deletes_its_entries(store):
    learner = store.new_learner()
    store.set_journal_on(learner.id, True)
    store.add_journal_entry(learner.id, "2026-11-20", {"mood": 3, "sleep": 7})
    store.set_journal_on(learner.id, False)
    assert store.journal_entries(learner.id) == [] and not store.journal_is_on(learner.id)


def _finished_events(c):
    events = []
    for lesson in c.lessons:
        events.append({"kind": "step", "lesson": lesson.id, "item": "end", "sub_item": ""})
        for q in c.questions_for(lesson.id):
            events.append({"kind": "answer", "lesson": lesson.id, "item": q.id, "status": "correct", "response": ""})
    return events


def test_certificate_has_name_clinic_date_version_and_a_code_the_clinic_can_check(store, numbered):
    from caregiver_course import __version__

    learner = store.new_learner()
    store.add_events(learner.id, _finished_events(numbered))
    lines = certificate.summary(numbered, store.events(learner.id))
    assert certificate.all_done(lines)
    day = dt.date(2026, 11, 27)
    code = certificate.verification_code(store.key, learner.id, day.isoformat())
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code)
    text, pages = pdf_text(certificate.certificate_pdf(numbered, lines, code, day, name="Sam Rivera"))
    assert pages == 1
    for part in ("Sam Rivera", "Test Valley Clinic", "27 November 2026", f"Course version {__version__}", code):
        assert part in text
    assert certificate.verify(store, numbered, code.lower().replace("-", " "), day.isoformat()) == learner.id
    assert certificate.verify(store, numbered, code, "2026-11-28") is None  # another day
    assert certificate.verify(store, numbered, "AAAAA-AAAAA", day.isoformat()) is None
    text, _ = pdf_text(certificate.certificate_pdf(numbered, lines, code, day))
    assert "a family member or friend" in text  # no name typed: none needed


def test_verify_from_the_command_line(store, numbered, capsys, monkeypatch):
    from caregiver_course.__main__ import main

    learner = store.new_learner()
    store.add_events(learner.id, _finished_events(numbered))
    code = certificate.verification_code(store.key, learner.id, "2026-11-27")
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(store.path.parent))
    assert main(["verify", code, "--date", "2026-11-27"]) == 0
    assert "valid" in capsys.readouterr().out.lower()
    assert main(["verify", "AAAAA-AAAAA", "--date", "2026-11-27"]) == 1


def test_an_unfinished_course_gives_no_certificate(store, numbered):
    learner = store.new_learner()
    lines = certificate.summary(numbered, [])
    assert not certificate.all_done(lines)
    assert progress.overall(progress.lesson_progress(numbered, []), numbered)[0] == 0
    code = certificate.verification_code(store.key, learner.id, "2026-11-27")
    assert certificate.verify(store, numbered, code, "2026-11-27") is None


# --------------------------------------------------------------------------- paper, print size and clock (issue 17)


def font_sizes(data: bytes) -> list[tuple[float, str]]:
    """Every piece of text in a PDF with the size it is printed at (font size times the text and page scale)."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:

        def visit(text, cm, tm, _font, size):
            if text.strip():
                scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
                out.append((round(size * scale, 2), text.strip()))

        page.extract_text(visitor_text=visit)
    return out


def every_pdf(c) -> dict[str, bytes]:
    """Every PDF the course makes, with content enough to fill each (a flagged journal, a finished course)."""
    lines = [
        certificate.LessonLine(i + 1, x.title, True, ("Know a thing.",), ("A key point",))
        for i, x in enumerate(c.lessons)
    ]
    return {
        "plan": plan.plan_pdf(c, {"session-day-plan": {"driver"}}, [dt.datetime(2026, 12, 3, 9, 30)]),
        "wallet": triage_card.card_pdf(c, URL, "wallet"),
        "fridge": triage_card.card_pdf(c, URL, "fridge"),
        "journal": journal.export_pdf(_entries(c), c, today=dt.date(2026, 11, 27)),
        "certificate": certificate.certificate_pdf(c, lines, "AAAAA-BBBBB", dt.date(2026, 11, 27), name="Sam"),
    }


def _with(data_copy, **settings):
    path = data_copy / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    for name, value in settings.items():
        if value is None:
            cfg.pop(name, None)
        else:
            cfg[name] = value
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    c = content.load(data_copy)
    assert c.problems == [], c.problems
    return c


def test_no_text_under_8_pt_in_any_pdf_and_letter_paper_for_a_us_clinic(numbered):
    assert numbered.clinic.paper == "letter"  # the shipped clinic.yaml: a US clinic
    for name, data in every_pdf(numbered).items():
        sizes = font_sizes(data)
        assert sizes, name
        small = [(size, text) for size, text in sizes if size < 8]
        assert not small, f"{name}: text under 8 pt: {small[:5]}"
        for page in PdfReader(io.BytesIO(data)).pages:
            box = sorted((round(float(page.mediabox.width)), round(float(page.mediabox.height))))
            assert box == [612, 792], f"{name} is not US Letter: {box}"


def test_a4_paper_for_a_clinic_outside_the_us_and_when_the_clinic_says_so(data_copy):
    outside = _with(data_copy, paper=None, emergency_number="112")  # no paper setting: not 911, so A4
    assert outside.clinic.paper == "a4"
    for name, data in every_pdf(outside).items():
        for page in PdfReader(io.BytesIO(data)).pages:
            box = sorted((round(float(page.mediabox.width)), round(float(page.mediabox.height))))
            assert box == [595, 842], f"{name} is not A4: {box}"
    assert _with(data_copy, paper="A4", emergency_number="911").clinic.paper == "a4"  # the setting wins
    assert _with(data_copy, paper=None, emergency_number="911").clinic.paper == "letter"


def test_paper_and_clock_settings_are_checked_with_a_clear_message(data_copy):
    path = data_copy / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg["paper"] = "legal"
    cfg["clock"] = "am/pm"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    problems = [str(p) for p in content.load(data_copy).problems]
    assert any("paper" in p and "'legal' is not one of: letter" in p and "a4" in p for p in problems), problems
    assert any("clock" in p and "12h" in p and "24h" in p for p in problems), problems


def test_clock_times_follow_the_clinic_clock_setting(data_copy):
    twelve = _with(data_copy, clock=None).clinic
    assert [twelve.clock_time(dt.time(h, m)) for h, m in ((3, 30), (12, 0), (0, 5), (19, 0))] == [
        "3:30 am",
        "12:00 pm",
        "12:05 am",
        "7:00 pm",
    ]
    assert twelve.shown("evening_reminder") == "7:00 pm"  # lessons filling {evening_reminder} read it so too
    c = _with(data_copy, clock="24h")
    assert c.clinic.clock_time(dt.time(3, 30)) == "03:30" and c.clinic.shown("evening_reminder") == "19:00"
    session = dt.datetime(2026, 12, 3, 9, 30)
    cal = Calendar.from_ical(calendar.calendar_ics(c.clinic, [session]))
    fasting = next(e for e in cal.walk("VEVENT") if str(e["categories"].cats[0]) == "fasting")
    assert "stop eating at 03:30, drinking at 07:30" in str(fasting["summary"])
    text, _ = pdf_text(plan.plan_pdf(c, {}, [session]))
    assert "9:30 am" not in text and "09:30: stop eating at 03:30" in text


def test_the_fridge_card_puts_the_emergency_first_and_leaves_a_line_for_numbers_not_set(data_copy):
    c = content.load(data_copy)  # the shipped file: the clinic's own numbers are not set yet
    text, pages = pdf_text(triage_card.card_pdf(c, URL, "fridge"))
    assert pages == 1
    order = [text.index(word) for word in ("EMERGENCY", "CRISIS LINE", "CALL THE CLINIC", "EXPECTED")]
    assert order == sorted(order), order
    assert "Emergency: 911" in text and "Clinic: ____" in text and "After hours: ____" in text
    assert "(the phone number on your appointment card)" in text  # what to write in


def test_the_wallet_card_is_one_page_of_card_panels_with_cut_and_fold_lines(numbered):
    data = triage_card.card_pdf(numbered, URL, "wallet")
    text, pages = pdf_text(data)
    assert pages == 1 and "Cut along the dashed line" in text and "Fold on the dotted lines" in text
    assert text.count("When to get help") >= 2  # two cards, one to keep and one to give
    stream = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data()
    assert b"] 0 d" in stream  # dashed and dotted lines (a PDF dash pattern)
    assert text.index("EMERGENCY") < text.index("CRISIS LINE") < text.index("CALL THE CLINIC")


@pytest.mark.parametrize("treatment", ["iv_ketamine", "esketamine"])
def test_the_wallet_card_text_stays_inside_its_panels(data_copy, treatment):
    c = _with(data_copy, treatment_type=treatment)
    fits: list = []
    triage_card.wallet_pdf(c, URL, fits)
    assert fits == [True]
    path = data_copy / "side_effects.yaml"  # a table twice as wordy would not fit: the check can fail
    path.write_text(path.read_text().replace("short: chest pain", "short: " + "chest pain and pressure " * 40))
    fits = []
    triage_card.wallet_pdf(content.load(data_copy), URL, fits)
    assert fits == [False]
