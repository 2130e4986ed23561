"""``--merge`` of an earlier report: figures read back from BENCHMARKS.md render the same.

A fresh checkout has the committed BENCHMARKS.md but not the JSON of the run
that wrote it, so re-running some figures must be able to keep the others from
the report itself. These run without the local cloud.
"""

from __future__ import annotations

from pathlib import Path

from bench import report
from bench.__main__ import main
from bench.harness import Figure, Row
from tools.localcloud import servers


def _figures() -> list[Figure]:
    one = Figure("1", "Streamer throughput", seconds=12.0)
    one.rows = [
        Row("tweets per CPU-second", 37987.4, "tweets/CPU-s", ">= 20,000", True),
        Row("vs twarc2", 4.65, "x", ">= 3x", False),
        Row("a verdict", "nothing lost or doubled", "", "nothing lost", True),
        Row("no goal", 3, "RCU"),
    ]
    one.note("A paragraph\nover two lines.")
    one.note("A table:\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    one.profiles["the handler, wall time"] = "  ncalls  tottime\n      10    0.500 f.py:1(f)"
    failed = Figure("5", "figure 5", seconds=611.0, error='EndpointConnectionError: "http://x/"')
    failed.note("_Machine load 2.8._")
    scaling = Figure("scaling", "4 shards", seconds=4.0)
    scaling.rows = [Row("tweets/s", 265.0, "tweets/s")]
    return [one, failed, scaling]


def test_a_report_parses_back_to_the_figures_that_render_it() -> None:
    text = report.render(_figures(), scale="full", elapsed=60.0)
    again = report.render(report.parse(text), scale="full", elapsed=60.0)
    assert again == text
    parsed = {f.key: f for f in report.parse(text)}
    assert parsed["5"].error == 'EndpointConnectionError: "http://x/"'
    assert parsed["1"].profiles == _figures()[0].profiles
    assert [r.met for r in parsed["1"].rows] == [True, False, True, None]
    assert parsed["scaling"].seconds == 4.0


def test_the_committed_report_survives_a_round_trip() -> None:
    path = Path(__file__).resolve().parents[2] / "BENCHMARKS.md"
    text = path.read_text()
    again = report.render(report.parse(text), scale="full", elapsed=0.0)
    start = text.index("## Every figure")
    assert again[again.index("## Every figure") :].replace(
        again[again.index("## Machine") : again.index("## How to reproduce")], ""
    ) == text[start:].replace(
        text[text.index("## Machine") : text.index("## How to reproduce")], ""
    )


def test_merge_keeps_earlier_figures_and_lets_later_files_replace_them(tmp_path: Path) -> None:
    first = tmp_path / "first.md"
    first.write_text(report.render(_figures(), scale="full", elapsed=60.0))
    later = Figure("5", "End to end", seconds=500.0)
    later.rows = [Row("latency p99", 1.5, "s", "< 2 s", True)]
    second = tmp_path / "second.json"
    from bench.harness import save_figures

    save_figures([later], second)
    out = tmp_path / "B.md"
    status = main(["--only", "none", "--merge", str(first), "--merge", str(second),
                   "--out", str(out)])  # fmt: skip
    assert status == 0
    merged = {f.key: f for f in report.parse(out.read_text())}
    assert set(merged) == {"1", "5", "scaling"}
    assert merged["5"].error is None and merged["5"].rows[0].value == "1.5 s"
    assert "figures 1, scaling from `first.md`" in out.read_text()
    assert "figure 5 from `second.json`" in out.read_text()


def test_kinesis_mock_can_run_without_persisting(tmp_path: Path) -> None:
    node_modules = tmp_path / "node_modules"
    (node_modules / "kinesis-local").mkdir(parents=True)
    (node_modules / "kinesis-local" / "main.js").write_text("")
    args = dict(node="node", node_modules=node_modules, port=1, tls_port=2,
                data=tmp_path / "k", logs=tmp_path, region="us-east-1")  # fmt: skip
    assert servers.kinesis_mock(**args).env["SHOULD_PERSIST_DATA"] == "true"  # type: ignore[arg-type]
    quiet = servers.kinesis_mock(**args, persist=False).env  # type: ignore[arg-type]
    assert quiet["SHOULD_PERSIST_DATA"] == quiet["LOAD_DATA_IF_EXISTS"] == "false"


def test_a_second_run_does_not_wipe_the_cloud_of_a_running_one(tmp_path: Path) -> None:
    import fcntl

    import pytest

    from bench.cloud import BenchCloud

    data = tmp_path / "cloud"
    data.mkdir()
    (data / "keep").write_text("")
    with (data / "local.lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242")
        held.flush()
        with pytest.raises(RuntimeError, match="pid 4242"):
            BenchCloud(None, data)
    assert (data / "keep").exists()
