"""Shared PDF helpers (fpdf2, imported lazily): a document with real text, core fonts, boxes and icons.

Core fonts (Helvetica) need no font files on the machine; they cover Windows-1252, so a few characters are
spelled out first (see :func:`safe`). Text is real text: a screen reader and copy-paste both work.
"""

from __future__ import annotations

import textwrap
import unicodedata

from . import strip_controls

# Characters the core fonts lack, in plain words or a near equivalent.
_REPLACE = {
    "✓": "",
    "✗": "x",
    "☐": "",
    "→": "->",
    "←": "<-",
    "≥": ">=",
    "≤": "<=",
    "×": "x",
    "−": "-",
    "‑": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
}
COLOURS = {  # the lesson pictures' colours (pictures.COLOURS): dark enough for white text (4.5:1)
    "expected": (0x1E, 0x6B, 0x35),
    "clinic": (0x1F, 0x5F, 0x99),
    "emergency": (0x8A, 0x1C, 0x1C),
    "crisis": (0x5B, 0x2A, 0x86),
}
INK = (0x1A, 0x1A, 0x1A)
GREY = (0x55, 0x55, 0x55)


def safe(text: str) -> str:
    """Text the core fonts can show (Windows-1252): curly quotes and dashes stay, the rest is spelled out."""
    out = []
    for ch in strip_controls(text):
        if ch in _REPLACE:
            out.append(_REPLACE[ch])
            continue
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", ch).encode("cp1252", "ignore").decode("cp1252")
            out.append(plain)
    return "".join(out)


def new_pdf(title: str, size: tuple[float, float], margin: float = 15):
    """A document of size (width, height) in mm (the clinic's paper: ``clinic.paper_mm``), with its title and
    language set (read aloud)."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=size)
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(safe(title))
    pdf.set_author("Caregiver course")
    pdf.set_creator("caregiver_course")
    pdf.set_lang("en")
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(True, margin)
    pdf.set_text_color(*INK)
    pdf.add_page()
    return pdf


def to_bytes(pdf) -> bytes:
    return bytes(pdf.output())


def heading(pdf, text: str, size: float = 14, space: float = 2) -> None:
    pdf.ln(space)
    pdf.set_font("Helvetica", "B", size)
    pdf.multi_cell(0, size * 0.45, safe(text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1)


def para(pdf, text: str, size: float = 10, style: str = "", colour=INK) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(0, size * 0.45, safe(text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(*INK)


def tick_box(pdf, text: str, ticked: bool, size: float = 10) -> None:
    """A square box (ticked or empty, to fill in by hand) and the item's text beside it."""
    line = size * 0.45
    box = size * 0.4
    x, y = pdf.get_x(), pdf.get_y()
    if y + line * 2 > pdf.h - pdf.b_margin:
        pdf.add_page()
        x, y = pdf.get_x(), pdf.get_y()
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.35)
    pdf.rect(x, y + 0.4, box, box)
    if ticked:  # a drawn tick (the word "Done" is in the text too, so it is not told by the mark alone)
        pdf.set_line_width(0.6)
        pdf.polyline(
            [
                (x + box * 0.2, y + 0.4 + box * 0.55),
                (x + box * 0.42, y + 0.4 + box * 0.8),
                (x + box * 0.85, y + 0.4 + box * 0.15),
            ]
        )
    pdf.set_line_width(0.2)
    pdf.set_x(x + box + 2)
    pdf.set_font("Helvetica", "", size)
    label = ("Done: " if ticked else "") + text
    pdf.multi_cell(pdf.w - pdf.r_margin - (x + box + 2), line, safe(label), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(0.8)


def icon(pdf, group: str, cx: float, cy: float, r: float) -> None:
    """The group's icon in white on its colour (as in the lesson's picture): tick, plus, warning, heart."""
    pdf.set_fill_color(*COLOURS[group])
    pdf.circle(cx, cy, r, style="F")
    pdf.set_draw_color(255, 255, 255)
    pdf.set_line_width(max(0.25, r * 0.16))
    s = r * 0.55
    if group == "expected":
        pdf.polyline([(cx - s * 0.75, cy), (cx - s * 0.2, cy + s * 0.6), (cx + s * 0.8, cy - s * 0.6)])
    elif group == "clinic":
        pdf.line(cx, cy - s * 0.7, cx, cy + s * 0.7)
        pdf.line(cx - s * 0.7, cy, cx + s * 0.7, cy)
    elif group == "emergency":
        pdf.polygon([(cx, cy - s * 0.9), (cx + s * 0.9, cy + s * 0.75), (cx - s * 0.9, cy + s * 0.75)])
        pdf.line(cx, cy - s * 0.35, cx, cy + s * 0.2)
        pdf.set_fill_color(255, 255, 255)
        pdf.circle(cx, cy + s * 0.48, max(0.15, r * 0.07), style="F")
    else:  # a heart from two curves
        pdf.set_fill_color(255, 255, 255)
        pts = []
        import math

        for k in range(40):
            t = 2 * math.pi * k / 40
            hx = 16 * math.sin(t) ** 3
            hy = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
            pts.append((cx + hx * s / 17, cy - hy * s / 17))
        pdf.polygon(pts, style="F")
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.2)


def qr(pdf, url: str, x: float, y: float, size: float) -> None:
    """A QR code drawn as vector squares (segno makes the matrix; no image library)."""
    import segno

    code = segno.make(url, error="m", micro=False)
    rows = list(code.matrix_iter(scale=1, border=2))
    cell = size / len(rows)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for j, row in enumerate(rows):
        i = 0
        while i < len(row):
            if row[i]:
                start = i
                while i < len(row) and row[i]:
                    i += 1
                pdf.rect(x + start * cell, y + j * cell, (i - start) * cell + 0.01, cell + 0.01, style="F")
            else:
                i += 1


def wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False) or [""]


def footer_note(pdf, text: str, size: float = 8) -> None:
    pdf.ln(2)
    para(pdf, text, size, colour=GREY)
