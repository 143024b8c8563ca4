"""GET /usage-metrics/{id}/calculate: what a metric adds up to for customers and a period
(BEHAVIOUR.md §12)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import basic
from flask.testing import FlaskClient
from usage import calculate, new_metric, ok, post_usage, problem_keys, usage_event

from emulator.rules import usage_totals

APRIL = ("2024-04-01", "2024-04-30")


def value(client: FlaskClient, metric: dict[str, Any], aliases: str = "acme") -> Any:
    return ok(calculate(client, metric["id"], aliases, *APRIL))["value"]


def test_count_covers_the_whole_last_day_of_a_bare_date_period(client: FlaskClient) -> None:
    usage_event(client, "acme", "2024-03-31T23:59:59.999Z")
    first = usage_event(client, "acme", "2024-04-01T00:00:00Z")
    last = usage_event(client, "acme", "2024-04-30T23:59:59.999999Z")
    usage_event(client, "acme", "2024-05-01T00:00:00Z")
    usage_event(client, "acme", "2024-04-10", event_type="other")
    usage_event(client, "someone-else", "2024-04-10")
    metric = new_metric(client, unit="messages")
    answer = ok(calculate(client, metric["id"], "acme", *APRIL))
    assert answer == {
        "name": "sent",
        "metricType": "SIMPLE",
        "eventType": "sent",
        "aggregationType": "COUNT",
        "eventCount": 2,
        "value": 2,
        "unit": "messages",
        "minEventId": first["id"],
        "maxEventId": last["id"],
    }


def test_a_date_time_end_is_inclusive_to_the_instant(client: FlaskClient) -> None:
    usage_event(client, "acme", "2024-04-10T12:00:00Z")
    usage_event(client, "acme", "2024-04-10T12:00:00.000001Z")
    metric = new_metric(client)
    start, end = "2024-04-10T12:00:00Z", "2024-04-10T13:00:00+01:00"  # the same instant
    assert ok(calculate(client, metric["id"], "acme", start, end))["value"] == 1


def test_no_event_gives_zero_and_no_ids(client: FlaskClient) -> None:
    answer = ok(calculate(client, new_metric(client)["id"], "acme", *APRIL))
    assert (answer["value"], answer["eventCount"], answer["minEventId"]) == (0, 0, None)


def test_sum_adds_numbers_exactly_and_skips_what_is_not_one(client: FlaskClient) -> None:
    for amount in (0.1, 0.2, "1 000,5", "2,5e1", "25", "lots", True, None):
        usage_event(client, "acme", "2024-04-02", bytes=amount)
    usage_event(client, "acme", "2024-04-02")  # no such property
    metric = new_metric(client, aggregationType="SUM", aggregationProperty="bytes")
    answer = ok(calculate(client, metric["id"], "acme", *APRIL))
    assert (answer["value"], answer["eventCount"]) == (1025.8, 4)  # 0.1 + 0.2 + 1000.5 + 25


def test_unique_counts_distinct_values_with_case_as_the_metric_says(
    client: FlaskClient,
) -> None:
    for user in ("ann", "Ann", "bob", "ann", 1, 1.0, "1"):
        usage_event(client, "acme", "2024-04-02", user=user)
    unique = {"aggregationType": "UNIQUE", "aggregationProperty": "user"}
    assert value(client, new_metric(client, **unique)) == 5  # ann, Ann, bob, 1, "1"
    assert value(client, new_metric(client, **unique, caseSensitive=False)) == 4


def test_filters_negation_and_a_missing_property(client: FlaskClient) -> None:
    usage_event(client, "acme", "2024-04-02", channel="text", region="eu")
    usage_event(client, "acme", "2024-04-02", channel="EMAIL", region="us")
    usage_event(client, "acme", "2024-04-02", channel="fax", region="eu")
    usage_event(client, "acme", "2024-04-02", region="eu")  # no channel: never passes
    channels = {"channel": ["text", "email"]}
    assert value(client, new_metric(client, propertyFilters=channels)) == 1
    assert value(client, new_metric(client, propertyFilters=channels, caseSensitive=False)) == 2
    negated = new_metric(client, propertyFilters=channels, propertiesToNegate=["channel"])
    assert value(client, negated) == 2  # EMAIL and fax
    both = {"channel": ["fax", "text"], "region": ["us"]}
    assert value(client, new_metric(client, propertyFilters=both, propertiesToNegate=["region"]))
    assert value(client, new_metric(client, propertyFilters=both)) == 0


def test_only_the_last_version_counts_and_void_removes_an_event(client: FlaskClient) -> None:
    body = {"customerAlias": "acme", "eventType": "sent", "eventTimestamp": "2024-04-02"}
    metric = new_metric(client, aggregationType="SUM", aggregationProperty="n")
    ok(post_usage(client, **body, customerEventId="k", eventProperties={"n": 5}), 201)
    ok(post_usage(client, **body, customerEventId="k", eventProperties={"n": 7}), 201)
    ok(post_usage(client, **body, customerEventId="j", eventProperties={"n": 1}), 201)
    assert value(client, metric) == 8
    void = body | {"customerAlias": "VOID", "customerEventId": "j", "eventProperties": {"n": 1}}
    ok(post_usage(client, **void), 201)
    assert value(client, metric) == 7
    assert value(client, metric, "VOID") == 0  # VOID is no customer


def test_a_customer_stands_for_all_its_aliases_and_its_id(client: FlaskClient) -> None:
    body = {
        "legalName": "Acme",
        "address": {"line1": "1 Road", "town": "London", "postcode": "N1", "country": "GB"},
        "contacts": [],
        "taxStatus": "TAXED",
        "customerAliases": ["acme", "acme-eu"],
    }
    customer = ok(client.post("/customers", json=body, headers=basic()), 201)
    for alias in ("acme", "acme-eu", customer["id"], "loose"):
        usage_event(client, alias, "2024-04-02")
    metric = new_metric(client)
    assert value(client, metric, customer["id"]) == 3
    assert value(client, metric, "acme-eu") == 3
    assert value(client, metric, "loose,acme") == 4


def test_editing_a_metric_changes_the_next_calculation(client: FlaskClient) -> None:
    usage_event(client, "acme", "2024-04-02", n=4)
    usage_event(client, "acme", "2024-04-03", n=6)
    metric = new_metric(client)
    assert value(client, metric) == 2
    body = {"name": "n", "metricType": "SIMPLE", "eventType": "sent", "aggregationType": "SUM"}
    path = f"/usage-metrics/{metric['id']}"
    ok(client.put(path, json=body | {"aggregationProperty": "n"}, headers=basic()))
    assert value(client, metric) == 10


def test_a_custom_metric_is_a_clear_400(client: FlaskClient) -> None:
    metric = new_metric(client, aggregationType="CUSTOM")
    response = calculate(client, metric["id"], "acme", *APRIL)
    assert problem_keys(response) == {"usageMetricId"}
    assert "not emulated" in response.get_json()["error"]["errors"][0]["message"]


def test_bad_parameters_are_named(client: FlaskClient) -> None:
    metric = new_metric(client)
    backwards = calculate(client, metric["id"], "acme", "2024-04-30", "2024-04-01")
    assert problem_keys(backwards) == {"periodEnd"}
    assert problem_keys(calculate(client, metric["id"], "acme", "soon", "2024-04-01")) == {
        "periodStart"
    }
    missing = client.get(f"/usage-metrics/{metric['id']}/calculate", headers=basic())
    assert problem_keys(missing) == {"customerAliases", "periodStart", "periodEnd"}
    many = ",".join(f"c{index}" for index in range(26))
    assert problem_keys(calculate(client, metric["id"], many, *APRIL)) == {"customerAliases"}


METRICS: dict[str, dict[str, Any]] = {
    "count": {},
    "sum": {"aggregationType": "SUM", "aggregationProperty": "n"},
    "unique": {"aggregationType": "UNIQUE", "aggregationProperty": "u", "caseSensitive": False},
    "count a": {"propertyFilters": {"kind": ["a"]}},
    "sum not a": {
        "aggregationType": "SUM",
        "aggregationProperty": "n",
        "propertyFilters": {"kind": ["a"]},
        "propertiesToNegate": ["kind"],
    },
}
PERIODS = (
    ("2024-04-01", "2024-04-30"),
    ("2024-04-02", "2024-04-03"),
    ("2024-04-01T10:00:00Z", "2024-04-04T09:00:00Z"),
    ("2024-04-02T00:30:00Z", "2024-04-02T00:30:00Z"),
    ("2024-04-03T05:00:00Z", "2024-04-03T20:00:00Z"),
)


def expected(events: list[dict[str, Any]], name: str, start: str, end: str) -> list[Any]:
    """What a metric of METRICS adds up to, from the effective events themselves."""
    low, high = start if "T" in start else start + "T00:00:00Z", end
    if "T" not in end:
        high = end + "T23:59:59.999999Z"
    fields = METRICS[name]
    chosen = []
    for event in events:
        at, props = event["eventTimestamp"], event["eventProperties"]
        if not low <= at <= high:  # every timestamp here is written the same way
            continue
        wanted = fields.get("propertyFilters", {}).get("kind")
        if wanted and (
            "kind" not in props
            or (props["kind"] in wanted) == bool(fields.get("propertiesToNegate"))
        ):
            continue
        prop = fields.get("aggregationProperty")
        if prop and prop not in props:
            continue
        chosen.append(event)
    ids = [event["id"] for event in chosen]
    kind = fields.get("aggregationType", "COUNT")
    props = [event["eventProperties"] for event in chosen]
    value = {
        "COUNT": len(chosen),
        "SUM": sum(p.get("n", 0) for p in props),
        "UNIQUE": len({p["u"].casefold() for p in props if "u" in p}),
    }[kind]
    return [value, len(chosen), min(ids, default=None), max(ids, default=None)]


@pytest.mark.parametrize("few_values", [usage_totals.FEW_VALUES, 0])
def test_totals_kept_on_write_agree_with_adding_up_every_event(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, few_values: int
) -> None:
    # Metrics made before the events keep totals on every write (supersession, VOID); the
    # same metrics made after add theirs up from the stored events; both must match the events.
    # UNIQUE joins the part-days' values to the whole days' counted by the database, or, past
    # a few, read (few_values 0 takes that way every time).
    monkeypatch.setattr(usage_totals, "FEW_VALUES", few_values)
    early = {name: new_metric(client, **fields) for name, fields in METRICS.items()}
    for n in range(90):
        day, hour = 1 + (n * 7) % 5, (n * 5) % 24
        properties: dict[str, Any] = {"kind": ("a", "b", "A")[n % 3], "u": "xyzX"[n % 4]}
        if n % 5:
            properties["n"] = n % 7
        body = {
            "customerAlias": ("acme", "VOID", "beta")[n % 3 if n % 4 else 0],
            "eventType": "sent" if n % 11 else "other",
            "customerEventId": f"k{n % 23}",  # later events supersede earlier ones
            "eventTimestamp": f"2024-04-0{day}T{hour:02d}:30:00Z",
            "eventProperties": properties,
        }
        ok(post_usage(client, **body), 201)
    late = {name: new_metric(client, **fields) for name, fields in METRICS.items()}
    for aliases in ("acme", "acme,beta", "beta"):
        query = "&".join(f"customerAlias={alias}" for alias in aliases.split(","))
        listed = ok(client.get(f"/usage-events?{query}&eventType=sent&limit=100", headers=basic()))
        for start, end in PERIODS:
            for name in METRICS:
                want = expected(listed["items"], name, start, end)
                for metric in (early[name], late[name]):
                    answer = ok(calculate(client, metric["id"], aliases, start, end))
                    fields = ("value", "eventCount", "minEventId", "maxEventId")
                    assert [answer[f] for f in fields] == want, (name, aliases, start, end)


def test_a_deleted_metric_keeps_no_totals_and_a_new_one_starts_from_the_events(
    client: FlaskClient,
) -> None:
    usage_event(client, "acme", "2024-04-02", n=4)
    metric = new_metric(client, aggregationType="SUM", aggregationProperty="n")
    ok(client.delete(f"/usage-metrics/{metric['id']}", headers=basic()))
    usage_event(client, "acme", "2024-04-03", n=6)
    again = new_metric(client, aggregationType="SUM", aggregationProperty="n")
    assert value(client, again) == 10
    assert calculate(client, metric["id"], "acme", *APRIL).status_code == 404


def test_long_values_count_as_distinct_values_and_are_stored(client: FlaskClient) -> None:
    unique = new_metric(client, aggregationType="UNIQUE", aggregationProperty="u")
    for text in ("a" * 8000, "a" * 8000, "a" * 7999 + "b", "short"):
        usage_event(client, "acme", "2024-04-02", u=text)
    assert value(client, unique) == 3
    again = new_metric(client, aggregationType="UNIQUE", aggregationProperty="u")
    assert value(client, again) == 3


def test_a_sum_stays_exact_when_a_huge_amount_is_superseded(client: FlaskClient) -> None:
    body = {"customerAlias": "acme", "eventType": "sent", "eventTimestamp": "2024-04-02"}
    summed = new_metric(client, aggregationType="SUM", aggregationProperty="n")
    ok(post_usage(client, **body, customerEventId="a", eventProperties={"n": 10**28}), 201)
    ok(post_usage(client, **body, customerEventId="b", eventProperties={"n": 1}), 201)
    ok(post_usage(client, **body, customerEventId="a", eventProperties={"n": 0}), 201)
    after = new_metric(client, aggregationType="SUM", aggregationProperty="n")
    assert value(client, summed) == value(client, after) == 1


def test_an_amount_beyond_ten_to_the_thousand_is_skipped_not_a_failure(
    client: FlaskClient,
) -> None:
    summed = new_metric(client, aggregationType="SUM", aggregationProperty="n")
    usage_event(client, "acme", "2024-04-02", n="1" + "0" * 100_000)
    usage_event(client, "acme", "2024-04-02", n=2)
    assert ok(calculate(client, summed["id"], "acme", *APRIL))["eventCount"] == 1
    assert value(client, new_metric(client, aggregationType="SUM", aggregationProperty="n")) == 2


def test_events_on_the_last_day_a_date_can_name_supersede_and_count(client: FlaskClient) -> None:
    metric = new_metric(client)
    body = {"customerAlias": "acme", "eventType": "sent"}
    for key, at in (("a", "01:00:00Z"), ("b", "02:00:00Z"), ("b", "03:00:00Z")):
        stamp = f"9999-12-31T{at}"
        ok(post_usage(client, **body, customerEventId=key, eventTimestamp=stamp), 201)
    last = "9999-12-31T23:59:59.999999Z"
    ok(post_usage(client, **body, customerEventId="c", eventTimestamp=last), 201)
    for end in ("9999-12-31", last):
        answer = ok(calculate(client, metric["id"], "acme", "9999-12-31", end))
        assert answer["value"] == 3, end


def test_a_period_may_end_on_the_last_day_a_date_can_name(client: FlaskClient) -> None:
    usage_event(client, "acme", "9999-12-31T23:00:00Z")
    metric = new_metric(client)
    answer = ok(calculate(client, metric["id"], "acme", "9999-12-31", "9999-12-31"))
    assert answer["value"] == 1
