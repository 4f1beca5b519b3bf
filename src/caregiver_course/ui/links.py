"""What to do for each group of signs, with the clinic's numbers as tel:/sms:/web links where the action is.

The side-effect table (data/side_effects.yaml) decides which group each sign belongs to; this module only
shows it. The HTML helpers are pure (no widgets), so the ☎ Help box and the lessons can share them.
"""

from __future__ import annotations

import re
from html import escape

from ..content.clinic import Clinic
from ..content.numbers import PHONE, WEB, raw_value

# Links are tap targets: at least 24 px high (WCAG 2.5.8), written inline so they hold wherever they are shown.


LINK = "class='cc-call' style='display:inline-block;padding:4px 2px;text-decoration:underline'"

GROUP_TITLES = {
    "expected": "Expected: it passes",
    "clinic": "Call the clinic",
    "emergency": "Call {emergency_number} now",
    "crisis": "Call or text {crisis_call}",
}

GROUP_ICONS = {"expected": "✓", "clinic": "☎", "emergency": "⚠", "crisis": "♡"}

# Safe messaging (fact H3, H5, and the guide's closing words): a message of hope, no method detail.
HOPE = (
    "You are not alone, and you do not have to handle this alone. Help is free, private and there day and "
    "night, for your loved one and for you. Asking, listening and staying with them helps them reach that "
    "help. Your support helps them face hard times with hope."
)


def _digits(value: str) -> str:
    return re.sub(r"[^\d+]", "", value)


def _shown(clinic: Clinic, name: str) -> str:
    return escape(clinic.shown(name))


def call_link(clinic: Clinic, name: str, verb: str = "Call") -> str:
    """'Call 911' as a tel: link when the setting is a phone number; plain words otherwise."""
    value = raw_value(clinic, name)
    label = f"{verb} {_shown(clinic, name)}".strip()
    if PHONE.match(value):
        return f"<a {LINK} href='tel:{_digits(value)}'>{label}</a>"
    return label


def text_link(clinic: Clinic, name: str, verb: str = "text") -> str:
    value = raw_value(clinic, name)
    label = f"{verb} {_shown(clinic, name)}"
    if PHONE.match(value):
        return f"<a {LINK} href='sms:{_digits(value)}'>{label}</a>"
    return label


def web_link(clinic: Clinic, name: str) -> str:
    value = raw_value(clinic, name)
    if WEB.match(value):
        url = value if value.startswith("http") else f"https://{value}"
        return f"<a {LINK} href='{escape(url)}' target='_blank' rel='noopener'>{_shown(clinic, name)}</a>"
    return _shown(clinic, name)


def actions_html(clinic: Clinic, group: str) -> str:
    """What to do for a group, with the numbers written in as links."""
    if group == "emergency":
        return (
            f"<p><strong>{call_link(clinic, 'emergency_number')} now</strong>, or go to the emergency room. "
            "Stay with them if you can do so safely.</p>"
        )
    if group == "crisis":
        line = (
            f"<p><strong>{call_link(clinic, 'crisis_call')}</strong> or <strong>"
            f"{text_link(clinic, 'crisis_text')}</strong>, or chat at {web_link(clinic, 'crisis_chat')}. "
            "It is free and private, and open day and night."
        )
        if clinic.is_set("crisis_text_line"):
            line += f" You can also {text_link(clinic, 'crisis_text_line')} (Crisis Text Line)."
        return (
            line
            + " Also tell the clinic. If they are in danger right now, "
            + f"{call_link(clinic, 'emergency_number', 'call')}.</p>"
        )
    if group == "clinic":
        return (
            f"<p><strong>{call_link(clinic, 'clinic_phone', 'Call the clinic on')}</strong>, the same day. "
            f"After hours: {call_link(clinic, 'after_hours_phone', 'call')}.</p>"
        )
    return "<p>Comfort them and let them rest. Write down what you notice.</p>"


def danger_definition(rows) -> str:
    """'In danger right now' in concrete words, taken from the side-effect table's in-danger row."""
    row = next((r for r in rows if r.id == "in-danger"), None)
    if row is None:
        return ""
    return f"“In danger right now” means: {row.looks_like[:1].lower()}{row.looks_like[1:]}"


def red_flags_html(content, group: str) -> str:
    """The signs of one group from the side-effect table, and what to do, for a lesson section."""
    clinic = content.clinic
    rows = [r for r in content.side_effects if r.group == group]
    items = "".join(
        f"<li><strong>{escape(clinic.fill(r.name))}.</strong> {escape(clinic.fill(r.looks_like))}</li>" for r in rows
    )
    title = escape(clinic.fill(GROUP_TITLES[group]))
    parts = [
        f"<h3><span aria-hidden='true'>{GROUP_ICONS[group]}</span> {title}</h3><ul>{items}</ul>",
        actions_html(clinic, group),
    ]
    if group in ("emergency", "crisis"):
        parts.append(
            f"<p class='cc-danger-definition'>{escape(clinic.fill(danger_definition(content.side_effects)))}</p>"
        )
    if group == "crisis":
        parts.append(f"<p class='cc-hope'><strong>There is hope.</strong> {escape(HOPE)}</p>")
    return "".join(parts)
