"""RELIABILITY.md from the outcomes: the table, the details, and the generated parts
of the security notes (the IAM matrix and who may call which route, read from
the same definitions the deployment and the API use, so they cannot drift).

The prose lives in ``chaos/RELIABILITY.template.md``; ``{{NAME}}`` markers in
it are replaced by the sections rendered here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chaos.results import Outcome

TEMPLATE = Path(__file__).with_name("RELIABILITY.template.md")
STREAM_COLUMNS = ("emitted", "stored", "lost", "duplicated_in_feeds")


def load_results(path: Path) -> dict[str, Outcome]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {name: Outcome.from_json(item) for name, item in data.items()}


def save_results(path: Path, results: dict[str, Outcome]) -> None:
    data = {name: outcome.to_json() for name, outcome in results.items()}
    path.write_text(json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")


def render(results: dict[str, Outcome], order: Iterable[str] = ()) -> str:
    ordered = [results[n] for n in order if n in results]
    ordered += [o for n, o in results.items() if o not in ordered]
    sections = {
        "RUN": _run_info(ordered),
        "TABLE": _table(ordered, [n for n in order if n not in results]),
        "DETAILS": _details([o for o in ordered if o.emitted is not None]),
        "HOSTILE": _hostile(results.get("hostile-input")),
        "PROPERTY": _property(results.get("openapi-property")),
        "LOAD": _load(results.get("api-load")),
        "IAM": _iam(),
        "ROUTES": _routes(),
        "FAILURES": _failures(ordered),
        "CHURN": _churn(results.get("term-churn"), "x_rule_versions_per_hour"),
        "CHURN_API": _churn(results.get("term-churn"), "api_changes_per_hour"),
        "LOSS_429": _loss_429(results.get("x-429-storm")),
    }
    text = TEMPLATE.read_text()
    for name, body in sections.items():
        text = text.replace("{{" + name + "}}", body.rstrip())
    return text


def _cell(value: Any) -> str:
    return "—" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _run_info(outcomes: list[Outcome]) -> str:
    profiles = sorted({o.profile for o in outcomes})
    total = sum(o.seconds for o in outcomes)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    passed = sum(o.passed for o in outcomes)
    lines = [
        f"Rendered {when} from `chaos/results.json`: {len(outcomes)} scenarios, profile "
        f"{', '.join(profiles) or '—'}, {passed} passed, {len(outcomes) - passed} failed, "
        f"{total / 60:.0f} minutes of scenario time.",
        "",
        "Which code each scenario ran (the commit checked out when its run started) and the "
        "machine's 1-minute load average when it ended (2 cores; what else ran is below):",
        "",
    ]
    by_commit: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_commit.setdefault(o.commit or "not recorded", []).append(o)
    for commit, group in by_commit.items():
        loads = [o.counts["load_average"] for o in group if "load_average" in o.counts]
        spread = f"{min(loads):g} to {max(loads):g}" if loads else "—"
        names = ", ".join(f"`{o.scenario}`" for o in group)
        lines.append(f"- `{commit}`, load {spread}: {names}")
    return "\n".join(lines)


def _table(outcomes: list[Outcome], not_run: Iterable[str] = ()) -> str:
    rows = [
        "| Scenario | Tweets emitted | Stored | Lost | Duplicated in feeds "
        "| Time to recover (load) | Result |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        recovery = "—" if o.recovery_s is None else f"{o.recovery_s:g} s"
        if o.recovery_s is not None and "load_average" in o.counts:
            recovery += f" (load {o.counts['load_average']:g})"
        result = "pass" if o.passed else "**FAIL**"
        if o.known:
            result += f", {len(o.known)} known issue{'s' if len(o.known) > 1 else ''}"
        if o.emitted is None and o.counts:
            result += f" ({_api_summary(o)})"
        cells = [_cell(getattr(o, c)) for c in STREAM_COLUMNS]
        rows.append(f"| `{o.scenario}`: {o.title} | {' | '.join(cells)} | {recovery} | {result} |")
    for name in not_run:
        rows.append(f"| `{name}` | — | — | — | — | — | **not run** at full length |")
    return "\n".join(rows)


def _api_summary(o: Outcome) -> str:
    counts = o.counts
    if o.scenario == "hostile-input":
        return f"{counts.get('requests')} requests, statuses {counts.get('statuses')}"
    if o.scenario == "openapi-property":
        return f"{counts.get('requests')} requests, statuses {counts.get('statuses')}"
    if o.scenario == "api-load":
        load = counts.get("load", {})
        parts = [f"{way}: {v['requests']} req, {v['errors']} errors" for way, v in load.items()]
        return "; ".join(parts)
    return ""


def _details(outcomes: list[Outcome]) -> str:
    out = []
    for o in outcomes:
        ran = f"{o.seconds:g} s, commit `{o.commit or 'not recorded'}`"
        if "load_average" in o.counts:
            ran += f", load {o.counts['load_average']:g}"
        out.append(f"**`{o.scenario}`** ({ran}). {o.title}.")
        for check in o.checks:
            mark = "held" if check.held else f"**broken**: {check.detail}"
            out.append(f"- {check.claim}: {mark}")
        shown = {k: v for k, v in o.counts.items() if v not in ({}, [], None)}
        if shown:
            out.append(f"- measured: `{json.dumps(shown, default=str)}`")
        out += [f"- note: {note}" for note in o.notes]
        out += [f"- known issue (reported): {item}" for item in o.known]
        out.append("")
    return "\n".join(out)


def _hostile(o: Outcome | None) -> str:
    if o is None:
        return "_Not run yet._"
    counts = o.counts
    rows = [
        "| Category | Requests | Answered 4xx | Accepted, served inert "
        "| Read, nothing hidden shown | Passed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for category, c in counts.get("by_category", {}).items():
        rows.append(
            f"| {category} | {c.get('requests', 0)} | {c.get('4xx', 0)} | "
            f"{c.get('accepted inert', 0)} | {c.get('served, nothing hidden shown', 0)} | "
            f"{c.get('passed', 0)} |"
        )
    rows.append("")
    rows.append(
        f"{counts.get('cases')} cases through {', '.join(counts.get('transports', []))}: "
        f"{counts.get('requests')} requests; statuses {counts.get('statuses')}."
    )
    rows += ["", "<details><summary>Every answer</summary>", "",
             "| Transport | Category | Case | Status | error | message | problems |",
             "|---|---|---|---:|---|---|---|"]  # fmt: skip
    for a in counts.get("answers", []):
        message = str(a["message"]).replace("|", "\\|")
        problems = "; ".join(a["problems"]).replace("|", "\\|")
        rows.append(
            f"| {a['transport']} | {a['category']} | {a['case']} | {a['status']} | "
            f"{a['error']} | {message} | {problems} |"
        )
    rows += ["", "</details>"]
    return "\n".join(rows)


def _property(o: Outcome | None) -> str:
    if o is None:
        return "_Not run yet._"
    c = o.counts
    lines = [
        f"{c.get('requests'):,} generated requests over {c.get('operations')} operations "
        f"({c.get('examples_per_operation')} per operation, as an admin and as a plain user); "
        f"statuses {c.get('statuses')}; {c.get('operations_with_a_2xx')} operations answered "
        f"2xx at least once. Result: {'pass' if o.passed else 'FAIL'}.",
    ]
    lines += [f"- {check.claim}: {'held' if check.held else check.detail}" for check in o.checks]
    return "\n".join(lines)


def _load(o: Outcome | None) -> str:
    if o is None:
        return "_Not run yet._"
    rows = ["| Path | Requests | Errors | Requests/s | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    per_op = ["", "| Path | Operation | n | p50 ms | p95 ms | p99 ms | max ms |",
              "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for way, v in o.counts.get("load", {}).items():
        a = v["all_ms"]
        rows.append(
            f"| {way} | {v['requests']} | {v['errors']} | {v['requests_per_s']} | "
            f"{a['p50']} | {a['p95']} | {a['p99']} | {a['max']} |"
        )
        for op, s in v["latency_ms"].items():
            per_op.append(
                f"| {way} | {op} | {s['n']} | {s['p50']} | {s['p95']} | {s['p99']} | {s['max']} |"
            )
    checks = [f"- {c.claim}: {'held' if c.held else c.detail}" for c in o.checks]
    return "\n".join(rows + per_op + [""] + checks)


def _iam() -> str:
    from infra.streamfeed_infra.access import MATRIX

    rows = ["| Role | Tables (read / write / read+write) | Kinesis | SQS DLQ | Key-set secrets | "
            "CloudWatch |", "|---|---|---|---|---|---|"]  # fmt: skip
    for component, access in MATRIX.items():
        levels: dict[str, list[str]] = {}
        for table, level in sorted(access.tables.items()):
            levels.setdefault(level, []).append(table)
        tables = "; ".join(f"{lvl}: {', '.join(ts)}" for lvl, ts in sorted(levels.items()))
        metrics = ", ".join(
            name for name, on in (("GetMetricData", access.read_metrics),
                                  ("PutMetricData (own namespace)", access.put_metrics)) if on
        )  # fmt: skip
        rows.append(
            f"| {component} | {tables or 'none'} | {access.stream or '—'} | "
            f"{access.queue or '—'} | {access.keyset_secrets or '—'} | {metrics or '—'} |"
        )
    return "\n".join(rows)


def _routes() -> str:
    from chalicelib.api.operations import OPERATIONS

    rows = ["| Access | Routes |", "|---|---|"]
    by_access: dict[str, list[str]] = {}
    for op in OPERATIONS:
        by_access.setdefault(op.access, []).append(f"`{op.method} {op.path}`")
    meaning = {
        "public": "anyone",
        "user": "any valid token",
        "owner": "the user named in the path (`me`) or an admin",
        "writer": "admin or service group",
        "admin": "admin group",
    }
    for access, routes in by_access.items():
        rows.append(f"| {access}: {meaning.get(access, access)} | {', '.join(routes)} |")
    return "\n".join(rows)


def _churn(o: Outcome | None, key: str) -> str:
    if o is None:
        return "not measured (not run at full length)"
    counts = o.counts
    value = counts.get(key)
    if value is None and key == "api_changes_per_hour" and counts.get("x_rule_versions"):
        changes = sum(counts.get("api_statuses", {}).values())
        value = round(changes * counts["x_rule_versions_per_hour"] / counts["x_rule_versions"])
    return f"{value:,}" if isinstance(value, int) else "not measured"


def _loss_429(o: Outcome | None) -> str:
    if o is None or o.emitted is None:
        return "not measured (not run at full length)"
    if not o.lost:
        return f"{o.emitted:,} emitted, none lost"
    away = o.counts.get("seconds_disconnected")
    return (
        f"{o.lost:,} of {o.emitted:,} lost after {away} s away, "
        f"{o.counts.get('tweets_within_backfill', 0):,} re-sent by backfill and stored"
    )


def _failures(outcomes: list[Outcome]) -> str:
    broken = [(o.scenario, c) for o in outcomes for c in o.checks if not c.held]
    if not broken:
        return "No claim is broken in the latest results."
    return "\n".join(f"- `{name}`: {c.claim}: {c.detail}" for name, c in broken)
