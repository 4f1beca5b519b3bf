"""Take-home tools: files a learner downloads (support plan, triage cards, journal export, session calendar,
certificate). Pure Python, no widgets: each function takes content, clinic settings and the learner's own
choices, and returns bytes or text. The PDF, chart and calendar libraries are imported inside the functions,
so a kernel that never makes a file never loads them.
"""
