"""Render BENCHMARKS.md: the summary table, the machine, the date, how to reproduce, details.

The summary lists every figure's rows with its goal; each figure then gets
its own section with the measurements behind the numbers, and, where a goal
was missed, the profile that shows where the time goes.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import PROJECT_ROOT, Figure, Row, fmt

TITLE_ORDER = ("1", "2", "3", "3b", "4", "4b", "5", "6", "7", "8", "scaling")


def _ordered(figures: list[Figure]) -> list[Figure]:
    rank = {key: i for i, key in enumerate(TITLE_ORDER)}
    return sorted(figures, key=lambda f: rank.get(f.key, 99))


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: ""}[met]


def summary_table(figures: list[Figure]) -> str:
    lines = ["| # | measure | value | goal | |", "|---|---|---|---|---|"]
    for figure in _ordered(figures):
        if figure.error:
            lines.append(f"| {figure.key} | {figure.title} | failed: {figure.error} | | |")
        for row in figure.rows:
            lines.append(
                f"| {figure.key} | {row.measure} | {_value(row)} | {row.goal} "
                f"| {_verdict(row.met)} |"
            )
    return "\n".join(lines)


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores (shared with other work: CPU-seconds, "
        "medians and alternation are used where it matters)",
        f"- memory: {memory:.0f} GiB; OS: {platform.platform()}",
        f"- Python {sys.version.split()[0]}; Node {_command(['node', '--version'])}; "
        f"emulators: {_emulators()}",
        f"- load average when the report was written: {_load()}",
    ]


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _emulators() -> str:
    versions = []
    for package in ("dynalite", "kinesis-local"):
        try:
            data = json.loads(
                (PROJECT_ROOT / "node_modules" / package / "package.json").read_text()
            )
            versions.append(f"{package} {data['version']}")
        except (OSError, ValueError, KeyError):
            versions.append(f"{package} ?")
    try:
        import moto

        versions.append(f"moto {moto.__version__}")
    except ImportError:
        versions.append("moto ?")
    return ", ".join(versions)


def _command(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=PROJECT_ROOT)
    except OSError:
        return "?"
    return done.stdout.strip() or "?"


#: The first line of a report: its date and commit (``parse`` and ``--merge`` read them back).
WRITTEN = re.compile(
    r"Written by `python -m bench[^`]*` on ([0-9-]+ [0-9:]+ UTC) at commit `(\w+)`"
)


def render(figures: list[Figure], *, scale: str, elapsed: float, note: str | None = None) -> str:
    commit = _command(["git", "rev-parse", "--short", "HEAD"])
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = [
        "# Benchmarks",
        "",
        f"Written by `python -m bench --scale {scale}` on {date} at commit `{commit}`; "
        f"the run took {elapsed / 60:.1f} minutes. Benchmarks print what they measured and "
        "never fail on a number; a goal that is missed says so here, with a profile."
        + (f" {note}" if note else ""),
        "",
        "## Every figure",
        "",
        summary_table(figures),
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## How to reproduce",
        "",
        "```bash",
        "make bench          # the full run (this file): starts its own local cloud and fake X",
        "make bench-quick    # under two minutes: .streamfeed/bench/BENCHMARKS-quick.md",
        ".venv/bin/python -m bench --only 3,4 --out /tmp/b.md   # some figures only",
        "```",
        "",
        "Everything runs on loopback: the local cloud (dynalite, kinesis-mock, moto) and the "
        "fake X server. Nothing reaches X or AWS. The code is in `bench/` (one module per "
        "figure); raw results are also saved as JSON next to the report "
        "(`.streamfeed/bench/full.json` for this file).",
        "",
    ]
    for figure in _ordered(figures):
        out += _section(figure)
    return "\n".join(out).rstrip() + "\n"


def _value(row: Row) -> str:
    return f"{fmt(row.value)} {row.unit}".strip()


def _section(figure: Figure) -> list[str]:
    heading = f"Figure {figure.key}" if figure.key[0].isdigit() else figure.key.capitalize()
    out = [f"## {heading}: {figure.title}", ""]
    if figure.error:
        out += [f"This benchmark failed: `{figure.error}`", ""]
    for row in figure.rows:
        goal = f" (goal {row.goal}: {_verdict(row.met).strip('*')})" if row.goal else ""
        out.append(f"- {row.measure}: **{_value(row)}**{goal}")
    if figure.rows:
        out.append("")
    for detail in figure.details:
        out += [detail, ""]
    for name, text in figure.profiles.items():
        out += [f"Profile: {name}", "", "```text", text, "```", ""]
    out += [f"_Ran in {figure.seconds:.0f} s._", ""]
    return out


SCALING_START = "<!-- bench:scaling: written by `make bench` (bench/scaling.py); edits are lost -->"
SCALING_END = "<!-- /bench:scaling -->"


def update_scaling(path: Path, figures: list[Figure]) -> bool:
    """Put the scaling run's tables between SCALING.md's markers; False if nothing changed."""
    found = [f for f in figures if f.key == "scaling" and not f.error]
    if not found or not path.exists():
        return False
    text = path.read_text()
    if SCALING_START not in text or SCALING_END not in text:
        return False
    figure = found[0]
    date = time.strftime("%Y-%m-%d", time.gmtime())
    body = [f"Measured {date} by `make bench` (commit "
            f"`{_command(['git', 'rev-parse', '--short', 'HEAD'])}`):", ""]  # fmt: skip
    body += [f"- {row.measure}: **{_value(row)}**" for row in figure.rows]
    body.append("")
    for detail in figure.details:
        body += [detail, ""]
    head, rest = text.split(SCALING_START, 1)
    _, tail = rest.split(SCALING_END, 1)
    path.write_text(head + SCALING_START + "\n" + "\n".join(body) + SCALING_END + tail)
    return True


_VERDICTS = {"met": True, "**missed**": False, "": None}
_RAN_IN = re.compile(r"_Ran in ([0-9.]+) s\._")


def parse(text: str) -> list[Figure]:
    """The figures of a report ``render`` wrote, for ``--merge`` when only the report is left.

    Rows come back from the summary table with their value and unit as one
    string (as printed), details and profiles from the figure's section, so
    rendering them again gives the same section.
    """
    sections = _sections(text)
    figures: dict[str, Figure] = {}
    for line in sections.get("Every figure", []):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("#", "---"):
            continue
        key, measure, value, goal, verdict = cells
        figure = figures.setdefault(key, Figure(key, measure))
        if value.startswith("failed: ") and not goal and not verdict:
            figure.error = value.removeprefix("failed: ")
        else:
            figure.rows.append(Row(measure, value, "", goal, _VERDICTS[verdict]))
    for heading, body in sections.items():
        found = re.fullmatch(r"(?:Figure (\d\w*)|(\w+)): (.*)", heading)
        if found is None:
            continue
        key = found.group(1) or found.group(2).lower()
        if key not in figures:
            continue
        figure = figures[key]
        figure.title = found.group(3)
        _fill(figure, _blocks(body))
    return list(figures.values())


def _sections(text: str) -> dict[str, list[str]]:
    """Each ``## `` heading's lines (headings inside code fences do not count)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
            continue
        if current is not None:
            current.append(line)
    return sections


def _blocks(lines: list[str]) -> list[str]:
    """Paragraphs: runs of lines between blank lines, a code fence kept whole."""
    blocks: list[str] = []
    current: list[str] = []
    fenced = False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _fill(figure: Figure, blocks: list[str]) -> None:
    """Details, profiles and run time of a figure from its section's paragraphs."""
    if blocks and figure.error and blocks[0].startswith("This benchmark failed:"):
        blocks = blocks[1:]
    if blocks and figure.rows and all(line.startswith("- ") for line in blocks[0].splitlines()):
        blocks = blocks[1:]
    index = 0
    while index < len(blocks):
        block = blocks[index]
        ran = _RAN_IN.fullmatch(block)
        if ran is not None:
            figure.seconds = float(ran.group(1))
        elif block.startswith("Profile: ") and index + 1 < len(blocks):
            code = blocks[index + 1].splitlines()
            figure.profiles[block.removeprefix("Profile: ")] = "\n".join(code[1:-1])
            index += 1
        else:
            figure.details.append(block)
        index += 1
