"""Bring your data: tweets and feed items from other tools' archives, and tweets out.

``formats`` reads each archive line as v2 stream lines (pure); ``sources``
opens files, gzip and stdin; the ``streamfeed import`` and ``export``
commands (``tools/cli``) drive them.
"""
