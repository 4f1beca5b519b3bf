"""The course content: loading and checking ``data/`` and the clinic's settings. No widgets, no store.

Modules: ``paths`` (where files are), ``yamlfile`` (reading one file, plain error messages), ``parse`` (each
file into the model), ``model`` and ``questions`` (the data), ``loader`` (all of it, cached per kernel, with the
last good copy kept), ``clinic`` (settings and placeholders), ``glossary``, ``coverage`` and ``sources``
(the guide and fact sheet behind every item), ``numbers`` (phone numbers and links as data).

The names below are the content layer's public face: ``from caregiver_course import content; content.get()``.
"""

from .loader import get, load, preflight_problems
from .model import Content
from .paths import REPO, data_dir, notebooks_dir

__all__ = ["REPO", "Content", "data_dir", "get", "load", "notebooks_dir", "preflight_problems"]
