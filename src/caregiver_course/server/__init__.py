"""The course's web server: Voila, hardened for a public link (see app.py). Imported only by the server
process, never by a learner's kernel."""
