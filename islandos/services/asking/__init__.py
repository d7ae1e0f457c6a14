"""Asking an audience: the shared core under notices, events, polls and safety checks.

`asks` opens a question for a feature's subject, `audience` chooses and streams whom it goes
to, `delivery` sends it through the outbox and keeps who was asked, `answers` records one
current answer per person, `tally` counts per district in one query, `erasure` unlinks a
person. See docs/asking.md.
"""
