"""What the learner and the facilitator see: ipywidgets built on the layers below, never the other way round.

``widgets`` (the building blocks, the help box and its links), ``lesson`` (the parts a lesson notebook shows:
header, clinic box, checklist, reflection, side-effect table, key points, what's next), ``questions`` (a
question and a knowledge check), ``glossary``, ``redflags``, ``pictures``, ``privacy``, ``variants`` (lesson
parts with their own data), ``notebook_view`` (a lesson notebook shown inside the app), ``app`` and ``home``
(the one-page app shell and its start page), ``takehome`` and ``journal`` (files to take home; the
observation journal), ``dashboard`` (the facilitator's view). Front-end files (CSS, JS) are shipped with the
Voila template in ``caregiver_course/voila/templates/caregiver/static/``.
"""
