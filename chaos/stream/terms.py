"""Terms changing while tweets flow: one term flapping, and thousands of changes an hour.

Changes go through the API, as an operator makes them; the streamer picks
them up at its next poll and changes X's rules in place, without reconnecting.
Ground truth follows the rules X had at each moment, so "nothing lost"
includes every tweet X matched for a term while it was briefly active.
"""

from __future__ import annotations

import time
from collections import Counter

from chalicelib.terms import term_id_for
from chaos.results import Outcome
from chaos.stream.accounting import StoreProbe, check_feeds
from chaos.stream.apiclient import ApiClient
from chaos.stream.rig import Rig
from chaos.stream.window import Window


def admin_api(rig: Rig) -> ApiClient:
    endpoints = rig.running.endpoints
    assert endpoints is not None and endpoints.api_url is not None
    return ApiClient(endpoints.api_url, rig.running.token("chaos-ops", admin=True))


def x_rule_tags(rig: Rig) -> set[str]:
    return {str(rule.get("tag")) for rule in rig.fake.rules()}


def _until(rig: Rig, check: object, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        if time.monotonic() - started > timeout:
            raise TimeoutError("X's rules did not follow the terms table")
        time.sleep(0.1)
    return time.monotonic() - started


def term_flap(rig: Rig, flaps: int = 2) -> Outcome:
    """Disable and re-enable a followed term, then delete and re-create it, while flowing."""
    api = admin_api(rig)
    value = rig.options.terms[-1]
    term = term_id_for(value)
    follower = next(u for u, terms in rig.subscriptions.items() if terms == {term})
    window = Window(rig, "term-flap", f"a followed term disabled and re-enabled {flaps} times, "
                    "then deleted and re-created, while tweets flow")  # fmt: skip
    window.calm(rig.profile.calm)
    lags: list[float] = []
    for _ in range(flaps):
        api.ok("PATCH", f"/terms/{term}", {"enabled": False})
        lags.append(_until(rig, lambda: term not in x_rule_tags(rig)))
        window.calm(rig.profile.calm)
        api.ok("PATCH", f"/terms/{term}", {"enabled": True})
        lags.append(_until(rig, lambda: term in x_rule_tags(rig)))
        window.calm(rig.profile.calm)
    # Deleting a term deletes its subscriptions: the follower's feed is checked only
    # for the flaps above, then the follower subscribes again to the re-created term.
    # Everything X matched up to here is fanned out to the follower before the delete
    # takes the subscription away (later tweets are not the follower's any more).
    deleted_at = rig.fake.slot_now()
    flapped = rig.fake.emitted(window.first_slot, deleted_at)
    StoreProbe(rig.settings).wait_for(flapped, rig.profile.settle_timeout)
    api.ok("DELETE", f"/terms/{term}")
    lags.append(_until(rig, lambda: term not in x_rule_tags(rig)))
    window.calm(rig.profile.calm)
    created = api.ok("POST", "/terms", {"value": value})
    lags.append(_until(rig, lambda: term in x_rule_tags(rig)))
    follower_api = ApiClient(api.base_url, rig.running.token(follower))
    follower_api.ok("PUT", f"/users/me/subscriptions/{term}")
    window.fault_over()
    window.calm(rig.profile.calm)
    others = {u: t for u, t in rig.subscriptions.items() if u != follower}
    outcome = window.finish(subscriptions=others)
    stored = StoreProbe(rig.settings).stored(flapped)
    feeds = check_feeds(rig.settings, {follower: {term}}, {t: set(flapped[t]) for t in stored})
    outcome.duplicated_in_feeds = (outcome.duplicated_in_feeds or 0) + feeds.duplicates
    outcome.check(
        f"{follower}, who follows the flapping term, got each of its tweets once",
        feeds.duplicates == feeds.missing == feeds.unexpected == 0,
        f"duplicates={feeds.duplicates} missing={feeds.missing} unexpected={feeds.unexpected}",
    )
    outcome.counts.update(
        {
            "rule_follow_seconds": [round(lag, 1) for lag in lags],
            "recreated_term_id_unchanged": created["term_id"] == term,
        }
    )
    outcome.check("re-creating the rule gives the same term id", created["term_id"] == term)
    outcome.check(
        "X's rules followed every change without a reconnect",
        outcome.counts["reconnects"] == 0, f"{outcome.counts['reconnects']} reconnects",
    )  # fmt: skip
    return outcome


def term_churn(rig: Rig, changes: int, per_second: float) -> Outcome:
    """``changes`` creations and deletions of a pool of terms at ``per_second``."""
    api = admin_api(rig)
    window = Window(
        rig, "term-churn",
        f"{changes} term changes at {per_second:g}/s ({per_second * 3600:,.0f} an hour)",
    )  # fmt: skip
    version_before = int(rig.fake.engine.rules.current.number)
    window.calm(rig.profile.calm)
    pool = [f"#churn{i} OR churnword{i}" for i in range(12)]
    live: set[str] = set()
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    for n in range(changes):
        value = pool[n % len(pool)]
        term = term_id_for(value)
        if term in live:
            call = api.request("DELETE", f"/terms/{term}")
            live.discard(term)
        else:
            call = api.request("POST", "/terms", {"value": value})
            live.add(term)
        statuses[call.status] += 1
        pause = started + (n + 1) / per_second - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    elapsed = time.monotonic() - started
    stable = set(rig.term_ids)
    converge = _until(rig, lambda: x_rule_tags(rig) == stable | live)
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    versions = int(rig.fake.engine.rules.current.number) - version_before
    latencies = sorted(call.seconds for call in api.calls)
    outcome.counts.update(
        {
            "api_statuses": {str(k): v for k, v in statuses.items()},
            "api_p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
            "x_rule_versions": versions,
            "x_rule_versions_per_hour": round(versions * 3600 / max(elapsed, 1e-9)),
            "api_changes_per_hour": round(changes * 3600 / max(elapsed, 1e-9)),
            "converged_after_s": round(converge, 1),
        }
    )
    outcome.check(
        "every term change was accepted (201/204)",
        set(statuses) <= {201, 204}, f"{dict(statuses)}",
    )  # fmt: skip
    outcome.check(
        "X's rules converged to the terms table",
        x_rule_tags(rig) == stable | live,
    )
    outcome.check(
        "the streamer stayed connected (rules changed in place)",
        outcome.counts["reconnects"] == 0, f"{outcome.counts['reconnects']} reconnects",
    )  # fmt: skip
    # Clean up: remove the churn terms still there, so later windows see the base rules.
    for term in sorted(live):
        api.request("DELETE", f"/terms/{term}")
    _until(rig, lambda: x_rule_tags(rig) == stable)
    return outcome
