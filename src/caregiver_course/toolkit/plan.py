"""My support plan: one or two printed pages from what the learner ticked and chose, with the clinic's numbers.

The same sections feed the PDF (:func:`plan_pdf`) and the print view in the page (:func:`plan_html`). An
unticked item is an empty box to fill in by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from ..content.clinic import LEARNER_LABELS
from . import pdf as P

# The plan's parts, in order: (checklist id, heading on the plan).
PARTS = (
    ("session-day-plan", "The session day: ride, food and drink, medicines, no driving"),
    ("recovery-space", "The recovery space at home"),
    ("questions-for-clinic", "Questions for the clinic"),
    ("my-self-care-plan", "My self-care plan"),
)
NUMBERS = (
    ("emergency_number", "Emergency"),
    ("crisis_call", "Suicide and crisis line: call"),
    ("crisis_text", "Suicide and crisis line: text"),
    ("clinic_phone", "Clinic"),
    ("after_hours_phone", "After hours"),
)
RULES = ("fasting_solids", "fasting_liquids", "recovery_time", "no_driving", "companion_stay_after")
DISCLAIMER = (
    "This plan is education, not medical advice. Always follow what your clinic tells you. "
    "In an emergency call {emergency_number}. For a mental health crisis call {crisis_call} or text {crisis_text}."
)


@dataclass(frozen=True)
class Part:
    title: str
    items: tuple[tuple[str, bool], ...]  # (text, ticked)


def sessions_text(sessions, clinic) -> list[str]:
    """Planned sessions as 'Thursday 3 December 2026, 9:30 am: stop eating at 3:30 am, drinking at 7:30 am'
    (the fasting times counted back by the clinic's fasting_solids_hours and fasting_liquids_hours)."""
    out = []
    for s in sorted(sessions):
        food = s - dt.timedelta(hours=clinic.number("fasting_solids_hours"))
        drink = s - dt.timedelta(hours=clinic.number("fasting_liquids_hours"))
        day = "" if food.date() == s.date() else " the day before"
        out.append(
            f"{s:%A} {s.day} {s:%B %Y}, {clinic.clock_time(s)}: stop eating at {clinic.clock_time(food)}{day}, "
            f"stop drinking at {clinic.clock_time(drink)}"
        )
    return out


def parts(content, checked: dict[str, set[str]]) -> list[Part]:
    clinic = content.clinic
    out = []
    for cid, title in PARTS:
        cl = content.checklists.get(cid)
        if cl is None:
            continue
        mine = checked.get(cid, set())
        out.append(Part(title, tuple((clinic.fill(i.text), i.id in mine) for i in cl.items)))
    return out


def numbers(clinic) -> list[tuple[str, str]]:
    return [(label, clinic.shown(name)) for name, label in NUMBERS]


def plan_pdf(content, checked: dict[str, set[str]], sessions=(), today: dt.date | None = None) -> bytes:
    clinic = content.clinic
    today = today or dt.date.today()
    pdf = P.new_pdf("My support plan", clinic.paper_mm, margin=13)
    P.heading(pdf, "My support plan", 18, 0)
    P.para(pdf, f"{clinic.shown('clinic_name')} - made on {today:%d %B %Y}", 9, colour=P.GREY)
    P.heading(pdf, "Numbers to keep close", 12)
    pdf.set_font("Helvetica", "", 10)
    for label, value in numbers(clinic):
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(58, 5, P.safe(label + ":"))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, P.safe(value), new_x="LMARGIN", new_y="NEXT", align="L")
    P.heading(pdf, "Session dates", 12)
    planned = sessions_text(sessions, clinic)
    if planned:
        for line in planned:
            P.tick_box(pdf, f"Session: {line}", False, 10)
    else:
        P.para(pdf, "Write the dates and times here: ______________________________________________", 10)
    for part in parts(content, checked):
        P.heading(pdf, part.title, 12)
        for text, ticked in part.items:
            P.tick_box(pdf, text, ticked, 9.5)
    P.heading(pdf, "Your clinic's rules", 12)

    for name in RULES:
        P.para(pdf, f"{LEARNER_LABELS[name]}: {clinic.shown(name)}", 9.5)
    P.footer_note(pdf, clinic.fill(DISCLAIMER))
    return P.to_bytes(pdf)


def plan_html(content, checked: dict[str, set[str]], sessions=(), today: dt.date | None = None) -> str:
    """The same plan as HTML for the page's print view (made from escaped text)."""
    clinic = content.clinic
    today = today or dt.date.today()
    rows = "".join(f"<li><strong>{escape(label)}:</strong> {escape(value)}</li>" for label, value in numbers(clinic))
    planned = sessions_text(sessions, clinic)
    dates = (
        "".join(f"<li>☐ Session: {escape(line)}</li>" for line in planned)
        if planned
        else "<li>Write the dates and times here: ________________________</li>"
    )
    body = [
        f"<h1>My support plan</h1><p>{escape(clinic.shown('clinic_name'))} · made on {today:%d %B %Y}</p>",
        f"<h2>Numbers to keep close</h2><ul>{rows}</ul>",
        f"<h2>Session dates</h2><ul class='cc-plan-list'>{dates}</ul>",
    ]
    for part in parts(content, checked):
        items = "".join(
            f"<li><span aria-hidden='true'>{'☑' if ticked else '☐'}</span> "
            f"<span class='cc-visually-hidden'>{'Done:' if ticked else 'To do:'}</span> {escape(text)}</li>"
            for text, ticked in part.items
        )
        body.append(f"<h2>{escape(part.title)}</h2><ul class='cc-plan-list'>{items}</ul>")

    rules = "".join(f"<li>{escape(LEARNER_LABELS[n])}: {escape(clinic.shown(n))}</li>" for n in RULES)
    body.append(f"<h2>Your clinic's rules</h2><ul>{rules}</ul><p><small>{escape(clinic.fill(DISCLAIMER))}</small></p>")
    return f"<div class='cc-plan-sheet'>{''.join(body)}</div>"
