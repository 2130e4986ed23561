"""Tools for running all of streamfeed on one machine; never deployed.

The ``streamfeed`` CLI, the local cloud (emulators on loopback), the fake X,
the local Kinesis event-source runner, the local API server, and the demo.
They import both deployables (``chalicelib`` and ``streamer``); neither
deployable imports them.
"""
