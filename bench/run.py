"""make bench: the emulator's speed and memory, each as a ratio to a baseline of the same run.

Every load goes to 127.0.0.1, bounded in time; every process started is stopped by its pid.
Sizes and durations can be lowered for a quick look: BENCH_SIZES=1000,100000 BENCH_SECONDS=3.
BENCH_URL=http://host:port runs the same POST load against another server, for comparison.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench.*, when run as a script

from bench import usage  # noqa: E402
from bench.load import RUNS, SECONDS, WARMUP_SECONDS, has_wrk, load, median_of  # noqa: E402
from bench.measures import (  # noqa: E402
    create_app_cost,
    fixture_in_a_new_process,
    memory_per_event,
    postgres,
    read_latencies,
    startup,
)
from bench.report import table  # noqa: E402
from bench.servers import (  # noqa: E402
    emulator_serve,
    granian_app,
    prism,
    prism_command,
    reference_tree,
)

RESULTS = ROOT / "bench" / "results"


def post_throughput(
    flags: tuple[str, ...], workers: int, prism_cli: list[str] | None, reference: Path | None = None
) -> dict[str, Any]:
    """Median of RUNS interleaved runs of POST /seat-events: `serve` with `flags`, the plain
    Flask app on the same server, Prism's mock (where node is installed) and, given its tree,
    the reference release on its memory store."""
    runs: dict[str, list[dict[str, float]]] = {"emulator": [], "baseline": []}
    for _ in range(RUNS):
        with granian_app("baseline", workers) as url:
            runs["baseline"].append(load(url))
        with emulator_serve(*flags) as url:
            runs["emulator"].append(load(url))
        if prism_cli is not None:
            with prism(prism_cli) as url:
                runs.setdefault("prism", []).append(load(url))
        if reference is not None:
            env = {"BENCH_STORE": "memory"}
            with granian_app("emulator", workers, env, reference) as url:
                runs.setdefault("reference", []).append(load(url))
    found: dict[str, Any] = {name: median_of(figures) for name, figures in runs.items()}
    mine = found["emulator"]["rps"]
    for other in ("baseline", "prism", "reference"):
        if other in found:
            found[f"{other}_ratio"] = mine / found[other]["rps"]
    return found


def main() -> int:
    sqlite_path = Path(tempfile.mkdtemp()) / "bench.db"
    prism_cli = prism_command()
    results: dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}",
        "load_generator": "wrk -t2 -c16" if has_wrk() else "python threads (wrk not found)",
        "seconds_per_run": SECONDS,
        "warmup_seconds": WARMUP_SECONDS,
        "runs": RUNS,
        "prism": "installed" if prism_cli else "skipped: node and npm are not installed",
    }
    with ExitStack() as running:
        reference = running.enter_context(reference_tree())
        server = running.enter_context(postgres())
        for name, step in _steps(sqlite_path, reference, server, prism_cli):
            print(f"... {name}", file=sys.stderr, flush=True)
            results[name] = step()
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\n(written to {target.relative_to(ROOT)})")
    return 0


def _steps(
    sqlite_path: Path, reference: Path | None, server: Any, prism_cli: list[str] | None
) -> list[tuple[str, Callable[[], Any]]]:
    """Every figure of the table, in the order measured."""
    sqlite = ("--store", f"sqlite:{sqlite_path}")
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("post", lambda: post_throughput((), 1, prism_cli, reference)),
        (
            "post_workers_2_sqlite",
            lambda: post_throughput((*sqlite, "--workers", "2"), 2, prism_cli),
        ),
        (
            "post_postgresql",
            lambda: post_throughput(("--store", server.create_database("post")), 1, None),
        ),
        ("post_usage", usage.post_against_seat),
        ("calculate", lambda: usage.calculate_latencies(server)),
        ("reads", lambda: read_latencies(server)),
        ("memory", memory_per_event),
        ("create_app", create_app_cost),
        ("startup", startup),
        ("fixture", fixture_in_a_new_process),
    ]
    if os.environ.get("BENCH_URL"):
        steps.insert(
            0,
            ("bench_url", lambda: median_of([load(os.environ["BENCH_URL"]) for _ in range(RUNS)])),
        )
    return steps


if __name__ == "__main__":
    raise SystemExit(main())
