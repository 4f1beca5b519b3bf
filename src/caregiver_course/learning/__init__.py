"""Learning logic, pure Python (no widgets, no database): checking and scoring answers (``quiz``), a
learner's progress and "done" (``progress``), spaced practice of missed questions (``practice``), and the
question bank's shape (``quizshape``: the right answer's place and length never give it away)."""
