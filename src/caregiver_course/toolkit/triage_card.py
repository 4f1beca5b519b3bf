"""The triage card, wallet-size and fridge-size: the four groups of signs (icon, word and colour), what to do
with the clinic's numbers, and a QR code back to the course.

Every sign comes from the side-effect table (data/side_effects.yaml), so the card always agrees with lesson 4.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..content.numbers import PHONE, raw_value
from . import pdf as P
from .plan import NUMBERS

log = logging.getLogger("caregiver_course")

GROUPS = ("emergency", "crisis", "clinic", "expected")  # the most urgent first, as a worried reader looks
WORDS = {"expected": "Expected", "clinic": "Call the clinic", "emergency": "Emergency", "crisis": "Crisis line"}
CARD = (85.6, 54.0)  # one panel of the wallet card: a bank card, in mm
PANELS = 4  # the most panels in one folded strip (4 x 54 mm fits Letter and A4 with the instructions above)
MIN_PT = 8  # no text on any card is smaller than this


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
        if PHONE.match(raw_value(clinic, "clinic_phone")):
            return clinic.fill("Call the clinic the same day: {clinic_phone}. After hours: {after_hours_phone}.")
        return "Call the clinic the same day. Write its numbers in below."
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
    _band_head(pdf, group, x, y, w, size)
    pdf.set_xy(x, y + band + 0.6)
    pdf.set_font("Helvetica", "B", size * 0.8)
    pdf.multi_cell(w, size * 0.36, P.safe(group.action), new_x="LMARGIN", new_y="NEXT", align="L")
    if with_signs:
        pdf.set_x(x)
        pdf.set_font("Helvetica", "", size * 0.75)
        text = "Signs: " + "; ".join(group.signs) + "."
        pdf.multi_cell(w, size * 0.34, P.safe(text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(size * 0.12)


def _band_head(pdf, group: Group, x: float, y: float, w: float, size: float) -> float:
    """The coloured band: icon and word in white (meaning never by colour alone). Returns its height."""
    band = size * 0.62
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
    return band


def numbers_to_write(clinic) -> list[tuple[str, str, str]]:
    """(label, number, hint) for the card: a number not set as digits gets a blank line to write it in,
    with the clinic's words as the hint (e.g. 'the phone number on your appointment card')."""
    out = []
    for name, label in NUMBERS:
        if PHONE.match(raw_value(clinic, name)):
            out.append((label, clinic.shown(name), ""))
        else:
            out.append((label, "____________________", clinic.value(name) or ""))
    return out


def _numbers_height(pdf, clinic, size: float, width: float) -> float:
    total = 0.0
    for label, value, hint in numbers_to_write(clinic):
        pdf.set_font("Helvetica", "B", size)
        total += pdf.multi_cell(width, size * 0.45, P.safe(f"{label}: {value}"), dry_run=True, output="HEIGHT")
        if hint:
            pdf.set_font("Helvetica", "", max(MIN_PT, size * 0.8))
            total += pdf.multi_cell(width, size * 0.38, P.safe(f"({hint})"), dry_run=True, output="HEIGHT")
    return total


def _numbers(pdf, clinic, size: float, width: float = 0) -> None:
    x = pdf.get_x()
    for label, value, hint in numbers_to_write(clinic):
        pdf.set_x(x)
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(width, size * 0.45, P.safe(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT", align="L")
        if hint:
            pdf.set_x(x)
            pdf.set_font("Helvetica", "", max(MIN_PT, size * 0.8))
            pdf.set_text_color(*P.GREY)
            pdf.multi_cell(width, size * 0.38, P.safe(f"({hint})"), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.set_text_color(*P.INK)


class _Strip:
    """Panels of one wallet card, top to bottom: text flows into the next panel when one is full."""

    def __init__(self, pdf, x: float, y: float, pad: float = 3.0):
        self.pdf, self.x, self.top, self.pad = pdf, x, y, pad
        self.panel = 0
        self.y = y + pad
        self.overflow = False  # True if the text ran past the last panel (a test checks it never does)

    @property
    def width(self) -> float:
        return CARD[0] - 2 * self.pad

    def bottom(self) -> float:
        return self.top + (self.panel + 1) * CARD[1] - self.pad

    def room(self, height: float) -> None:
        """Move to the next panel unless height fits in this one."""
        if self.y + height > self.bottom() and self.panel < PANELS - 1:
            self.panel += 1
            self.y = self.top + self.panel * CARD[1] + self.pad
        if self.y + height > self.bottom():
            self.overflow = True

    def text(self, text: str, size: float, style: str = "", colour=P.INK) -> None:
        pdf = self.pdf
        pdf.set_font("Helvetica", style, size)
        line = size * 0.42
        height = pdf.multi_cell(self.width, line, P.safe(text), dry_run=True, output="HEIGHT")
        self.room(height)
        pdf.set_text_color(*colour)
        pdf.set_xy(self.x + self.pad, self.y)
        pdf.multi_cell(self.width, line, P.safe(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(*P.INK)
        self.y = pdf.get_y() + 0.5

    def band(self, group: Group, size: float) -> None:
        self.room(size * 0.62 + size * 0.84)  # the band and a line of its action stay together
        self.y += _band_head(self.pdf, group, self.x + self.pad, self.y, self.width, size) + 0.6


def _wallet_card(pdf, content, course_url: str, x: float, y: float) -> tuple[int, bool]:
    """One folded wallet card at (x, y); returns how many panels it took, and whether every word fits in them."""
    clinic = content.clinic
    strip = _Strip(pdf, x, y)
    strip.text("When to get help", 11, "B")
    strip.text(clinic.shown("clinic_name"), 8)
    for g in groups(content):  # the most urgent first
        strip.band(g, 9)
        strip.text(g.action, 8.5, "B")
        strip.text("Signs: " + "; ".join(g.signs) + ".", 8)
    # The numbers and the QR code stay together on one panel.
    qr_size = 20
    strip.room(max(qr_size, _numbers_height(pdf, clinic, 8, strip.width - qr_size - 2)) + 5)
    top = strip.y
    P.qr(pdf, course_url, x + CARD[0] - strip.pad - qr_size, top, qr_size)
    pdf.set_xy(x + strip.pad, top)
    _numbers(pdf, clinic, 8, strip.width - qr_size - 2)
    strip.y = max(pdf.get_y(), top + qr_size) + 0.5
    strip.text("Scan the code for the course.", 8, colour=P.GREY)
    if strip.overflow:
        log.warning("the wallet card's text runs past its last panel: shorten the side-effect table's short names")
    return strip.panel + 1, not strip.overflow


def _cut_and_fold(pdf, x: float, y: float, panels: int) -> None:
    """A dashed cut line around the card and dotted fold lines between its panels."""
    pdf.set_draw_color(*P.INK)
    pdf.set_line_width(0.3)
    pdf.set_dash_pattern(dash=2.5, gap=1.5)
    pdf.rect(x, y, CARD[0], CARD[1] * panels)
    pdf.set_dash_pattern(dash=0.4, gap=1.2)
    pdf.set_draw_color(*P.GREY)
    for k in range(1, panels):
        pdf.line(x - 4, y + k * CARD[1], x + CARD[0] + 4, y + k * CARD[1])
    pdf.set_dash_pattern()
    pdf.set_draw_color(*P.INK)
    pdf.set_line_width(0.2)


def wallet_pdf(content, course_url: str, fits: list | None = None) -> bytes:
    """One page of the clinic's paper with two wallet cards (one to keep, one to give), each a strip of
    card-size panels (85.6 x 54 mm) to cut out on the dashed line and fold like a fan on the dotted lines.
    ``fits`` (a list) gets True if every word stayed inside the card's panels."""
    clinic = content.clinic
    pdf = P.new_pdf(f"When to get help (wallet card) - {clinic.shown('clinic_name')}", clinic.paper_mm, margin=12)
    pdf.set_auto_page_break(False)
    P.heading(pdf, "Wallet card: when to get help", 13, 0)
    P.para(
        pdf,
        "Cut along the dashed line around each card. Fold on the dotted lines, like a fan, so the part that "
        "says \u201cWhen to get help\u201d is on top. There are two cards: one to keep, one for another helper.",
        9,
    )
    gap = 12
    x0 = (pdf.w - 2 * CARD[0] - gap) / 2
    y0 = pdf.get_y() + 6
    for i in range(2):
        x = x0 + i * (CARD[0] + gap)
        panels, fitted = _wallet_card(pdf, content, course_url, x, y0)
        _cut_and_fold(pdf, x, y0, panels)
    if fits is not None:
        fits.append(fitted)
    return P.to_bytes(pdf)


def card_pdf(content, course_url: str, size: str = "fridge") -> bytes:
    """The card as PDF on the clinic's paper: size 'wallet' (a folded card to cut out) or 'fridge' (one page)."""
    if size == "wallet":
        return wallet_pdf(content, course_url)
    clinic = content.clinic
    pdf = P.new_pdf(f"When to get help - {clinic.shown('clinic_name')}", clinic.paper_mm, margin=14)
    P.heading(pdf, "When to get help", 24, 0)
    P.para(pdf, "Find the sign, then do what its box says. Each group has its own icon and word.", 11)
    pdf.ln(1)
    for g in groups(content):
        _band(pdf, g, pdf.l_margin, pdf.epw, 17, with_signs=True)
    qr_size = 30
    if pdf.get_y() + qr_size + 4 > pdf.h - pdf.b_margin:
        pdf.add_page()
    y = pdf.get_y() + 1
    P.qr(pdf, course_url, pdf.w - pdf.r_margin - qr_size, y, qr_size)
    pdf.set_xy(pdf.l_margin, y)
    pdf.set_right_margin(qr_size + 20)
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(0, 5.5, P.safe(clinic.shown("clinic_name")), new_x="LMARGIN", new_y="NEXT", align="L")
    _numbers(pdf, clinic, 12)
    P.para(pdf, "Scan the code to open the course again.", 9, colour=P.GREY)
    return P.to_bytes(pdf)
