"""The session calendar: an .ics file (icalendar) with each planned session and its reminders.

Every reminder's time follows from the clinic's settings (data/clinic.yaml), never from numbers in code:
- the evening before, at ``evening_reminder``: when to stop eating (``fasting_solids_hours`` before the
  session) and drinking (``fasting_liquids_hours`` before);
- ``ride_reminder_days`` before, at ``evening_reminder``: arrange the ride home;
- the session itself lasts ``visit_minutes``;
- after it: no driving until ``no_driving_hours`` after the end of the visit (and the clinic's own words); for
  esketamine the label's rule instead: not for the rest of the day, until the next day after a restful sleep (G1).
Times are "floating" local times (no time zone): they mean the learner's own clock wherever they open them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Reminder:
    kind: str  # "session", "fasting", "ride", "no-driving"
    title: str
    start: dt.datetime
    end: dt.datetime
    text: str


def _when(clinic, t: dt.datetime) -> str:
    return f"{t:%A} {t.day} {t:%B}, {clinic.clock_time(t)}"


def reminders(clinic, session: dt.datetime) -> list[Reminder]:
    """The events for one planned session, each timed from the clinic's settings."""
    visit = dt.timedelta(minutes=clinic.number("visit_minutes"))
    end = session + visit
    hour, minute = clinic.time_of_day("evening_reminder")
    evening = dt.datetime.combine(session.date() - dt.timedelta(days=1), dt.time(hour, minute))
    stop_food = session - dt.timedelta(hours=clinic.number("fasting_solids_hours"))
    stop_drink = session - dt.timedelta(hours=clinic.number("fasting_liquids_hours"))
    ride = dt.datetime.combine(
        session.date() - dt.timedelta(days=int(clinic.number("ride_reminder_days"))), dt.time(hour, minute)
    )
    drive = end + dt.timedelta(hours=clinic.number("no_driving_hours"))
    drive_title = f"No driving until {_when(clinic, drive)}"
    if clinic.esketamine:  # the label: until the next day, after a restful sleep (G1), not a number of hours
        drive = dt.datetime.combine(end.date() + dt.timedelta(days=1), dt.time(0, 0))
        drive_title = "No driving today: not until tomorrow, after a restful sleep"
    name = clinic.shown("clinic_name")
    hm = clinic.clock_time

    def _when_(t):
        return _when(clinic, t)

    out = [
        Reminder(
            "session",
            f"Treatment session at {clinic.value('clinic_name')}",
            session,
            end,
            clinic.fill(
                "A responsible adult takes them home afterwards. The clinic watches them after the session "
                "for {recovery_time}. Someone stays nearby for {companion_stay_after}. Questions: {clinic_phone}."
            ),
        ),
        Reminder(
            "fasting",
            f"Tomorrow's session: stop eating at {hm(stop_food)}, drinking at {hm(stop_drink)}",
            evening,
            evening + dt.timedelta(minutes=15),
            clinic.fill(
                f"Session: {_when_(session)}. Stop eating at {_when_(stop_food)}. "
                f"Stop drinking at {_when_(stop_drink)}. The clinic's rules: no food for {{fasting_solids}}; "
                "no drinks for {fasting_liquids}. "
                "Ask the clinic about these medicines: {medicines_to_review}. Do not stop or change any medicine "
                "without asking."
            ),
        ),
        Reminder(
            "ride",
            "Arrange the ride home from the session",
            ride,
            ride + dt.timedelta(minutes=15),
            f"Session: {_when_(session)} at {name}. A responsible adult must take them home; they cannot drive.",
        ),
        Reminder(
            "no-driving",
            drive_title,
            end,
            drive,
            clinic.fill(
                "No driving or using machines {no_driving}. Also no alcohol, cannabis or street drugs for "
                "{no_alcohol}, and no big decisions for {no_big_decisions}."
            ),
        ),
    ]
    return out


def calendar_ics(clinic, sessions: list[dt.datetime], made: dt.datetime | None = None) -> bytes:
    """The .ics file: each session and its three reminders (the fasting and ride reminders ring)."""
    from icalendar import Alarm, Calendar, Event

    made = made or dt.datetime.now(dt.timezone.utc)
    cal = Calendar()
    cal.add("prodid", "-//Caregiver course//Session calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Sessions at {clinic.value('clinic_name')}")
    for session in sorted(sessions):
        if not in_range(session, made.date()):  # parse_session refuses such a date: left out, never a crash
            continue
        for r in reminders(clinic, session):
            ev = Event()
            uid = hashlib.sha256(f"{session.isoformat()}|{r.kind}".encode()).hexdigest()[:24]
            ev.add("uid", f"{uid}@caregiver-course")
            ev.add("dtstamp", made)
            ev.add("summary", r.title)
            ev.add("dtstart", r.start)
            ev.add("dtend", r.end)
            ev.add("description", r.text)
            ev.add("categories", [r.kind])
            if r.kind in ("fasting", "ride"):  # the reminders ring when they start
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", r.title)
                alarm.add("trigger", dt.timedelta(0))
                ev.add_component(alarm)
            cal.add_component(ev)
    return cal.to_ical()


AHEAD_DAYS = 2 * 366  # sessions are planned at most about two years ahead


def in_range(session: dt.datetime, today: dt.date) -> bool:
    """Can this session go into a calendar made today: not more than two years ahead (a year-9999 date would make
    reminder times no calendar can hold) and not from before 2000."""
    return dt.date(2000, 1, 1) <= session.date() <= today + dt.timedelta(days=AHEAD_DAYS)


def parse_session(date_value, time_value, today: dt.date | None = None) -> dt.datetime:
    """A session from the page's date and time boxes; ValueError with a plain message if one is missing or the
    date is not from today to two years ahead."""
    if not isinstance(date_value, dt.date):
        raise ValueError("Choose the date of the session.")
    if not isinstance(time_value, dt.time):
        raise ValueError("Choose the time the session starts.")
    if isinstance(date_value, dt.datetime):
        date_value = date_value.date()
    today = today or dt.date.today()
    if date_value > today + dt.timedelta(days=AHEAD_DAYS):
        raise ValueError("That date is more than two years away. Check the year, and choose a date that is coming up.")
    if date_value < today - dt.timedelta(days=1):
        raise ValueError("That date has passed. Choose a date that is coming up.")
    return dt.datetime.combine(date_value, time_value.replace(second=0, microsecond=0, tzinfo=None))
