"""The clinic's phone numbers and web addresses as data: what counts as a number, and a setting's raw value.

Shared by the screens (links to call or text) and the files out (cards and PDFs), so both agree.
"""

from __future__ import annotations

import re

from .clinic import DEFAULT_NUMBERS, Clinic

PHONE = re.compile(r"^\+?[\d][\d\s().-]{1,20}$")
WEB = re.compile(r"^(https?://)?[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$", re.IGNORECASE)


def raw_value(clinic: Clinic, name: str) -> str:
    """The setting's own value (no 'check with your clinic' note), or the built-in emergency default."""
    return clinic.value(name) or DEFAULT_NUMBERS.get(name, "")
