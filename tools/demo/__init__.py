"""``streamfeed demo``: seed data, X choice, banner and live summary around the composition.

The processes are :mod:`tools.composition`'s; this package holds only what
makes them a demo: ``seed`` (first-run data), ``xsource`` (fake or real X),
``banner`` (URLs, tokens, curls), ``summary`` (the live line) and ``run``.
"""
