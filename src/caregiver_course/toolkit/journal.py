"""The observation journal (opt-in): clean an entry, draw the trend, find entries to act on, export them.

An entry is one day: mood 1-5, hours of sleep, side effects picked from the side-effect table's rows, whether
there was a session that day, and a short note. Nothing names the patient. The trend is an SVG chart made by
pygal (imported only when a chart is drawn); the PDF export draws the same lines with fpdf2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from ..content.numbers import PHONE, raw_value
from . import pdf as P
from . import strip_controls
from .triage_card import WORDS, action

MOODS = {1: "1 - very low", 2: "2 - low", 3: "3 - okay", 4: "4 - good", 5: "5 - very good"}
SLEEP = (3, 4, 5, 6, 7, 8, 9, 10)  # hours; 3 means "3 or less", 10 means "10 or more"
NOTE_MAX = 200
ACT_ON = ("emergency", "crisis", "clinic")  # the groups whose rows make an entry one to act on


class EntryError(ValueError):
    """An entry that cannot be saved; the message says what to change, in plain words."""


def sleep_label(hours: float) -> str:
    if hours <= SLEEP[0]:
        return f"{SLEEP[0]} hours or less"
    if hours >= SLEEP[-1]:
        return f"{SLEEP[-1]} hours or more"
    return f"{hours:g} hours"


def clean_entry(raw: dict, content, today: dt.date | None = None) -> tuple[str, dict]:
    """(day, entry) from what the learner chose; raises EntryError with a message for the learner."""
    today = today or dt.date.today()
    day = raw.get("day") or today
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            raise EntryError("Choose the day of this entry.") from None
    if not isinstance(day, dt.date) or day > today or day < today - dt.timedelta(days=366):
        raise EntryError("Choose a day in the last year, not in the future.")
    try:
        mood = int(raw.get("mood") or 0)
    except (TypeError, ValueError):
        mood = 0
    if mood not in MOODS:
        raise EntryError("Choose how their mood was, from 1 (very low) to 5 (very good).")
    try:
        sleep = float(raw.get("sleep"))
    except (TypeError, ValueError):
        raise EntryError("Choose about how many hours they slept.") from None
    if not 0 <= sleep <= 24:
        raise EntryError("Choose about how many hours they slept.")
    known = {r.id for r in content.side_effects}
    effects = [str(e) for e in (raw.get("effects") or []) if str(e) in known]
    note = " ".join(strip_controls(raw.get("note") or "").split())[:NOTE_MAX]
    return day.isoformat(), {
        "mood": mood,
        "sleep": sleep,
        "effects": effects,
        "session": bool(raw.get("session")),
        "note": note,
    }


@dataclass(frozen=True)
class Flag:
    day: str
    group: str
    sign: str
    advice: str
    action: str = ""  # the group's action with the clinic's number written in ("Call 911 now, ...")

    def line(self) -> str:
        """The flag in words for the PDF: the sign, its group, the number to call and the row's advice."""
        advice = self.advice
        if self.group == "emergency":  # "Call now." is already said, with the number, by the action
            advice = advice.removeprefix("Call now.").strip()
        return f"{_label(self.day)}: {self.sign}. {WORDS[self.group]}: {self.action} {advice}".strip()


def flags(entries: list[dict], content) -> list[Flag]:
    """Entries that match a 'call the clinic', 'emergency' or crisis row, with that row's advice."""
    rows = {r.id: r for r in content.side_effects}
    clinic = content.clinic
    out = []
    for e in entries:
        for rid in e.get("effects", []):
            r = rows.get(rid)
            if r is not None and r.group in ACT_ON:
                act = action(clinic, r.group)
                if r.group == "clinic" and not PHONE.match(raw_value(clinic, "clinic_phone")):
                    act = ""  # the card's "write its numbers in below" means nothing here; the advice says call
                out.append(Flag(e["day"], r.group, clinic.fill(r.name), clinic.fill(r.what_to_do), act))
    order = {g: i for i, g in enumerate(ACT_ON)}
    return sorted(out, key=lambda f: (order[f.group], f.day), reverse=False)


def effect_names(entry: dict, content) -> list[str]:
    rows = {r.id: r for r in content.side_effects}
    return [content.clinic.fill(rows[i].short or rows[i].name) for i in entry.get("effects", []) if i in rows]


def _label(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return f"{d.day} {d:%b}"


def chart_svg(entries: list[dict], width: int = 360, height: int = 340) -> str:
    """Mood (1-5) and sleep (hours, right axis) over time, session days marked, as inline SVG (pygal).

    Drawn at a phone's width, so its text stays at least 12 px on a 390-px screen (the page scales the
    drawing to fit; cc-app.css caps how wide it grows). No scripts and no outside requests: pygal's tooltip
    script is switched off."""
    import pygal
    from pygal.style import Style

    style = Style(
        background="white",
        plot_background="white",
        foreground="#1a1a1a",
        foreground_strong="#1a1a1a",
        foreground_subtle="#555",
        colors=("#1f5f99", "#8a4a00", "#5b2a86"),
        font_family="system-ui, Arial, sans-serif",
        label_font_size=14,  # 14 px in a 360-px drawing: at least 12 px in the ~330 px a 390-px phone gives it
        major_label_font_size=14,
        legend_font_size=15,
        title_font_size=16,
    )
    chart = pygal.Line(
        width=width,
        height=height,
        style=style,
        js=[],  # no tooltip script (it would load from the internet)
        range=(1, 5),
        secondary_range=(0, 12),
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=1,  # one line each: three columns cut the words on a phone
        x_label_rotation=0 if len(entries) <= 4 else 30,
        show_minor_x_labels=len(entries) <= 7,  # a day's label every few days: they never overlap
        x_labels_major_every=max(1, -(-len(entries) // 6)),
        dots_size=4,
        title="Mood and sleep",
        y_title="Mood (1-5)",
        disable_xml_declaration=True,
        explicit_size=False,
        include_x_axis=False,
    )
    chart.x_labels = [_label(e["day"]) + (" S" if e.get("session") else "") for e in entries]
    chart.add("Mood (1 to 5)", [e["mood"] for e in entries])
    chart.add("Sleep (hours, right)", [e["sleep"] for e in entries], secondary=True, stroke_style={"dasharray": "6,4"})
    chart.add(
        "Session day (S)",
        [5 if e.get("session") else None for e in entries],
        stroke=False,
        dots_size=7,
    )
    import re

    svg = chart.render(is_unicode=True)
    svg = re.sub(r"<script.*?</script>|<!--.*?-->", "", svg, flags=re.S)  # pygal's config script; its comments
    return svg.replace("<svg ", f"<svg role='img' aria-label='{summary_text(entries)}' ", 1)


def summary_text(entries: list[dict]) -> str:
    """A text alternative for the chart: what it shows, in words."""
    if not entries:
        return "No entries yet."
    moods = [e["mood"] for e in entries]
    sleeps = [e["sleep"] for e in entries]
    sessions = sum(1 for e in entries if e.get("session"))
    return (
        f"{len(entries)} days, from {_label(entries[0]['day'])} to {_label(entries[-1]['day'])}. Mood from "
        f"{min(moods)} to {max(moods)} (average {sum(moods) / len(moods):.1f}). Sleep from {min(sleeps):g} to "
        f"{max(sleeps):g} hours. {sessions} session day{'s' if sessions != 1 else ''}."
    )


def to_csv(entries: list[dict], content) -> str:
    """One row per day. A note that starts like a spreadsheet formula gets a leading apostrophe."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["date", "mood_1_to_5", "sleep_hours", "session_day", "side_effects", "note"])
    for e in entries:
        note = strip_controls(e.get("note", ""))  # a NUL or ESC never reaches the file (nor hides a formula)
        if note[:1] in ("=", "+", "-", "@", "\t", "\r"):
            note = "'" + note
        w.writerow(
            [
                e["day"],
                e["mood"],
                f"{e['sleep']:g}",
                "yes" if e.get("session") else "no",
                strip_controls("; ".join(effect_names(e, content))),
                note,
            ]
        )
    return out.getvalue()


def _chart_pdf(pdf, entries: list[dict], x: float, y: float, w: float, h: float) -> None:
    """The trend drawn with vector lines: mood on the left scale, sleep dashed on the right, S = session."""
    pdf.set_draw_color(180, 180, 180)
    pdf.set_line_width(0.2)
    pdf.set_font("Helvetica", "", 8)
    for m in range(1, 6):
        yy = y + h - (m - 1) / 4 * h
        pdf.line(x, yy, x + w, yy)
        pdf.text(x - 4, yy + 1, str(m))
    for hrs in (0, 4, 8, 12):
        pdf.text(x + w + 1.5, y + h - hrs / 12 * h + 1, f"{hrs}h")
    n = len(entries)
    if n == 0:
        return
    step = w / max(1, n - 1)
    xs = [x + (i * step if n > 1 else w / 2) for i in range(n)]
    mood = [(xs[i], y + h - (e["mood"] - 1) / 4 * h) for i, e in enumerate(entries)]
    sleep = [(xs[i], y + h - min(e["sleep"], 12) / 12 * h) for i, e in enumerate(entries)]
    for i, e in enumerate(entries):
        if e.get("session"):
            pdf.set_draw_color(*P.COLOURS["crisis"])
            pdf.set_dash_pattern(dash=1, gap=1)
            pdf.line(xs[i], y, xs[i], y + h)
            pdf.set_dash_pattern()
            pdf.set_text_color(*P.COLOURS["crisis"])
            pdf.text(xs[i] - 1, y - 1, "S")
            pdf.set_text_color(*P.INK)
    pdf.set_line_width(0.6)
    pdf.set_draw_color(0x1F, 0x5F, 0x99)
    if n > 1:
        pdf.polyline(mood)
    for px, py in mood:
        pdf.set_fill_color(0x1F, 0x5F, 0x99)
        pdf.circle(px, py, 0.9, style="F")
    pdf.set_draw_color(0x8A, 0x4A, 0x00)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    if n > 1:
        pdf.polyline(sleep)
    pdf.set_dash_pattern()
    for px, py in sleep:
        pdf.set_fill_color(0x8A, 0x4A, 0x00)
        pdf.rect(px - 0.8, py - 0.8, 1.6, 1.6, style="F")
    labels_every = max(1, n // 10)
    pdf.set_font("Helvetica", "", 8)
    for i, e in enumerate(entries):
        if i % labels_every == 0 or i == n - 1:
            pdf.text(xs[i] - 3, y + h + 4, _label(e["day"]))
    pdf.set_draw_color(*P.INK)
    pdf.set_line_width(0.2)


def export_pdf(entries: list[dict], content, today: dt.date | None = None, rows: int = 14) -> bytes:
    """One page for the care team: the trend chart and a short table of the last days."""
    today = today or dt.date.today()
    clinic = content.clinic
    pdf = P.new_pdf("Observation journal for the care team", clinic.paper_mm, margin=12)
    pdf.set_auto_page_break(False)
    P.heading(pdf, "Observation journal, for the care team", 15, 0)
    P.para(
        pdf,
        f"Made on {today:%d %B %Y} for {clinic.shown('clinic_name')}. Written by a family member or "
        "friend. It notes what they saw; it is not a medical record.",
        8.5,
        colour=P.GREY,
    )
    P.para(pdf, summary_text(entries), 9)
    pdf.ln(2)
    P.para(pdf, "Mood 1-5 (solid line, left scale) - sleep in hours (dashed line, right scale) - S = session day", 8)
    top = pdf.get_y() + 5
    _chart_pdf(pdf, entries, pdf.l_margin + 6, top, pdf.epw - 16, 55)
    pdf.set_y(top + 62)
    found = flags(entries, content)
    if found:
        P.heading(pdf, "Signs noted that the side-effect table says to act on", 10, 1)
        for f in found[:6]:
            P.para(pdf, f.line(), 9, "B" if f.group in ("emergency", "crisis") else "")
    P.heading(pdf, f"The last {min(rows, len(entries))} days", 10, 1)
    cols = (18, 14, 18, 14, 62, 60)
    heads = ("Date", "Mood", "Sleep", "Session", "Side effects", "Note")
    pdf.set_font("Helvetica", "B", 8)
    for wdt, head in zip(cols, heads):
        pdf.cell(wdt, 5, head, border="B")
    pdf.ln(5)
    pdf.set_font("Helvetica", "", 8)
    for e in entries[-rows:]:
        if pdf.get_y() > pdf.h - 22:
            break
        cells = (
            _label(e["day"]),
            str(e["mood"]),
            f"{e['sleep']:g} h",
            "yes" if e.get("session") else "",
            ", ".join(effect_names(e, content)),
            e.get("note", ""),
        )
        for wdt, text in zip(cols, cells):
            text = P.safe(text)
            while text and pdf.get_string_width(text) > wdt - 1:
                text = text[:-2] + "…" if len(text) > 2 else ""
            pdf.cell(wdt, 4.6, text)
        pdf.ln(4.6)
    pdf.set_y(pdf.h - 16)
    P.para(
        pdf,
        "The full list is in the CSV file. "
        + clinic.fill("If something is urgent, do not wait for the visit: call {emergency_number} in an emergency."),
        8,
        colour=P.GREY,
    )
    return P.to_bytes(pdf)
