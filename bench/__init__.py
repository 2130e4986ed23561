"""streamfeed's benchmarks: ``make bench`` (full) and ``make bench-quick``; see BENCHMARKS.md."""
