"""The course content: loading and checking ``data/`` and the clinic's settings. No widgets, no store.

Modules: ``paths`` (where files are), ``yamlfile`` (reading one file, plain error messages), ``parse`` (each
file into the model), ``model`` and ``questions`` (the data), ``loader`` (all of it, cached per kernel, with the
last good copy kept), ``clinic`` (settings and placeholders), ``glossary``, ``coverage`` and ``sources``
(the guide and fact sheet behind every item), ``numbers`` (phone numbers and links as data), ``lang`` (the
languages, the words the content layer writes in each, which language a lesson is built in), ``translations``
and ``clinic_texts`` (translated units kept in step with the English, the clinic's text values per language).

The names below are the content layer's public face: ``from caregiver_course import content; content.get()``,
``content.get("es")`` for Spanish.
"""

from . import lang
from .lang import LANGUAGES
from .loader import get, load, preflight_problems, unreviewed
from .model import Content
from .paths import REPO, data_dir, notebooks_dir

__all__ = [
    "LANGUAGES",
    "REPO",
    "Content",
    "data_dir",
    "get",
    "lang",
    "load",
    "notebooks_dir",
    "preflight_problems",
    "unreviewed",
]
