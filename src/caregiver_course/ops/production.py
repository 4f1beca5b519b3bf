"""``check --production`` and ``serve --production``: a clinic's settings ready for real learners (no widgets).

The course runs happily with the clinic file as shipped: unconfirmed values are shown with "(check with your
clinic)" and the clinic's numbers are placeholders such as "the phone number on your appointment card". That is
right for a try-out and wrong for a service: a worried caregiver needs the number itself. In production mode
the course refuses to start until every value is confirmed and every number is a number.
"""

from __future__ import annotations

from ..content.clinic import Clinic

NUMBERS = ("emergency_number", "crisis_call", "crisis_text", "clinic_phone", "after_hours_phone")


def problems(clinic: Clinic) -> list[str]:
    """What to fix in data/clinic.yaml before real learners see it, one line each (empty: ready)."""
    found = []
    for name in NUMBERS:
        value = clinic.value(name)
        if sum(ch.isdigit() for ch in value) < 3:
            found.append(
                f"{name}: {value!r} is not a number a learner can call. Write the number itself, like 503-555-0100."
            )
    for name, setting in sorted(clinic.settings.items()):
        if not setting.confirmed:
            found.append(
                f"{name}: not confirmed yet (confirmed: no). Check the value with the clinic's lead, then write "
                "confirmed: yes."
            )
    return found
