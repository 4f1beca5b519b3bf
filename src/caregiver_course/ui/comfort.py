"""Comfort settings kept by each browser (localStorage), never by the server: text size, a dark theme and
read-aloud of the current step with the browser's own speech synthesis. Drawn by static/cc-comfort.js; the
page applies the saved size and theme before the app arrives (static/cc-settings.js). The words are here, so
they are translated with the rest of the interface."""

from __future__ import annotations

import traitlets as t

from .history import History
from .widgets import _Browser

TEXT_SIZES = (("1", "Normal"), ("2", "Large"), ("3", "Largest"))
THEMES = (("auto", "Like my phone"), ("light", "Light"), ("dark", "Dark"))


class _Comfort(_Browser):
    _esm = History._esm  # one script draws the history, the settings and read-aloud
    labels = t.Dict().tag(sync=True)


class Comfort(_Comfort):
    """The "Aa Display" control in the top bar: text size and theme, remembered by this browser."""

    def __init__(self):
        super().__init__(
            kind="comfort",
            labels={
                "open_icon": "Aa",
                "open": "Display",
                "open_name": "Text size and colours",
                "size": "Text size",
                "sizes": [list(x) for x in TEXT_SIZES],
                "theme": "Colours",
                "themes": [list(x) for x in THEMES],
            },
        )
        self.add_class("cc-comfort-widget")


class Reader(_Comfort):
    """A play/stop button that reads the current step aloud with the browser's voice (no server cost). Hidden
    where the browser cannot speak; where it has no voice, it says so when tapped."""

    def __init__(self):
        super().__init__(
            kind="reader",
            labels={
                "play_icon": "🔊",
                "play": "Read aloud",
                "play_name": "Read this step aloud",
                "stop_icon": "■",
                "stop": "Stop reading",
                "no_voice": "This device has no voice for reading aloud. Its settings may let you add one.",
            },
        )
        self.add_class("cc-reader-widget")
