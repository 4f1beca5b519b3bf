"""Pictures drawn as SVG in Python: a triage card (lesson 4) and the timeline of a session day (lesson 3).

Pure Python, no widgets: :mod:`caregiver_course.ui.pictures` shows them (inline SVG in an HTML widget).
Every picture has a text alternative (SVG <title>/<desc>) that says everything the picture says. Groups are
told apart by icon and word as well as colour. Texts come from the side-effect table and the clinic's
settings, never typed in here.
"""

from __future__ import annotations

import textwrap
from html import escape

FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif'"

# Dark colours: white text on them passes WCAG contrast 4.5:1.
COLOURS = {
    "expected": ("#1e6b35", "#eef8f0"),
    "clinic": ("#1f5f99", "#eef4fa"),
    "emergency": ("#8a1c1c", "#fff3f3"),
    "crisis": ("#5b2a86", "#f5effa"),
}

WORDS = {"expected": "Expected", "clinic": "Call clinic", "emergency": "Emergency", "crisis": "Crisis line"}


def _icon(group: str, x: float, y: float) -> str:
    """A white icon centred at (x, y): tick, plus, warning triangle, heart."""
    s = "stroke='#fff' stroke-width='4' fill='none' stroke-linecap='round' stroke-linejoin='round'"
    if group == "expected":
        return f"<polyline points='{x - 11},{y} {x - 3},{y + 9} {x + 12},{y - 9}' {s}/>"
    if group == "clinic":
        return (
            f"<circle cx='{x}' cy='{y}' r='15' {s}/><line x1='{x}' y1='{y - 8}' x2='{x}' y2='{y + 8}' {s}/>"
            f"<line x1='{x - 8}' y1='{y}' x2='{x + 8}' y2='{y}' {s}/>"
        )
    if group == "emergency":
        return (
            f"<polygon points='{x},{y - 15} {x + 16},{y + 13} {x - 16},{y + 13}' {s}/>"
            f"<line x1='{x}' y1='{y - 5}' x2='{x}' y2='{y + 4}' {s}/>"
            f"<circle cx='{x}' cy='{y + 9}' r='1.5' fill='#fff'/>"
        )
    return (
        f"<path d='M {x} {y + 13} C {x - 22} {y - 2}, {x - 12} {y - 20}, {x} {y - 8} "
        f"C {x + 12} {y - 20}, {x + 22} {y - 2}, {x} {y + 13} Z' {s}/>"
    )


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False) or [""]


def _text(
    x: float,
    y: float,
    lines: list[str],
    size: int = 17,
    weight: str = "normal",
    fill: str = "#1a1a1a",
    step: float = 22,
) -> str:
    spans = "".join(
        f"<tspan x='{x}' dy='{0 if i == 0 else step}'>{escape(line)}</tspan>" for i, line in enumerate(lines)
    )
    return f"<text x='{x}' y='{y}' {FONT} font-size='{size}' font-weight='{weight}' fill='{fill}'>{spans}</text>"


def _action(c, group: str) -> str:
    """What to do for a group, with the clinic's numbers (the tappable links are in the lesson's lists)."""
    clinic = c.clinic
    if c.actions.get(group):  # side_effects.yaml's actions: the same words as the printed card
        return clinic.fill(c.actions[group])
    if group == "expected":
        return "Comfort them and let them rest."
    if group == "clinic":
        return f"Call the clinic the same day: {clinic.shown('clinic_phone')}."
    if group == "emergency":
        return f"Call {clinic.shown('emergency_number')} now."
    return f"Call or text {clinic.shown('crisis_call')}, or chat at {clinic.shown('crisis_chat')}."


def triage_card_svg(c) -> tuple[str, str]:
    """(svg, alt text): four groups, each with icon, word, colour, what to do (with the number) and examples.

    Drawn 360 units wide, the width of a phone screen, so that the text is full size there."""
    rows, alt, y = [], [], 0
    title = "When to get help: four groups of signs"
    for group in ("expected", "clinic", "emergency", "crisis"):
        dark, light = COLOURS[group]
        action = _action(c, group)
        rows_in = [r for r in c.side_effects if r.group == group]
        picked = rows_in[:3] + [r for r in rows_in[3:] if r.id == "in-danger"] if group == "emergency" else rows_in[:4]
        examples = "For example: " + "; ".join(c.clinic.fill(r.short) for r in picked) + "."
        action_lines, example_lines = _lines(action, 30), _lines(examples, 37)
        height = 44 + 18 + 23 * len(action_lines) + 20 * len(example_lines)
        rows.append(
            f"<g><rect x='1' y='{y + 1}' width='358' height='{height}' rx='8' fill='{light}' stroke='{dark}' "
            f"stroke-width='2'/><path d='M 1 {y + 9} a 8 8 0 0 1 8 -8 h 342 a 8 8 0 0 1 8 8 v 36 h -358 Z' "
            f"fill='{dark}'/>{_icon(group, 24, y + 23)}{_text(50, y + 29, [WORDS[group]], 19, 'bold', '#fff')}"
            f"{_text(14, y + 68, action_lines, 17, 'bold', dark, 23)}"
            f"{_text(14, y + 72 + 23 * len(action_lines), example_lines, 15, 'normal', '#1a1a1a', 20)}</g>"
        )
        alt.append(f"{WORDS[group]}: {action} {examples}")
        y += height + 12
    svg = (
        f"<svg class='cc-picture' viewBox='0 0 360 {y}' width='100%' style='display:block;max-width:26rem' "
        "role='img' aria-labelledby='cc-triage-title cc-triage-desc' xmlns='http://www.w3.org/2000/svg'>"
        f"<title id='cc-triage-title'>{escape(title)}</title><desc id='cc-triage-desc'>{escape(' '.join(alt))}"
        f"</desc>{''.join(rows)}</svg>"
    )
    return svg, f"{title}. " + " ".join(alt)


def session_day_steps(c) -> list[tuple[str, str]]:
    """The steps of a session day, in order, with the clinic's own values."""
    fill = c.clinic.fill
    given = (
        "The nasal spray is given with staff watching."
        if c.clinic.choice("treatment_type") == "esketamine"
        else "The medicine goes in slowly through a vein."
    )
    room = (
        "You can stay in the room with them."
        if c.clinic.choice("companion_in_room") == "yes"
        else "You wait nearby until they are ready."
    )
    return [
        ("Before", fill("Stop eating {fasting_solids} before. Stop drinking: {fasting_liquids}.")),
        ("At the clinic", "The team checks blood pressure, heart rate and oxygen."),
        ("The session", f"{given} {room}"),
        ("Watched after", fill("The team watches them for {recovery_time}.")),
        ("Ride home", fill("A responsible adult drives them home. No driving {no_driving}.")),
        (
            "Rest of the day",
            fill(
                "Rest, with light food and drinks. Someone stays nearby for {companion_stay_after}. "
                "No alcohol or drugs for {no_alcohol}."
            ),
        ),
    ]


def timeline_svg(c) -> tuple[str, str]:
    """(svg, alt text): a vertical timeline of a session day (fits a phone screen)."""
    title = "A session day, step by step"
    parts, alt, y = [], [], 10
    steps = session_day_steps(c)
    for i, (label, detail) in enumerate(steps, 1):
        lines = _lines(detail, 32)
        height = 34 + 22 * len(lines)
        if i < len(steps):
            parts.append(
                f"<line x1='30' y1='{y + 30}' x2='30' y2='{y + height + 10}' stroke='#5a6b7b' stroke-width='4'/>"
            )
        parts.append(
            f"<circle cx='30' cy='{y + 16}' r='16' fill='#1f5f99'/>"
            f"{_text(30 - (5 if i < 10 else 10), y + 22, [str(i)], 17, 'bold', '#fff')}"
            f"{_text(62, y + 22, [label], 19, 'bold', '#1a1a1a')}"
            f"{_text(62, y + 46, lines, 16, 'normal', '#1a1a1a', 22)}"
        )
        alt.append(f"Step {i}, {label}: {detail}")
        y += height + 10
    svg = (
        f"<svg class='cc-picture' viewBox='0 0 360 {y}' width='100%' style='display:block;max-width:26rem' role='img' "
        "aria-labelledby='cc-day-title cc-day-desc' xmlns='http://www.w3.org/2000/svg'>"
        f"<title id='cc-day-title'>{escape(title)}</title><desc id='cc-day-desc'>{escape(' '.join(alt))}</desc>"
        f"{''.join(parts)}</svg>"
    )
    return svg, f"{title}. " + " ".join(alt)
