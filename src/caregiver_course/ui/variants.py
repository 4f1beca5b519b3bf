"""Text chosen by a clinic setting (data/variants.yaml): ``cc.clinic_text("how-given")`` in a lesson cell.

The treatment (IV ketamine or esketamine nasal spray) and whether the support person may stay in the room
change what is true for a learner; the lesson shows the text for this clinic's setting only.
"""

from __future__ import annotations

from .glossary import mark_terms
from .notebook_view import _markdown
from .widgets import Panel, current_content, friendly_error, html, missing_box


def markdown_html(text: str) -> str:
    return _markdown()(text)


def clinic_text(variant_id: str):
    try:
        c = current_content()
        variant = c.variants.get(variant_id)
        if variant is None:
            return missing_box(c, "variants.yaml", variant_id, "A part of this lesson is missing.")

        text = c.clinic.fill(variant.text_for(c.clinic))
        return Panel(
            [html(mark_terms(markdown_html(text), c), "cc-md")],
            summary=text,
            classes=("cc-clinic-text", f"cc-variant-{variant_id}"),
        )
    except Exception:
        import logging

        logging.getLogger("caregiver_course").exception("clinic_text(%r) failed", variant_id)
        return friendly_error("Part of this lesson could not be shown.")
