"""Chaos scenarios: faults, load and bad input against the real local system.

``make chaos`` (``python -m chaos``) runs every scenario at full length and
writes ``RELIABILITY.md``; ``tests/chaos`` runs the same scenario code with the
short profile, so a regression shows up in CI. Each scenario returns an
:class:`~chaos.results.Outcome`: what X sent (the fake X server's ledger), what
was stored, what was lost, what feeds hold twice, how long recovery took, and
whether every claim held.
"""
