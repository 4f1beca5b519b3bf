"""Workshops, as logic: nicknames, per-item counts that never say who chose what, the export
(``results``), and the ready places kept for a room (``poolstatus``, written by the server, read by the
facilitator's dashboard). No widgets."""
