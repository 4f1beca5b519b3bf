"""Clinic configuration: the names, numbers and policies that differ between clinics.

Every value marked with a gear in the fact sheet lives in ``data/clinic.yaml``. Lessons, questions and
checklists refer to them as ``{setting_name}``; :meth:`Clinic.fill` puts the clinic's value in, with a
"check with your clinic" note where the clinic has not confirmed it yet.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, field

from . import lang as langs
from .problems import Problem
from .secret import SECRET_ENV, SECRET_FILE

CHECK_NOTE = langs.CHECK_NOTE["en"]  # in other languages: lang.CHECK_NOTE


# Built-in emergency and crisis numbers (US; facts H3, H4). They are shown whenever clinic.yaml cannot be
# read or leaves one of them out, so a broken file never hides the numbers that matter most.
DEFAULT_NUMBERS: dict[str, str] = {
    "emergency_number": "911",
    "crisis_call": "988",
    "crisis_text": "988",
    "crisis_chat": "988lifeline.org",
}

# name -> (what it is, for the error message and the README; required?; fact-sheet ID)
SETTINGS: dict[str, tuple[str, bool, str]] = {
    "clinic_name": ("the clinic's name", True, ""),
    "clinic_phone": ("the clinic's phone number", True, ""),
    "after_hours_phone": ("the phone number to call after hours", True, ""),
    "emergency_number": ("the emergency number", True, "H2"),
    "crisis_call": ("the crisis line to call", True, "H3"),
    "crisis_text": ("the crisis line to text", True, "H3"),
    "crisis_chat": ("the crisis line's chat website", True, "H3"),
    "crisis_text_line": ("the Crisis Text Line number", False, "H4"),
    "treatment_type": ("the treatment: iv_ketamine or esketamine", True, "A1"),
    "initial_series": ("how many sessions come first, and over how long", True, "B4"),
    "maintenance": ("how later 'booster' sessions are planned", True, "I5"),
    "fasting_solids": ("how long before a session to stop eating", True, "C1"),
    "fasting_liquids": ("how long before a session to stop drinking", True, "C1"),
    "medicines_to_review": ("medicines the clinic asks about before a session", True, "C5"),
    "companion_in_room": ("whether a support person may stay in the room: yes or no", True, "D4"),
    "recovery_time": ("how long the clinic watches the person after a session", True, "D2"),
    "companion_stay_after": ("how long someone should stay nearby at home", True, "G5"),
    "no_driving": ("how long not to drive or use machines, read after 'No driving': 'for 24 hours'", True, "G1"),
    "no_alcohol": ("how long to avoid alcohol, cannabis and street drugs", True, "G3"),
    "no_big_decisions": ("how long to put off big decisions and signing papers", True, "G4"),
    "call_if_lasting": (
        "when an effect that has not faded is a reason to call the clinic, e.g. 'the next day'",
        True,
        "H1",
    ),
    "anti_nausea": ("whether medicine for nausea is offered", True, "D5"),
    "reassess_after": ("after how many sessions the team checks if it is helping", True, "I4"),
    "dose_and_length": ("the dose and infusion length, only if the clinic wants it shown", False, "B1"),
    "local_support": ("a local support group or class for families", False, "J4"),
    # Numbers for the session calendar (toolkit/calendar.py). Keep them in step with the texts above.
    "visit_minutes": ("for the calendar: about how many minutes a visit takes, arriving to leaving", True, "D2"),
    "fasting_solids_hours": ("for the calendar: how many hours before a session to stop eating (a number)", True, "C1"),
    "fasting_liquids_hours": (
        "for the calendar: how many hours before a session to stop drinking (a number, 0.5 = 30 minutes)",
        True,
        "C1",
    ),
    "no_driving_hours": ("for the calendar: how many hours after a session not to drive (a number)", True, "G1"),
    "evening_reminder": ("for the calendar: the time of the reminder the evening before, like 19:00", True, ""),
    "ride_reminder_days": ("for the calendar: how many days before a session to plan the ride home", True, "C4"),
    "course_url": ("the course's web address for the QR code on the triage card (empty: the page's own)", False, ""),
    "paper": ("the paper of every PDF: letter or a4 (left out: letter when the emergency number is 911)", False, ""),
    "clock": ("how clock times are written: 12h (3:30 am) or 24h (03:30); left out: 12h", False, ""),
}

# Settings that must be a number (lowest, highest) or a time of day: the calendar counts with them.
NUMBERS: dict[str, tuple[float, float]] = {
    "visit_minutes": (10, 600),
    "fasting_solids_hours": (0, 24),
    "fasting_liquids_hours": (0, 24),
    "no_driving_hours": (0, 72),
    "ride_reminder_days": (0, 14),
}

TIMES = {"evening_reminder"}

# Settings with a fixed list of values (what each means, for the error message).
CHOICES: dict[str, dict[str, str]] = {
    "paper": {"letter": "US Letter, 8.5 x 11 inches", "a4": "A4, 210 x 297 mm"},
    "clock": {"12h": "3:30 am, 7:00 pm", "24h": "03:30, 19:00"},
}

PAPER_MM = {"letter": (215.9, 279.4), "a4": (210.0, 297.0)}  # portrait (width, height)

# Names that must never be a setting or a placeholder: content is shown to every learner.
FORBIDDEN = {
    "facilitator_secret": (
        f"the facilitator secret must not be kept in clinic.yaml, where lessons could show it. "
        f"Delete this line and set the environment variable {SECRET_ENV} instead, or write the "
        f"secret into a file called '{SECRET_FILE}' in the server's progress folder "
        "(CAREGIVER_DATA_DIR), outside data/"
    ),
}


# Settings whose value differs for esketamine nasal spray (SPRAVATO): with treatment_type: esketamine, clinic.yaml
# must give an 'esketamine:' value for each, and learners see that one. What the label says, for the message:
ESKETAMINE_RULES = {
    "initial_series": "B5: twice a week in weeks 1 to 4, then once a week in weeks 5 to 8",
    "fasting_solids": "C3: no food for 2 hours before",
    "fasting_liquids": "C3: no liquids for 30 minutes before",
    "recovery_time": "D1: at least 2 hours, until a clinician says they can leave",
    "no_driving": "G1: until the next day, after a restful sleep",
    "fasting_solids_hours": "C3: 2",
    "fasting_liquids_hours": "C3: 0.5 (30 minutes)",
}

TREATMENT_TYPES = langs.TREATMENT_NAMES["en"]  # the values a clinic may write; learners read lang.TREATMENT_NAMES

YES_NO = {"yes": True, "no": False, True: True, False: False}


# Settings that switch text and questions (variants.yaml, only_if:), with their values; the first is the
# guide's own case and is used when the setting cannot be read.
VARIANT_SETTINGS = {"treatment_type": ("iv_ketamine", "esketamine"), "companion_in_room": ("yes", "no")}


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    confirmed: bool
    esketamine: str = ""  # the value for esketamine nasal spray, where it differs (ESKETAMINE_RULES)


@dataclass
class Clinic:
    settings: dict[str, Setting] = field(default_factory=dict)
    lang: str = "en"  # the language of the text values and of the words shown() adds

    def value(self, name: str) -> str:
        s = self.settings.get(name)
        if s is None:
            return ""
        if s.esketamine and self.esketamine:
            return s.esketamine
        return s.value

    @property
    def esketamine(self) -> bool:
        s = self.settings.get("treatment_type")
        return s is not None and s.value == "esketamine"

    def shown(self, name: str) -> str:
        """The value as a learner reads it, with the check-with-your-clinic note if unconfirmed."""
        s = self.settings.get(name)
        note = langs.CHECK_NOTE[self.lang]
        if s is None or not self.value(name):
            return DEFAULT_NUMBERS.get(name, note)
        if name == "treatment_type":
            text = langs.TREATMENT_NAMES[self.lang].get(s.value, s.value)
        elif name in TIMES:
            import datetime as dt

            text = self.clock_time(dt.time(*self.time_of_day(name)))
        elif name == "companion_in_room":
            text = langs.YES_NO_WORDS[self.lang][0 if YES_NO.get(s.value, False) else 1]
        else:
            text = self.value(name)
        return text if s.confirmed else f"{text} ({note})"

    def number(self, name: str) -> float:
        """A number setting (NUMBERS), as checked when the file was read; 0 if it is missing."""
        try:
            return float(self.value(name))
        except ValueError:
            return 0.0

    def time_of_day(self, name: str) -> tuple[int, int]:
        """A time setting (TIMES) as (hour, minute); (19, 0) if it is missing."""
        hour, _, minute = (self.value(name) or "19:00").partition(":")
        return int(hour), int(minute)

    @property
    def paper(self) -> str:
        """'letter' or 'a4': the clinic's setting, else Letter for a US clinic (emergency number 911), else A4."""
        chosen = self.value("paper").lower()
        if chosen in PAPER_MM:
            return chosen
        return "letter" if (self.value("emergency_number") or DEFAULT_NUMBERS["emergency_number"]) == "911" else "a4"

    @property
    def paper_mm(self) -> tuple[float, float]:
        return PAPER_MM[self.paper]

    def clock_time(self, when) -> str:
        """A time of day (datetime.time or datetime) as learners read it: '3:30 am' (12h, the default) or
        '03:30' with ``clock: 24h``. Lessons and take-home files use this one formatter."""
        if self.value("clock").lower() == "24h":
            return f"{when.hour:02d}:{when.minute:02d}"
        hour = when.hour % 12 or 12
        return f"{hour}:{when.minute:02d} {langs.AM_PM[self.lang][0 if when.hour < 12 else 1]}"

    def is_set(self, name: str) -> bool:
        return bool(self.value(name))

    def fill(self, text: str) -> str:
        """Replace every ``{setting}`` in text by the clinic's value (as shown to learners)."""
        return text.format_map(_Filler(self))

    def choice(self, name: str) -> str:
        """The value of a setting that switches content (VARIANT_SETTINGS), normalised; the guide's default if unset."""
        value = self.value(name)
        if name == "companion_in_room":
            return "yes" if YES_NO.get(value, True) else "no"
        return value if value in VARIANT_SETTINGS.get(name, ()) else VARIANT_SETTINGS[name][0]

    @property
    def companion_allowed(self) -> bool:
        return YES_NO.get(self.value("companion_in_room"), False)


class _Filler(dict):
    def __init__(self, clinic: Clinic):
        super().__init__()
        self.clinic = clinic

    def __missing__(self, key: str) -> str:
        return self.clinic.shown(key)


def placeholders(text: str) -> list[str]:
    """The ``{names}`` a text refers to (raises ValueError on a stray brace)."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def closest(name: str, known) -> str:
    """The known name closest to name (a likely typo), or '' when nothing is close."""
    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return close[0] if close else ""


def did_you_mean(name: str, known, braces: bool = False) -> str:
    """' Did you mean x?' for the closest known name, or '' when nothing is close."""
    best = closest(name, known)
    if not best:
        return ""
    return f" Did you mean {{{best}}}?" if braces else f" Did you mean {best}?"


def check_placeholders(text: str, file: str, item: str, field_name: str) -> list[Problem]:
    try:
        names = placeholders(text)
    except ValueError as exc:
        return [Problem(file, item, field_name, f"a curly brace is not closed ({exc}); write {{setting_name}}")]
    problems = []
    for name in names:
        if name in FORBIDDEN:
            problems.append(Problem(file, item, field_name, f"{{{name}}} can never be shown to learners; remove it"))
        elif name not in SETTINGS:
            problems.append(
                Problem(
                    file,
                    item,
                    field_name,
                    f"{{{name}}} is not a clinic setting.{did_you_mean(name, SETTINGS, True)} "
                    f"Settings you can use: {', '.join(sorted(SETTINGS))}",
                )
            )
    return problems


def parse_clinic(raw: object, file: str) -> tuple[Clinic, list[Problem]]:
    problems: list[Problem] = []
    clinic = Clinic()
    if not isinstance(raw, dict):
        return clinic, [
            Problem(
                file, "(whole file)", "(top level)", "the file should be a list of settings like 'clinic_name: value'"
            )
        ]
    for name, entry in raw.items():
        if name in FORBIDDEN:
            problems.append(Problem(file, str(name), "(name)", FORBIDDEN[name]))
            continue
        if name not in SETTINGS:
            problems.append(
                Problem(
                    file,
                    str(name),
                    "(name)",
                    f"unknown setting.{did_you_mean(name, SETTINGS)} Known settings are: {', '.join(SETTINGS)}",
                )
            )
            continue
        confirmed, esketamine = True, ""
        if isinstance(entry, dict):
            unknown = set(entry) - {"value", "confirmed", "note", "esketamine"}
            if unknown:
                problems.append(
                    Problem(file, name, min(unknown), "unknown field; use value, confirmed, note (and esketamine)")
                )
            esketamine = entry.get("esketamine") or ""
            if not isinstance(esketamine, str) or (esketamine and name not in ESKETAMINE_RULES):
                problems.append(
                    Problem(file, name, "esketamine", "an esketamine value is only for: " + ", ".join(ESKETAMINE_RULES))
                )
                esketamine = ""
            confirmed = entry.get("confirmed", True)
            if confirmed not in YES_NO:
                problems.append(Problem(file, name, "confirmed", "write yes or no"))
                confirmed = False
            confirmed = YES_NO[confirmed]
            entry = entry.get("value")
        if entry is None:
            entry = ""
        if isinstance(entry, bool):
            entry = "yes" if entry else "no"
        if isinstance(entry, (int, float)):
            entry = str(entry)
        if not isinstance(entry, str):
            problems.append(Problem(file, name, "value", "write the value as plain text"))
            continue
        entry = entry.strip()
        if name == "treatment_type" and entry not in TREATMENT_TYPES:
            problems.append(Problem(file, name, "value", f"write one of: {', '.join(TREATMENT_TYPES)}"))
            continue
        if name == "companion_in_room" and entry not in YES_NO:
            problems.append(Problem(file, name, "value", "write yes or no"))
            continue
        if name in CHOICES:
            entry = entry.lower()
            if entry and entry not in CHOICES[name]:
                listed = "; ".join(f"{k} ({v})" for k, v in CHOICES[name].items())
                problems.append(Problem(file, name, "value", f"'{entry}' is not one of: {listed}"))
                continue
        if name in NUMBERS or name in TIMES:
            bad = [v for v in (entry, esketamine.strip()) if v and not _fits(name, v)]
            if bad:
                lo, hi = NUMBERS.get(name, (0, 0))
                want = f"a number from {lo:g} to {hi:g}" if name in NUMBERS else "a time like 19:00 (24-hour clock)"
                problems.append(Problem(file, name, "value", f"'{bad[0]}' is not {want}"))
                continue
        clinic.settings[name] = Setting(name, entry, confirmed, esketamine.strip())
    for name, (what, required, _) in SETTINGS.items():
        if required and not clinic.is_set(name) and not any(p.item == name for p in problems):
            problems.append(Problem(file, name, "value", f"missing: add {what}"))
    problems += _numbers_agree_with_texts(file, clinic)
    problems += _reads_after(file, clinic)
    if clinic.esketamine:  # the nasal spray has label rules of its own: never show the infusion values for it
        for name, rule in ESKETAMINE_RULES.items():
            s = clinic.settings.get(name)
            if s is not None and not s.esketamine:
                problems.append(
                    Problem(
                        file,
                        name,
                        "esketamine",
                        "your treatment_type is esketamine: add the "
                        f"value for the nasal spray under 'esketamine:' (the label says {rule})",
                    )
                )
    return clinic, problems


# Calendar numbers and the texts learners read: the same rule twice, so they must agree.
TWINS = {
    "fasting_solids_hours": "fasting_solids",
    "fasting_liquids_hours": "fasting_liquids",
    "no_driving_hours": "no_driving",
}

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(hours?|hrs?|minutes?|mins?|horas?|minutos?)\b", re.I)


def _hours_in(text: str) -> float | None:
    """The first duration written in a text, in hours ('30 minutes' -> 0.5); None if it names none."""
    m = _DURATION.search(text)
    if not m:
        return None
    return float(m.group(1)) / (60 if m.group(2).lower().startswith("m") else 1)


def _numbers_agree_with_texts(file: str, clinic) -> list:
    problems = []
    for number_name, text_name in TWINS.items():
        number, text = clinic.settings.get(number_name), clinic.settings.get(text_name)
        if number is None or text is None:
            continue
        for part, n, t in (("value", number.value, text.value), ("esketamine", number.esketamine, text.esketamine)):
            written = _hours_in(t) if (n and t) else None
            if written is not None and abs(float(n) - written) > 1e-9:
                problems.append(
                    Problem(
                        file,
                        number_name,
                        part,
                        f"{n} hours does not agree with {text_name} ('{t}'): the calendar would remind at a "
                        "different time than the lessons say. Make the two the same",
                    )
                )
    return problems


# Settings read straight after a rule's first words ("No driving {no_driving}."): the value brings its own
# "for" or "until", so "for 24 hours" and "until the next day" both read right (lang.READ_AFTER per language).
READ_AFTER = {name: starts for name, (starts, _) in langs.READ_AFTER["en"].items()}


def _reads_after(file: str, clinic, only: set | None = None) -> list:
    problems = []
    for name, (starts, example) in langs.READ_AFTER[clinic.lang].items():
        s = clinic.settings.get(name)
        if s is None or (only is not None and name not in only):
            continue
        for part, v in (("value", s.value), ("esketamine", s.esketamine)):
            if v and not v.lower().startswith(starts):
                problems.append(
                    Problem(
                        file,
                        name,
                        part,
                        f"start it with {' or '.join(repr(w.strip()) for w in starts)}: lessons read it after "
                        f"the rule's first words, as in {example}",
                    )
                )
    return problems


def _fits(name: str, value: str) -> bool:
    if name in TIMES:
        hour, sep, minute = value.partition(":")
        return bool(sep) and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60
    try:
        number = float(value)
    except ValueError:
        return False
    lo, hi = NUMBERS[name]
    return lo <= number <= hi


# How each setting reads to a learner in a "your clinic's rules" box.
LEARNER_LABELS: dict[str, str] = {
    "clinic_name": "Your clinic",
    "emergency_number": "In an emergency, call",
    "crisis_call": "Suicide and crisis line: call",
    "crisis_text": "Suicide and crisis line: text",
    "crisis_chat": "Suicide and crisis line: chat online at",
    "crisis_text_line": "Crisis Text Line: text",
    "clinic_phone": "Clinic phone",
    "after_hours_phone": "After hours, call",
    "treatment_type": "Treatment",
    "initial_series": "First set of sessions",
    "maintenance": "Later 'booster' sessions",
    "fasting_solids": "Stop eating before a session",
    "fasting_liquids": "Stop drinking before a session",
    "medicines_to_review": "Medicines to ask the clinic about",
    "companion_in_room": "Can you stay in the room during the session?",
    "recovery_time": "The clinic watches them after the session for",
    "companion_stay_after": "Stay nearby at home for",
    "no_driving": "No driving or using machines",
    "no_alcohol": "No alcohol, cannabis or street drugs for",
    "no_big_decisions": "No big decisions or signing papers for",
    "call_if_lasting": "Call the clinic if a common effect is still there",
    "anti_nausea": "Medicine for nausea",
    "reassess_after": "The team checks if it is helping after",
    "dose_and_length": "Dose and length of the infusion",
    "local_support": "Support for families",
    "visit_minutes": "A visit takes about (minutes)",
    "fasting_solids_hours": "Stop eating this many hours before",
    "fasting_liquids_hours": "Stop drinking this many hours before",
    "no_driving_hours": "No driving for this many hours after",
    "evening_reminder": "Calendar reminder the evening before, at",
    "ride_reminder_days": "Plan the ride home this many days before",
    "course_url": "The course's web address",
    "paper": "Paper size of the printed files",
    "clock": "Clock",
}
