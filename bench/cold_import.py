"""Figure 8: what each Lambda function imports on a cold start, before and after the split.

All three functions (API, authorizer, consumer) import ``app.py``, then each
imports what its first call needs. "Before" is ``app.py`` and ``chalicelib`` of
the commit before issue 18's layout (taken with ``git archive``); "after" is
this tree. Each sample is a fresh interpreter that hides the project's
editable install, imports from one tree only, and writes no bytecode: Lambda's
``/var/task`` is read-only, so our modules compile on every cold start there
too (the libraries here are precompiled, so the absolute figures understate
Lambda's). Variants alternate; medians of CPU time.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from statistics import median
from typing import Any, Final

from bench.context import Context
from bench.harness import PROJECT_ROOT, Figure, alternate

#: The last commit before issue 18 moved the tools and the streamer out of chalicelib.
BEFORE_COMMIT: Final = "2668273"
PATHS: Final = ("app.py", "chalicelib")
FUNCTIONS: Final = ("import app", "authorizer", "API", "consumer")
#: What each function's first call imports beyond app.py (the same modules in both trees).
FIRST_CALL: Final = {
    "authorizer": "authorizer",
    "API": "chalicelib.api.dispatch",
    "consumer": "chalicelib.consumer.handler",
}
#: A cognito stage: the authorizer builds its verifier without any network call.
ENV: Final = {
    "STREAMFEED_STAGE": "bench",
    "STREAMFEED_AUTH_MODE": "cognito",
    "STREAMFEED_COGNITO_USER_POOL_ID": "us-east-1_bench",
    "STREAMFEED_COGNITO_CLIENT_IDS": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}

SAMPLE: Final = r"""
import json, sys, time
tree, function = sys.argv[1], sys.argv[2]
sys.meta_path = [f for f in sys.meta_path if "__editable__" not in type(f).__module__]
sys.path.insert(0, tree)
started = time.process_time()
import app
if function == "authorizer":
    from chalice.app import AuthRequest
    app.jwt_auth.func(AuthRequest("TOKEN", "Bearer not.a.jwt", "arn:aws:execute-api:x"))
elif function != "import app":
    __import__(sys.argv[3])
cpu_ms = (time.process_time() - started) * 1000
mods = sys.modules
outside = [m.__file__ for n, m in mods.items() if n.split(".")[0] in ("app", "chalicelib")
           and getattr(m, "__file__", None) and not m.__file__.startswith(tree)]
print(json.dumps({"cpu_ms": cpu_ms, "modules": len(mods), "pynamodb": "pynamodb" in mods,
                  "boto3": "boto3" in mods, "outside": outside}))
"""


def extract_before(into: Path) -> Path:
    """``app.py`` and ``chalicelib`` as they were at :data:`BEFORE_COMMIT`."""
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", BEFORE_COMMIT, *PATHS],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def copy_now(work: Path) -> Path:
    """This tree's ``app.py`` and ``chalicelib`` without bytecode, as ``chalice package`` ships."""
    into = work / "after-layout"
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    shutil.copy2(PROJECT_ROOT / "app.py", into / "app.py")
    shutil.copytree(
        PROJECT_ROOT / "chalicelib",
        into / "chalicelib",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return into


def sample(tree: Path, function: str) -> dict[str, Any]:
    args = [sys.executable, "-I", "-B", "-c", SAMPLE, str(tree), function]
    if function in FIRST_CALL:
        args.append(FIRST_CALL[function])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMFEED_", "AWS_"))}
    done = subprocess.run(
        args, cwd=tree, env={**env, **ENV}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{function} in {tree}: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])  # after log lines
    if result["outside"]:
        raise RuntimeError(f"{tree} imported project code from elsewhere: {result['outside'][:3]}")
    return result


def run(ctx: Context) -> Figure:
    figure = Figure("8", "Cold start: what each Lambda function imports, before and after")
    trees = {"after": copy_now(ctx.work)}
    try:
        trees["before"] = extract_before(ctx.work / "before-layout")
    except subprocess.CalledProcessError:  # a shallow clone lacks the commit
        figure.note(f"_'before' not measured: commit `{BEFORE_COMMIT}` is not in this clone._")
    rounds = {"full": 15, "quick": 3}.get(ctx.scale.name, 1)
    samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for _, which in alternate(rounds, list(trees)):
        for function in FUNCTIONS:
            samples.setdefault((function, which), []).append(sample(trees[which], function))
    for function in FUNCTIONS:
        after = samples[function, "after"]
        cpu_after = median(s["cpu_ms"] for s in after)
        figure.add(f"{function}: CPU, after", cpu_after, "ms")
        figure.add(f"{function}: modules loaded, after", after[0]["modules"])
        before = samples.get((function, "before"))
        if before:
            cpu_before = median(s["cpu_ms"] for s in before)
            figure.add(f"{function}: CPU, before", cpu_before, "ms")
            figure.add(f"{function}: modules loaded, before", before[0]["modules"])
            figure.add(f"{function}: CPU before / after", cpu_before / cpu_after, "x")
    lean = samples["authorizer", "after"][0]
    figure.add(
        "authorizer loads PynamoDB or boto3",
        "yes" if lean["pynamodb"] or lean["boto3"] else "no",
        goal="no",
        met=not (lean["pynamodb"] or lean["boto3"]),
    )
    figure.note(
        f"{rounds} alternating round(s) of a fresh `python -I -B` per function and tree; "
        f"'before' is `{BEFORE_COMMIT}` (the commit before the layout change). The authorizer "
        "sample runs `jwt_auth` once on a malformed token with Cognito settings; the API and "
        "consumer samples import the module their first call imports."
    )
    return figure
