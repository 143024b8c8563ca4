"""The arithmetic of usage metrics, without HTTP or a database (BEHAVIOUR.md §12)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from emulator.domain.usage_calculation import (
    CustomMetricError,
    MetricRule,
    Tally,
    number,
    period_end,
    value_text,
)
from emulator.domain.usage_metrics import UsageMetric, counts_differently

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def metric(**fields: Any) -> UsageMetric:
    values: dict[str, Any] = {
        "id": "m",
        "account_id": "a",
        "name": "m",
        "metric_type": "SIMPLE",
        "event_type": "sent",
        "aggregation_type": "COUNT",
        "description": None,
        "aggregation_property": None,
        "grouping_property": None,
        "unit": None,
        "property_filters": {},
        "case_sensitive": None,
        "properties_to_negate": None,
        "created_at": EPOCH,
    }
    return UsageMetric(**values | fields)


@pytest.mark.parametrize(
    ("text", "exclusive_end"),
    [
        ("2024-04-30", datetime(2024, 5, 1, tzinfo=timezone.utc)),
        ("2024-04-30T10:00:00Z", datetime(2024, 4, 30, 10, 0, 0, 1, tzinfo=timezone.utc)),
        ("2024-04-30T12:00:00+02:00", datetime(2024, 4, 30, 10, 0, 0, 1, tzinfo=timezone.utc)),
    ],
)
def test_a_period_end_is_inclusive_and_a_bare_date_covers_its_day(
    text: str, exclusive_end: datetime
) -> None:
    assert period_end(text) == exclusive_end


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),
        ("1 000,5", Decimal("1000.5")),
        ("-12.25", Decimal("-12.25")),
        ("1\u2009234\u2009567", Decimal(1234567)),
        ("1 00", None),  # groups are threes
        ("1e3", None),
        (True, None),
        (None, None),
        ("", None),
        ({"n": 1}, None),
    ],
)
def test_numbers_are_json_numbers_or_iso_31_0_text(value: Any, expected: Decimal | None) -> None:
    assert number(value) == expected


def test_values_compare_as_json_values() -> None:
    assert value_text(1, True) == value_text(1.0, True) == value_text(1e0, True)
    assert value_text(100, True) == value_text(1e2, True) == value_text(100.0, True) == "n:1e2"
    assert value_text(10**28, True) != value_text(10**28 + 1, True)  # exact, not to 28 digits
    assert value_text(0, True) == value_text(-0.0, True) == value_text(0.000, True)
    assert value_text(0.5, True) == value_text(0.50, True) != value_text(0.05, True)
    assert value_text(1, True) != value_text("1", True)
    assert value_text(True, True) != value_text(1, True)
    assert value_text("Ann", True) != value_text("ann", True)
    assert value_text("Ann", False) == value_text("ann", False)
    assert value_text({"a": 1, "b": 2}, True) == value_text({"b": 2, "a": 1}, True)
    assert value_text(None, True) != value_text("null", True)


def test_a_value_too_long_or_unstorable_for_a_key_is_kept_as_its_hash() -> None:
    long, other = "x" * 8000, "x" * 7999 + "y"
    assert value_text(long, True) == value_text("x" * 8000, True) != value_text(other, True)
    assert len(value_text(long, True)) < 100
    for odd in ("a\x00b", "\ud800"):
        key = value_text(odd, True)
        assert key.startswith("h:") and key.isascii()


def test_amounts_beyond_ten_to_the_thousand_are_not_numbers() -> None:
    assert number("1" + "0" * 1000) == Decimal(10) ** 1000
    assert number("1" + "0" * 1001) is None
    assert number(10**1001) is None
    assert number("0," + "0" * 2000 + "1") is None
    assert number("0") == 0


def test_sums_are_exact_however_far_apart_their_amounts() -> None:
    counted = Tally()
    for amount in (Decimal(10) ** 28, Decimal(1), -(Decimal(10) ** 28), Decimal("1e-900")):
        counted.merge(1, amount, "a", "a")
    assert counted.result("SUM").value == Decimal("1." + "0" * 899 + "1")


def tally(rule: MetricRule, events: list[tuple[str, dict[str, Any]]]) -> Tally:
    counted = Tally()
    for event_id, properties in events:
        part = rule.contribution(properties)
        if part is not None:
            counted.count(event_id, part)
    return counted


def test_sum_skips_what_is_no_number_and_keeps_the_ids_that_count() -> None:
    rule = MetricRule(metric(aggregation_type="SUM", aggregation_property="n"))
    counted = tally(rule, [("b", {"n": "2,5"}), ("a", {"n": "many"}), ("c", {"n": 1})])
    result = counted.result("SUM")
    assert (result.value, result.event_count) == (Decimal("3.5"), 2)
    assert (result.min_event_id, result.max_event_id) == ("b", "c")


def test_unique_counts_distinct_values_of_the_events_holding_the_property() -> None:
    rule = MetricRule(
        metric(aggregation_type="UNIQUE", aggregation_property="u", case_sensitive=False)
    )
    events = [
        ("a", {"u": "Ann"}),
        ("b", {"u": "ann"}),
        ("c", {}),
        ("d", {"u": 2}),
        ("e", {"u": 2.0}),
    ]
    result = tally(rule, events).result("UNIQUE")
    assert (result.value, result.event_count) == (Decimal(2), 4)


def test_totals_kept_elsewhere_merge_with_events_counted_one_by_one() -> None:
    rule = MetricRule(metric(aggregation_type="SUM", aggregation_property="n"))
    counted = tally(rule, [("m", {"n": 2})])
    counted.merge(3, Decimal("1.5"), "k", "l")
    counted.merge(1, Decimal(4), "z", "z")
    result = counted.result("SUM")
    assert (result.event_count, result.value) == (5, Decimal("7.5"))
    assert (result.min_event_id, result.max_event_id) == ("k", "z")
    assert counted.result("COUNT").value == 5


def test_a_negated_filter_passes_values_not_listed_but_never_a_missing_property() -> None:
    rule = MetricRule(
        metric(property_filters={"c": ["fax"]}, properties_to_negate=["c"], case_sensitive=False)
    )
    assert rule.passes({"c": "text"})
    assert not rule.passes({"c": "FAX"})
    assert not rule.passes({})


def test_a_custom_metric_is_refused() -> None:
    with pytest.raises(CustomMetricError):
        MetricRule(metric(aggregation_type="CUSTOM"))


def test_only_an_edit_of_what_counts_makes_the_totals_add_up_again() -> None:
    before = metric(property_filters={"c": ["x"]})
    assert not counts_differently(before, replace(before, name="renamed", unit="messages"))
    assert counts_differently(before, replace(before, property_filters={"c": ["y"]}))
    assert counts_differently(before, replace(before, case_sensitive=False))
    assert counts_differently(before, replace(before, event_type="other"))
