"""What a benchmark is handed: the scale, the local cloud, a work folder, shared units.

Figures publish the units they measured (bytes per tweet, WCU per tweet…) in
``units`` so the cost model (figure 7) computes dollars from measurements of
the same run instead of from guesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench import corpus
from bench.cloud import BenchCloud
from bench.harness import Scale


@dataclass
class Context:
    scale: Scale
    cloud: BenchCloud
    work: Path
    units: dict[str, float] = field(default_factory=dict)
    _corpus: list[bytes] | None = None

    def corpus(self) -> list[bytes]:
        """``scale.corpus_tweets`` realistic stream lines (captured once per work folder)."""
        if self._corpus is None:
            path = self.work / f"corpus-{self.scale.corpus_tweets}.ndjson"
            self._corpus = corpus.capture(self.scale.corpus_tweets, path)
        return self._corpus

    def folder(self, name: str) -> Path:
        path = self.work / name
        path.mkdir(parents=True, exist_ok=True)
        return path
