"""The attack tests use the browser tests' Chromium fixture (a real learner during a flood)."""
from browser.conftest import browser  # noqa: F401  (a pytest fixture)
