"""The completion record: a summary of the course (lessons, what the learner practised in each, key points) and a
certificate PDF. Neither shows quiz scores: the course is "for learning, not a test".

The certificate carries a short verification code: a keyed hash (codes.keyed_hash, the store's secret key) of
the learner's id and the date. Only the course's server can make or check it; it says nothing about the
learner. Clinic staff check a code on the server with ``python -m caregiver_course verify CODE --date YYYY-MM-DD``
(see the README); the certificate itself prints no command.
The optional name typed on the page goes into the PDF only and is never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import __version__
from ..learning import progress
from ..store.codes import keyed_hash
from . import pdf as P

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O or U to misread
COURSE_TITLE = "Supporting a loved one through ketamine treatment"


@dataclass(frozen=True)
class LessonLine:
    number: int
    title: str
    done: bool
    practised: tuple[str, ...]  # the lesson's aims, in the caregiver's words ("Know when to call the clinic.")
    key_points: tuple[str, ...]


def summary(content, events: list[dict]) -> list[LessonLine]:
    prog = progress.lesson_progress(content, events)
    return [
        LessonLine(
            lesson.number,
            lesson.title,
            prog[lesson.id].status == progress.DONE,
            tuple(content.clinic.fill(o) for o in lesson.objectives),
            tuple(content.clinic.fill(k) for k in lesson.key_points),
        )
        for lesson in content.lessons
        if lesson.number > 0
    ]


def all_done(lines: list[LessonLine]) -> bool:
    return bool(lines) and all(line.done for line in lines)


def verification_code(key: bytes, learner_id: str, day: str) -> str:
    """Ten characters in two groups, like 7K3QX-M9D2A: 50 bits of an HMAC-SHA256 of the learner and day."""
    digest = keyed_hash(key, f"certificate:{learner_id}:{day}").split(":", 1)[1]
    number = int(digest[:13], 16) >> 2  # 50 bits
    chars = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(10))[::-1]
    return f"{chars[:5]}-{chars[5:]}"


def normalise(code: str) -> str:
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    return f"{cleaned[:5]}-{cleaned[5:]}" if len(cleaned) == 10 else cleaned


def verify(store, content, code: str, day: str) -> str | None:
    """The id of the learner whose certificate of that day has this code and who finished every lesson."""
    wanted = normalise(code)
    for learner_id in store.learner_ids():
        if verification_code(store.key, learner_id, day) == wanted:
            return learner_id if all_done(summary(content, store.events(learner_id))) else None
    return None


def certificate_pdf(
    content, lines: list[LessonLine], code: str, day: dt.date, name: str = "", version: str = ""
) -> bytes:
    clinic = content.clinic
    version = version or __version__
    name = " ".join(str(name or "").split())[:60]
    pdf = P.new_pdf("Certificate of completion", tuple(reversed(content.clinic.paper_mm)), margin=18)
    pdf.set_auto_page_break(False)
    pdf.set_draw_color(*P.COLOURS["clinic"])
    pdf.set_line_width(1.2)
    pdf.rect(9, 9, pdf.w - 18, pdf.h - 18)
    pdf.set_line_width(0.2)
    pdf.set_y(26)
    pdf.set_font("Helvetica", "B", 30)
    pdf.cell(0, 14, "Certificate of completion", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 8, "This certifies that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 22)
    pdf.cell(0, 12, P.safe(name) if name else "a family member or friend", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 8, "completed every lesson of the caregiver course", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, P.safe(COURSE_TITLE), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 7, P.safe(f"offered by {clinic.value('clinic_name')}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font("Helvetica", "", 10)
    for line in lines:
        pdf.cell(0, 5, P.safe(f"Lesson {line.number}: {line.title}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(pdf.h - 40)
    pdf.set_font("Helvetica", "", 11)
    half = (pdf.w - 2 * pdf.l_margin) / 3
    pdf.cell(half, 6, P.safe(f"Date: {day:%d %B %Y}"))
    pdf.cell(half, 6, P.safe(f"Course version {version}"), align="C")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(half, 6, f"Verification code: {code}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8.5)
    pdf.set_text_color(*P.GREY)
    pdf.multi_cell(
        0,
        4,
        P.safe(
            f"{clinic.value('clinic_name')} can check this code with the date above. "
            "This course is education, not medical advice."
        ),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return P.to_bytes(pdf)
