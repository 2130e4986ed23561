"""streamfeed's AWS deployment as a CDK app (one stack per stage).

``access``, ``config`` and ``sam`` are plain data (the ``chalice deploy`` path
and the tests use them without CDK); the rest builds constructs.
"""
