"""The triage card, wallet-size and fridge-size: the four groups of signs (icon, word and colour), what to do
with the clinic's numbers, and a QR code back to the course.

Every sign comes from the side-effect table (data/side_effects.yaml), so the card always agrees with lesson 4.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import pdf as P

GROUPS = ("expected", "clinic", "emergency", "crisis")
WORDS = {"expected": "Expected", "clinic": "Call the clinic", "emergency": "Emergency", "crisis": "Crisis line"}
WALLET = (85.6, 54.0)  # a bank card, in mm
FRIDGE = (148.0, 210.0)  # A5


@dataclass(frozen=True)
class Group:
    id: str
    word: str
    action: str
    signs: tuple[str, ...]  # the short names of the table's rows in this group


def action(clinic, group: str) -> str:
    """What to do, with the numbers written in (the same actions as lesson 4's red-flag boxes)."""
    if group == "emergency":
        return clinic.fill("Call {emergency_number} now, or go to the emergency room.")
    if group == "crisis":
        return clinic.fill("Call {crisis_call} or text {crisis_text}. Free, private, day and night.")
    if group == "clinic":
        return clinic.fill("Call the clinic the same day: {clinic_phone}. After hours: {after_hours_phone}.")
    return "Comfort them and let them rest. Write down what you notice."


def groups(content) -> list[Group]:
    clinic = content.clinic
    out = []
    for g in GROUPS:
        signs = tuple(clinic.fill(r.short or r.name) for r in content.side_effects if r.group == g)
        said = content.actions.get(g)  # side_effects.yaml's actions: the same words on every card
        out.append(Group(g, WORDS[g], clinic.fill(said) if said else action(clinic, g), signs))
    return out


def _band(pdf, group: Group, x: float, w: float, size: float, with_signs: bool) -> None:
    """One group: a coloured band with its icon and word, the action, then (optionally) its signs."""
    y = pdf.get_y()
    band = size * 0.62
    if y + band * 2.5 > pdf.h - pdf.b_margin:
        pdf.add_page()
        y = pdf.get_y()
    pdf.set_fill_color(*P.COLOURS[group.id])
    pdf.rect(x, y, w, band, style="F")
    P.icon(pdf, group.id, x + band / 2, y + band / 2, band * 0.36)
    pdf.set_fill_color(255, 255, 255)
    pdf.circle(x + band / 2, y + band / 2, band * 0.42, style="D")
    pdf.set_xy(x + band + 1, y)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", size)
    pdf.cell(w - band - 2, band, P.safe(group.word.upper()))
    pdf.set_text_color(*P.INK)
    pdf.set_xy(x, y + band + 0.6)
    pdf.set_font("Helvetica", "B", size * 0.8)
    pdf.multi_cell(w, size * 0.36, P.safe(group.action), new_x="LMARGIN", new_y="NEXT", align="L")
    if with_signs:
        pdf.set_x(x)
        pdf.set_font("Helvetica", "", size * 0.75)
        text = "Signs: " + "; ".join(group.signs) + "."
        pdf.multi_cell(w, size * 0.34, P.safe(text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(size * 0.12)


def _numbers(pdf, clinic, size: float) -> None:
    from .plan import numbers

    for label, value in numbers(clinic):
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(0, size * 0.4, P.safe(f"{label}: "), new_x="END", new_y="TOP", align="L")
        pdf.set_font("Helvetica", "", size)
        pdf.multi_cell(0, size * 0.4, P.safe(value), new_x="LMARGIN", new_y="NEXT", align="L")


def card_pdf(content, course_url: str, size: str = "fridge") -> bytes:
    """The card as PDF: size 'wallet' (85.6 x 54 mm, front and back) or 'fridge' (A5, one page)."""
    clinic = content.clinic
    title = f"When to get help - {clinic.shown('clinic_name')}"
    if size == "wallet":
        pdf = P.new_pdf(title, WALLET, margin=3)
        P.heading(pdf, "When to get help", 8, 0)
        for g in groups(content):
            _band(pdf, g, pdf.l_margin, pdf.epw, 7, with_signs=False)
        pdf.add_page()  # the back: the signs, the numbers and the way back to the course
        pdf.set_font("Helvetica", "B", 6.5)
        pdf.multi_cell(
            0,
            2.6,
            P.safe("Emergency signs: " + "; ".join(groups(content)[2].signs) + "."),
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
        pdf.set_font("Helvetica", "", 6)
        pdf.multi_cell(
            0,
            2.5,
            P.safe("Call the clinic: " + "; ".join(groups(content)[1].signs) + "."),
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
        pdf.multi_cell(
            0,
            2.5,
            P.safe("Crisis line: " + "; ".join(groups(content)[3].signs) + "."),
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
        pdf.add_page()
        qr_size = 22
        P.qr(pdf, course_url, pdf.w - pdf.r_margin - qr_size, pdf.t_margin, qr_size)
        pdf.set_right_margin(qr_size + 5)
        pdf.set_font("Helvetica", "B", 7)
        pdf.multi_cell(0, 3, P.safe(clinic.shown("clinic_name")), new_x="LMARGIN", new_y="NEXT", align="L")
        _numbers(pdf, clinic, 6)
        pdf.set_font("Helvetica", "", 5.5)
        pdf.multi_cell(0, 2.4, P.safe("Scan for the course: " + course_url), new_x="LMARGIN", new_y="NEXT", align="L")
        return P.to_bytes(pdf)
    pdf = P.new_pdf(title, FRIDGE, margin=9)
    P.heading(pdf, "When to get help", 16, 0)
    P.para(pdf, "Find the sign, then do what its colour box says. Each group has its own icon and word.", 9)
    pdf.ln(1)
    for g in groups(content):
        _band(pdf, g, pdf.l_margin, pdf.epw, 12, with_signs=True)
    qr_size = 26
    if pdf.get_y() + qr_size + 4 > pdf.h - pdf.b_margin:
        pdf.add_page()
    y = pdf.get_y() + 1
    P.qr(pdf, course_url, pdf.w - pdf.r_margin - qr_size, y, qr_size)
    pdf.set_xy(pdf.l_margin, y)
    pdf.set_right_margin(qr_size + 12)
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(0, 4.5, P.safe(clinic.shown("clinic_name")), new_x="LMARGIN", new_y="NEXT", align="L")
    _numbers(pdf, clinic, 8.5)
    P.para(pdf, "Scan the code to open the course again.", 7.5, colour=P.GREY)
    return P.to_bytes(pdf)
