"""``python -m caregiver_course.server [Voila options]``: what ``python -m caregiver_course serve`` runs."""

from .app import main

main()
