"""The benchmark's results as one Markdown table: every figure beside its baseline and ratio."""

from __future__ import annotations

from typing import Any

from bench.measures import STORE_KINDS
from bench.servers import REFERENCE_RELEASE
from bench.usage import CALCULATED_EVENTS

POSTS = (
    ("post", "POST /seat-events, `serve`, 1 process, memory"),
    ("post_workers_2_sqlite", "POST /seat-events, `serve --workers 2`, SQLite file"),
    ("post_postgresql", "POST /seat-events, `serve`, 1 process, PostgreSQL"),
)
OTHERS = (
    ("baseline", "plain Flask, same server"),
    ("prism", "Prism mock, same document"),
    ("reference", f"release {REFERENCE_RELEASE}, same server"),
)


def table(r: dict[str, Any]) -> str:
    """The results as one Markdown table."""
    head = f"{r['date']} · {r['machine']} · load: {r['load_generator']}"
    head += f", {r['seconds_per_run']:g} s x {r['runs']} runs (medians)"
    head += f", each after {r.get('warmup_seconds', 0):g} s unmeasured · Prism: {r['prism']}"
    lines = [head, "", _row("figure", "emulator", "baseline", "ratio"), _row(*["---"] * 4)]
    for key, label in POSTS:
        lines += _post_rows(r[key], label)
    if "bench_url" in r:
        u = r["bench_url"]
        lines.append(_row("BENCH_URL POST: requests/s, p50 / p99 ms", f"{u['rps']:.0f}, {_ms(u)}"))
    lines += _usage_rows(r["post_usage"], r["calculate"])
    lines += _read_rows(r["reads"])
    lines += _process_rows(r)
    return "\n".join(lines)


def _post_rows(p: dict[str, Any], label: str) -> list[str]:
    e = p["emulator"]
    rows = [
        _row(
            f"{label}: requests/s vs {name}",
            f"{e['rps']:.0f}",
            f"{p[key]['rps']:.0f}",
            f"{p[f'{key}_ratio']:.2f}",
        )
        for key, name in OTHERS
        if key in p
    ]
    rows.append(_row(f"{label}: p50 / p99 ms", _ms(e), _ms(p["baseline"]) + " (plain Flask)"))
    rows.append(_row(f"{label}: p99 / p50", f"{e['p99_ms'] / e['p50_ms']:.1f}", "", ""))
    return rows


def _usage_rows(post: dict[str, Any], calculated: list[dict[str, Any]]) -> list[str]:
    u, s = post["usage"], post["seat"]
    lines = [
        _row(
            "POST /usage-events, 1 process, memory: requests/s",
            f"{u['rps']:.0f}",
            f"{s['rps']:.0f} (POST /seat-events)",
            f"{post['ratio']:.2f}",
        ),
        _row("POST /usage-events: p50 / p99 ms", _ms(u), _ms(s)),
    ]
    for row in calculated:
        lines.append(
            _row(
                f"calculate p50, {row['metric']}, {row['store']}, 1 customer,"
                f" {CALCULATED_EVENTS:,} events in the period ({row['events']:,} counted)",
                f"{row['p50_ms']:.2f} ms",
                "20 ms (target)",
                f"{row['p50_ms'] / 20:.2f}",
            )
        )
        lines.append(
            _row(
                f"POST /usage-metrics ({row['metric']}, {row['store']}): adds up the totals"
                f" of {CALCULATED_EVENTS:,} stored events",
                f"{row['create_ms']:.0f} ms",
                "",
                "",
            )
        )
    return lines


def _process_rows(r: dict[str, Any]) -> list[str]:
    m, c, s, f = r["memory"], r["create_app"], r["startup"], r["fixture"]
    return [
        _row(
            f"memory per stored event, {m['events']:,} events",
            f"{m['bytes_per_event']:.0f} B",
            f"{m['dicts_bytes_per_event']:.0f} B (JSON dicts in a list)",
            f"{m['ratio']:.2f}",
        ),
        _row(
            "create_app, after the first of a process",
            f"{c['later_ms']:.1f} ms (first {c['first_ms']:.0f} ms)",
            f"{c['plain_ms']:.2f} ms (a Flask app with one route)",
            f"{c['later_ms'] / c['plain_ms']:.0f}",
        ),
        _row(
            "start-up to first 201",
            f"{s['emulator_s']:.2f} s",
            f"{s['baseline_s']:.2f} s (plain Flask, granian's command)",
            f"{s['ratio']:.2f}",
        ),
        _row(
            "fixture per test: reset + one POST",
            f"{f['emulator_ms']:.2f} ms",
            f"{f['baseline_ms']:.2f} ms (one POST, plain Flask)",
            f"{f['ratio']:.2f}",
        ),
    ]


def _read_rows(reads: list[dict[str, Any]]) -> list[str]:
    rows = []
    for kind in STORE_KINDS:
        found = [row for row in reads if row["store"] == kind]
        for metric, label in (
            ("balances_p50_ms", "GET /seat-balances"),
            ("first_page_p50_ms", "GET /seat-events first page"),
        ):
            smallest = found[0]
            for row in found:
                rows.append(
                    _row(
                        f"{label} p50, {kind}, {row['events']:,} events",
                        f"{row[metric]:.2f} ms",
                        f"{smallest[metric]:.2f} ms at {smallest['events']:,}",
                        f"{row[metric] / smallest[metric]:.2f}",
                    )
                )
    return rows


def _row(*cells: str) -> str:
    return "| " + " | ".join([*cells, *[""] * (4 - len(cells))]) + " |"


def _ms(figures: dict[str, float]) -> str:
    return f"{figures['p50_ms']:.2f} / {figures['p99_ms']:.2f}"
