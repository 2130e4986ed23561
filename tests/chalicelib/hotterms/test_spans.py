"""The hot-term rule (``hotterms.spans``), without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.hotterms.spans import (
    MAX_SPANS,
    Span,
    cold_below,
    format_spans,
    is_hot,
    is_pulled,
    next_spans,
    parse_spans,
)

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
LEAD = timedelta(seconds=60)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_a_term_turns_hot_at_the_threshold_a_lead_ahead() -> None:
    assert next_spans((), 999, 1000, T0, LEAD) is None
    spans = next_spans((), 1000, 1000, T0, LEAD)
    assert spans == (Span(T0 + LEAD),)
    assert is_hot(spans)
    assert not is_pulled(spans, T0 + LEAD - timedelta(microseconds=1))
    assert is_pulled(spans, T0 + LEAD) and is_pulled(spans, minutes(10_000))


def test_hysteresis_keeps_it_hot_down_to_half_the_threshold() -> None:
    hot = (Span(minutes(0)),)
    for count in (5000, 1000, 999, cold_below(1000)):
        assert next_spans(hot, count, 1000, minutes(5), LEAD) is None
    cooled = next_spans(hot, cold_below(1000) - 1, 1000, minutes(5), LEAD)
    assert cooled == (Span(minutes(0), minutes(5) + LEAD),)
    assert not is_hot(cooled)
    assert is_pulled(cooled, minutes(6) - timedelta(microseconds=1))
    assert not is_pulled(cooled, minutes(6))
    assert next_spans(cooled, 10, 1000, minutes(7), LEAD) is None  # cold stays cold
    again = next_spans(cooled, 1000, 1000, minutes(20), LEAD)
    assert again == (*cooled, Span(minutes(20) + LEAD))
    assert [is_pulled(again, minutes(m)) for m in (3, 10, 21.5)] == [True, False, True]


def test_a_span_that_never_started_is_forgotten_and_zero_switches_pulling_off() -> None:
    announced = (Span(minutes(1)),)
    assert next_spans(announced, 0, 1000, minutes(0), timedelta(0)) == ()
    assert next_spans((Span(minutes(0)),), 5000, 0, minutes(3), LEAD) == (
        Span(minutes(0), minutes(4)),
    )
    assert next_spans((), 5000, 0, minutes(3), LEAD) is None


def test_spans_round_trip_through_their_stored_text_and_are_capped() -> None:
    spans = (Span(minutes(0), minutes(1)), Span(minutes(2)))
    texts = format_spans(spans)
    assert texts == ["2026-12-04T12:00:00.000000Z/2026-12-04T12:01:00.000000Z",
                     "2026-12-04T12:02:00.000000Z/"]  # fmt: skip
    assert parse_spans(texts) == spans
    full = tuple(Span(minutes(2 * i), minutes(2 * i + 1)) for i in range(MAX_SPANS))
    assert next_spans(full, 10**6, 1000, minutes(1000), LEAD) is None
