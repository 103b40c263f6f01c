"""How the whole build scales with the number of disclosures: full build, the nightly +10, a no-op rebuild.

    uv run python benchmarks/scale.py                       # N = 100
    uv run python benchmarks/scale.py --sizes 100,1000 --pdf-share 0.05
    uv run python benchmarks/scale.py --sizes 10000 --workdir /data/bench
    uv run python benchmarks/scale.py --sizes 100 --pdf-cores 24        # + PDFs on one core and on two

For each N it generates N distinct disclosures from the five seed text conversions (``data/raw/00*.txt``): each
copy gets its own unit name (a made-up place prefixed to the place its unit's name starts with — the unit as the
extractor identifies it — everywhere the text names that place, wrapped cover lines included) and its
amounts multiplied by a small integer factor — every printed decimal amount of the tables and every “… 万元” of
the prose, so each table's sums, the cross-table totals and the stated shares (占 N%) still hold exactly.  A
share ``--pdf-share`` of them is rendered as a ruled PDF (``tools.seed_pdfs``, reportlab).  It then runs
``budget-warehouse build --json`` as a subprocess over the inbox (from scratch), again after adding ten new
disclosures (the nightly case), and once more with nothing new (the no-op), each with a persistent Dagster
instance (``DAGSTER_HOME`` with the project's ``dagster.yaml``), and prints per run the wall time, the files the
build read (its incremental counters), its own phases (extract+load — of which the writer's transactions —,
dbt, publish), documents per second, the peak RSS of the build and its children (GNU time), the growth of
``DAGSTER_HOME``, then the latency of queries on the published copy (p50 / p95 of 200 reads).
``BUDGET_EXTRACT_WORKERS`` (default: one per core) is passed through.

Medians over ``--repeats`` runs; the machine is shared and noisy, so compare ratios, not single numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "data" / "raw").glob("00*.txt"))
PLACE_CHARS = "东南西北安平宁和兴华明新永康顺昌丰泰清德福嘉广怀长云阳林山河川"
_TABLE_AMOUNT = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)\.(\d+)(?![\d.])")
_PROSE_AMOUNT = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(\s*万元)")


def place_name(index: int) -> str:
    """A distinct made-up county name for every index (three characters in base 30, then 县)."""
    digits = []
    for _ in range(3):
        index, digit = divmod(index, len(PLACE_CHARS))
        digits.append(PLACE_CHARS[digit])
    return "".join(digits) + "县"


def _scaled(whole: str, fraction: str | None, factor: int) -> str:
    value = Decimal(whole.replace(",", "") + ("." + fraction if fraction else "")) * factor
    places = len(fraction) if fraction else 0
    text = f"{value:,.{places}f}" if "," in whole else f"{value:.{places}f}"
    return text


def leading_place(text: str) -> str:
    """The place the seed's unit name starts with (a city, county or district), read by the extractor, never listed here."""
    from extract.identity import identify
    from extract.readers.text import read_text

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "seed.txt"
        path.write_text(text, encoding="utf-8")
        unit = identify(read_text(path)).unit_name
    match = re.match(r"^.+?(?:省|自治区|市|州|盟|县|区|旗)", unit)
    return match.group(0) if match else unit


def vary(text: str, place: str, index: int, factor: int) -> str:
    """The seed text as another unit's disclosure: its leading place prefixed with a made-up one, amounts × factor."""
    text = text.replace(place, place_name(index) + place)
    if factor == 1:
        return text
    lines = []
    for line in text.split("\n"):
        if "\t" in line:
            line = _TABLE_AMOUNT.sub(lambda m: _scaled(m.group(1), m.group(2), factor), line)
        else:
            line = _PROSE_AMOUNT.sub(lambda m: _scaled(m.group(1), m.group(2), factor) + m.group(3), line)
        lines.append(line)
    return "\n".join(lines)


def generate(inbox: Path, start: int, count: int, pdf_share: float) -> None:
    from tools.seed_pdfs import render_seed

    inbox.mkdir(parents=True, exist_ok=True)
    pdf_every = round(1 / pdf_share) if pdf_share > 0 else 0
    texts = [seed.read_text(encoding="utf-8") for seed in SEEDS]
    places = [leading_place(text) for text in texts]
    for index in range(start, start + count):
        seed = SEEDS[index % len(SEEDS)]
        text = vary(texts[index % len(SEEDS)], places[index % len(SEEDS)], index, 1 + index % 3)
        path = inbox / f"d{index:06d}_{seed.name[:3]}.txt"
        path.write_text(text, encoding="utf-8")
        if pdf_every and index % pdf_every == 0:
            with tempfile.TemporaryDirectory() as tmp:
                (pdf,) = render_seed(path, Path(tmp), ("ruled",))
                shutil.move(str(pdf), inbox / f"d{index:06d}_{seed.name[:3]}.pdf")
            path.unlink()


@dataclass
class Run:
    label: str
    wall: float
    phases: dict
    documents: int
    peak_mb: float
    ok: bool
    extracted: int = 0  # files read by the build (the incremental counters)
    write_seconds: float = 0.0  # of extract+load: the writer's transactions
    dagster_home_mb: float = 0.0  # growth of DAGSTER_HOME during the build


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6 if folder.exists() else 0.0


def build(inbox: Path, warehouse: Path, label: str, dagster_home: Path, workers: int | None = None) -> Run:
    before = _size_mb(dagster_home)
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    if workers is not None:
        env["BUDGET_EXTRACT_WORKERS"] = str(workers)
    started = time.monotonic()
    result = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%M",
            sys.executable,
            "-m",
            "dagster_project.cli",
            "build",
            "--raw-dir",
            str(inbox),
            "--warehouse",
            str(warehouse),
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    wall = time.monotonic() - started
    last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "0"
    peak_kb = int(last) if last.isdigit() else 0
    try:
        summary = json.loads(result.stdout)
    except json.JSONDecodeError:
        summary = {}
    loaded = summary.get("counts", {}).get("loaded", 0)
    incremental = summary.get("incremental", {})
    if result.returncode != 0:
        tail = [line for line in result.stderr.splitlines()[:-1] if line.strip()][-6:]
        Console(stderr=True, width=200).print(
            f"[{label}] build failed (exit {result.returncode}):", *tail, sep="\n"
        )
    return Run(
        label,
        wall,
        summary.get("phases_seconds", {}),
        loaded if isinstance(loaded, int) else len(loaded),
        peak_kb / 1024,
        result.returncode == 0,
        incremental.get("extracted", 0),
        incremental.get("write_seconds", 0.0),
        _size_mb(dagster_home) - before,
    )


def query_latency(published: Path, reads: int = 200) -> tuple[float, float]:
    con = duckdb.connect(str(published), read_only=True)
    units = [r[0] for r in con.execute("select unit_id from marts.unit_metrics").fetchall()] or [""]
    times = []
    for i in range(reads):
        started = time.perf_counter()
        con.execute(
            "select m.*, f.subject_code, f.total_amount from marts.unit_metrics m "
            "left join marts.fct_expenditure_by_function f using (document_id) where m.unit_id = ?",
            [units[i % len(units)]],
        ).fetchall()
        times.append(time.perf_counter() - started)
    con.close()
    times.sort()
    return times[len(times) // 2] * 1000, times[int(len(times) * 0.95)] * 1000


def pdf_cores(work: Path, count: int, repeats: int) -> Table:
    """PDF extraction on one core and on two: ``count`` rendered disclosures built from scratch with
    ``BUDGET_EXTRACT_WORKERS`` 1 and 2; the extract+load phase's throughput and its ratio (target ≥ 1.6×)."""
    root = work / f"pdf{count}"
    shutil.rmtree(root, ignore_errors=True)
    inbox = root / "raw"
    generate(inbox, 0, count, 1.0)
    seconds: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeats):
        for workers in (1, 2):
            run_root = root / f"w{workers}"
            shutil.rmtree(run_root, ignore_errors=True)
            home = run_root / "dagster_home"
            home.mkdir(parents=True)
            shutil.copy(ROOT / "dagster_project" / "dagster.yaml", home / "dagster.yaml")
            run = build(inbox, run_root / "warehouse" / "budget.duckdb", f"pdf w{workers}", home, workers)
            seconds[workers].append(run.phases.get("extract_load", float("nan")))
    table = Table(title=f"PDF extraction, {count} rendered disclosures from scratch (medians of {repeats})")
    for column in ("workers", "extract+load s", "PDFs/s", "speed-up"):
        table.add_column(column, justify="right")
    one = statistics.median(seconds[1])
    for workers in (1, 2):
        median = statistics.median(seconds[workers])
        table.add_row(str(workers), f"{median:.1f}", f"{count / median:.2f}", f"{one / median:.2f}×")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100", help="comma-separated N (default 100)")
    parser.add_argument("--pdf-share", type=float, default=0.02, help="share of disclosures rendered as PDF")
    parser.add_argument("--repeats", type=int, default=1, help="runs per case (median)")
    parser.add_argument(
        "--workdir", type=Path, help="where the inboxes and warehouses go (default: a temp dir)"
    )
    parser.add_argument(
        "--pdf-cores",
        type=int,
        default=0,
        metavar="M",
        help="also build M rendered PDF disclosures on one and on two extraction workers (speed-up)",
    )
    args = parser.parse_args(argv)
    console = Console(width=200)
    table = Table(title="budget-warehouse build at scale (this machine; medians)")
    for column in (
        "N",
        "case",
        "wall s",
        "files read",
        "extract+load s",
        "of it write s",
        "dbt s",
        "publish s",
        "docs/s",
        "peak RSS MB",
        "query p50 ms",
        "query p95 ms",
        "DAGSTER_HOME +MB",
        "ok",
    ):
        table.add_column(column, justify="right" if column not in ("case", "ok") else "left")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="scale_"))
    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        cases: dict[str, list[Run]] = {"full": [], "nightly +10": [], "no-op": []}
        for repeat in range(args.repeats):
            root = work / f"n{n}_{repeat}"
            shutil.rmtree(root, ignore_errors=True)
            inbox, warehouse = root / "raw", root / "warehouse" / "budget.duckdb"
            dagster_home = root / "dagster_home"
            dagster_home.mkdir(parents=True)
            shutil.copy(ROOT / "dagster_project" / "dagster.yaml", dagster_home / "dagster.yaml")
            generate(inbox, 0, n, args.pdf_share)
            cases["full"].append(build(inbox, warehouse, "full", dagster_home))
            generate(inbox, n, 10, 0)
            cases["nightly +10"].append(build(inbox, warehouse, "nightly +10", dagster_home))
            cases["no-op"].append(build(inbox, warehouse, "no-op", dagster_home))
        published = warehouse.parent / "published" / "budget_marts.duckdb"
        p50, p95 = query_latency(published) if published.exists() else (float("nan"), float("nan"))
        for label, runs in cases.items():
            wall = statistics.median(r.wall for r in runs)
            phase = {
                key: statistics.median(r.phases.get(key, 0.0) for r in runs)
                for key in ("extract_load", "dbt", "publish")
            }
            phase["write"] = statistics.median(r.write_seconds for r in runs)
            docs = n if label == "full" else 10 if label.startswith("nightly") else 0
            table.add_row(
                str(n),
                label,
                f"{wall:.1f}",
                str(statistics.median(r.extracted for r in runs)),
                f"{phase['extract_load']:.1f}",
                f"{phase['write']:.1f}",
                f"{phase['dbt']:.1f}",
                f"{phase['publish']:.1f}",
                f"{docs / wall:.1f}" if docs else "—",
                f"{statistics.median(r.peak_mb for r in runs):.0f}",
                f"{p50:.1f}" if label == "full" else "",
                f"{p95:.1f}" if label == "full" else "",
                f"{statistics.median(r.dagster_home_mb for r in runs):.1f}",
                "yes" if all(r.ok for r in runs) else "NO",
            )
    if table.row_count:
        console.print(table)
    if args.pdf_cores:
        console.print(pdf_cores(work, args.pdf_cores, args.repeats))
    console.print(f"inboxes and warehouses in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
