"""The release, in the code itself: the Lambda bundle has no package metadata to ask.

``pyproject.toml`` reads it from here (``tool.setuptools.dynamic``), so there
is one place to bump.
"""

from typing import Final

__version__: Final = "0.1.0"
