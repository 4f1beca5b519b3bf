"""Pages and page parts the server writes itself: the help bar, waiting, "busy", "not found" and error pages.

They are plain HTML (files in pages/), readable before any script arrives and without one. Every one
shows the emergency and crisis numbers, from the clinic's settings; if those cannot be read, the built-in
defaults are used, never a placeholder.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from html import escape
from pathlib import Path

from .. import content

log = logging.getLogger("caregiver_course.server")

HERE = Path(__file__).resolve().parent / "pages"
DEFAULTS = {
    "emergency_number": "911",
    "crisis_call": "988",
    "crisis_text": "988",
    "clinic_name": "",
    "clinic_phone": "",
}
TITLE = "Caregiver course"


def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


@lru_cache(maxsize=4)
def _file(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def tel(number: str) -> str:
    """A tel:/sms: target: the digits (and a leading +) of a phone number; '' if it has fewer than 3 digits."""
    digits = re.sub(r"[^\d+]", "", number or "")
    return digits if sum(ch.isdigit() for ch in digits) >= 3 else ""


def clinic_values() -> dict[str, str]:
    """The help numbers from the clinic's settings, each falling back to the built-in default."""
    values = dict(DEFAULTS)
    try:
        clinic = content.get().clinic
        for key in values:
            if clinic.value(key):
                values[key] = clinic.value(key)
    except Exception:  # a broken or missing clinic file must never hide the numbers
        log.exception("clinic settings could not be read; the help bar shows the built-in numbers")
    for key in ("emergency_number", "crisis_call", "crisis_text"):
        if not tel(values[key]):
            values[key] = DEFAULTS[key]
    return values


def help_bar(idle_seconds: float = 3600) -> str:
    """The help bar. idle_seconds (when the server lets an idle page's kernel go) tells the page when to ask
    "still there?"."""
    v = clinic_values()
    clinic_item = ""
    if tel(v["clinic_phone"]):
        name = escape(v["clinic_name"] or "the clinic")
        clinic_item = (
            f'<li>🏥 <span class="cc-hb-label">{name}: </span><a href="tel:{escape(tel(v["clinic_phone"]))}">'
            f"call {escape(v['clinic_phone'])}</a></li>"
        )
    return _fill(
        _file("help_bar.html"),
        {
            "title": escape(TITLE + (f" · {v['clinic_name']}" if v["clinic_name"] else "")),
            "emergency": escape(v["emergency_number"]),
            "emergency_tel": escape(tel(v["emergency_number"])),
            "crisis_call": escape(v["crisis_call"]),
            "crisis_call_tel": escape(tel(v["crisis_call"])),
            "crisis_text": escape(v["crisis_text"]),
            "crisis_text_tel": escape(tel(v["crisis_text"])),
            "clinic_item": clinic_item,
            "idle_seconds": str(int(idle_seconds)),
        },
    )


def _page(title: str, heading: str, body: str, refresh: int = 0) -> str:
    head = f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else ""
    return _fill(
        _file("message.html"),
        {
            "page_title": escape(title),
            "head_extra": head,
            "heading": escape(heading),
            "help_bar": help_bar(),
            "body": body,
        },
    )


def busy() -> str:
    return _page(
        "The course is busy",
        "The course is busy right now",
        "<p>Many people are using the course at the moment. Please try again in a minute.</p>"
        "<p>Your saved progress is safe.</p>"
        '<p><a class="cc-button" href="">Try again</a></p>',
    )


def waiting(position: int, refresh: int) -> str:
    """The line for a place when the server is full: it asks again by itself, and lets the person in when a
    place is free."""
    place = "You are next." if position <= 1 else f"You are number {int(position)} in line."
    return _page(
        "Waiting for a place",
        "Please wait: the course is full right now",
        f"<p><strong>{place}</strong> This page keeps trying by itself. You do not need to do anything.</p>"
        "<p>The course opens here as soon as a place is free. Your saved progress is safe.</p>",
        refresh=refresh,
    )


def getting_ready(refresh: int) -> str:
    """A short wait while this person's other pages are still loading, or the server is just starting."""
    return _page(
        "Getting your course ready",
        "Getting your course ready…",
        "<p>This takes a few seconds. This page keeps trying by itself.</p><p>Your saved progress is safe.</p>",
        refresh=refresh,
    )


def too_many_open() -> str:
    return _page(
        "Too many course pages open",
        "The course is open in many tabs",
        "<p>Please close the course in the tabs you are not using, then try again.</p>"
        "<p>Your saved progress is safe.</p>"
        '<p><a class="cc-button" href="">Try again</a></p>',
    )


def not_found(home_url: str) -> str:
    return _page(
        "Page not found",
        "We could not find that page",
        f'<p><a class="cc-button" href="{escape(home_url)}">Go to the course</a></p>',
    )


def error_page(status: int) -> str:
    return _page(
        "Something went wrong",
        "Sorry, something went wrong",
        "<p>Please try again in a minute. Your saved progress is safe.</p>"
        '<p><a class="cc-button" href="">Try again</a></p>',
    )
