"""The pictures as widgets: the triage card (lesson 4) and a session day (lesson 3), each with its text
alternative; the stored notebook output carries the SVG too, so the notebook alone shows it."""

from __future__ import annotations

from html import escape

from ..toolkit.pictures import timeline_svg, triage_card_svg
from .widgets import Panel, current_content, html


def _picture(svg: str, alt: str, caption: str, css_class: str):
    class Picture(Panel):
        """A picture widget whose stored notebook output also carries the SVG (text/html)."""

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            if bundle is not None:
                bundle["text/html"] = figure
            return bundle

    figure = (
        f"<figure class='cc-figure' style='margin:0;width:100%'>{svg}<figcaption>{escape(caption)}</figcaption>"
        f"<p class='cc-visually-hidden'>{escape(alt)}</p></figure>"
    )
    box = html(figure, css_class)
    box.layout.width = "100%"  # let the picture take the card's width (an HTML widget shrinks to its content),
    box.layout.margin = "0"  # without the widget margin that would make the card scroll sideways
    picture = Picture([box], summary=f"Picture: {alt}", classes=("cc-card", css_class))
    picture.layout.overflow = "visible"  # a picture never scrolls inside its card (axe: scrollable-region-focusable)
    return picture


def triage_card():
    """Widget for lesson 4: ``cc.triage_card()``."""
    c = current_content()
    svg, alt = triage_card_svg(c)
    return _picture(
        svg, alt, "Four groups of signs, and who to call. The numbers to tap are in each group below.", "cc-triage-card"
    )


def session_timeline():
    """Widget for lesson 3: ``cc.session_timeline()``."""
    c = current_content()
    svg, alt = timeline_svg(c)
    return _picture(svg, alt, "A session day at your clinic, from getting ready to resting at home.", "cc-timeline")
