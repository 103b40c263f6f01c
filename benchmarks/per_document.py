"""Per-document cost of the two halves of a load, for the national-corpus arithmetic of docs/scaling.md:

1. extraction (``extract.extract_file``) of each text conversion and each PDF of the raw folder, one core:
   the median seconds per document (and, for PDFs, per page);
2. one document's commit (``extract.load.load_extraction``: delete its old rows, insert the new, one
   transaction) into a DuckDB file and into a DuckLake with a SQLite catalog and with a PostgreSQL catalog
   (a throwaway server on 127.0.0.1, ``warehouse.ducklake.local_postgres``; skipped without PostgreSQL).

    uv run python benchmarks/per_document.py [--raw DIR] [--repeat N] [--commits N]

Prints two tables of medians.  Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract import extract_file
from extract.load import ensure_raw_schema, load_extraction
from warehouse.ducklake import LakeSettings, connect, init_lake, local_postgres, postgres_bin_dir

TEXT_SUFFIXES = {".txt", ".text"}


def pdf_pages(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


def time_extraction(files: list[Path], repeat: int) -> list[tuple[str, int, int, float]]:
    """(file, pages, facts, median seconds) per file that extracts."""
    rows = []
    for path in files:
        seconds = []
        extraction = None
        for _ in range(repeat):
            started = time.perf_counter()
            try:
                extraction = extract_file(path)
            except Exception as error:  # noqa: BLE001 — a quarantined file is no extraction figure
                print(f"  {path.name}: not extracted ({type(error).__name__})", file=sys.stderr)
                break
            seconds.append(time.perf_counter() - started)
        if not seconds:
            continue
        pages = pdf_pages(path) if path.suffix.lower() == ".pdf" else 0
        facts = len(extraction.table_facts) + len(extraction.prose_facts)
        rows.append((path.name, pages, facts, statistics.median(seconds)))
    return rows


def bulk_commit(con: duckdb.DuckDBPyConnection, extraction) -> None:
    """The same commit with each table's rows in one Arrow ``INSERT … SELECT`` (issue 12's bulk load), to show
    what a commit costs when the rows do not go one by one."""
    import pyarrow as pa

    doc = extraction.document
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    for table in (
        "table_facts",
        "prose_facts",
        "extraction_warnings",
        "identity_evidence",
        "tables",
        "documents",
    ):
        con.execute(f"DELETE FROM raw.{table} WHERE document_id = ?", [doc.document_id])
    batches = {
        "documents": [{**dataclasses.asdict(doc), "loaded_at": now, "first_seen_at": now}],
        "tables": [dataclasses.asdict(t) for t in extraction.tables],
        "table_facts": [dataclasses.asdict(f) for f in extraction.table_facts],
        "prose_facts": [dataclasses.asdict(f) for f in extraction.prose_facts],
        "extraction_warnings": [dataclasses.asdict(w) for w in extraction.warnings],
        "identity_evidence": [dataclasses.asdict(e) for e in extraction.identity_evidence],
    }
    for table, items in batches.items():
        if items:
            rows = pa.Table.from_pylist(items)  # noqa: F841 — read by name in the query below
            con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM rows")
    con.execute("COMMIT")


def time_commits(con: duckdb.DuckDBPyConnection, extractions: list, commits: int, commit=None) -> list[float]:
    seconds = []
    for i in range(commits):
        extraction = extractions[i % len(extractions)]
        started = time.perf_counter()
        (commit or load_extraction)(con, extraction)
        seconds.append(time.perf_counter() - started)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw")
    parser.add_argument("--repeat", type=int, default=3, help="extractions of each file (median)")
    parser.add_argument("--commits", type=int, default=30, help="commits per storage (the seeds in turn)")
    options = parser.parse_args(argv)

    files = sorted(p for p in options.raw.iterdir() if p.is_file())
    texts = [p for p in files if p.suffix.lower() in TEXT_SUFFIXES]
    pdfs = [p for p in files if p.suffix.lower() == ".pdf"]

    print(f"## Extraction, one core ({options.repeat} runs per file, median)\n")
    print(
        "| kind | documents | median s/doc | min–max s/doc | median pages/doc | median s/page | facts/doc |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind, group in (("text", texts), ("pdf", pdfs)):
        rows = time_extraction(group, options.repeat)
        if not rows:
            continue
        per_doc = [r[3] for r in rows]
        per_page = [r[3] / r[1] for r in rows if r[1]]
        pages = [r[1] for r in rows if r[1]]
        print(
            f"| {kind} | {len(rows)} | {statistics.median(per_doc):.3f} | {min(per_doc):.3f}–{max(per_doc):.3f} "
            f"| {statistics.median(pages) if pages else '–'} "
            f"| {f'{statistics.median(per_page):.3f}' if per_page else '–'} "
            f"| {statistics.median(r[2] for r in rows):.0f} |"
        )

    seeds = sorted(options.raw.glob("00[0-9]_*.txt")) or texts[:5]
    extractions = [extract_file(p) for p in seeds]
    facts = statistics.median(len(e.table_facts) + len(e.prose_facts) for e in extractions)
    print(f"\n## One document's commit ({options.commits} commits, the {len(seeds)} seeds in turn, median)\n")
    print(
        f"(a seed: {facts:.0f} facts; each commit deletes the document's previous rows and inserts the new; row by row = today's extract.load, Arrow bulk = one INSERT … SELECT per table)\n"
    )
    print("| storage | median s/commit | p90 s/commit |")
    print("|---|---|---|")

    def measure(name: str, con: duckdb.DuckDBPyConnection) -> None:
        report(f"{name}, row by row (load_extraction)", time_commits(con, extractions, options.commits))
        report(f"{name}, Arrow bulk", time_commits(con, extractions, options.commits, bulk_commit))

    def report(name: str, seconds: list[float]) -> None:
        ordered = sorted(seconds)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        print(f"| {name} | {statistics.median(seconds):.3f} | {p90:.3f} |")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with contextlib.closing(duckdb.connect(str(tmp / "budget.duckdb"))) as con:
            ensure_raw_schema(con)
            measure("DuckDB file", con)
        sqlite = LakeSettings(f"sqlite:{tmp / 'catalog.sqlite'}", tmp / "sqlite_data")
        init_lake(sqlite)
        with contextlib.closing(connect(sqlite)) as con:
            measure("DuckLake, SQLite catalog", con)
        if postgres_bin_dir() is None:
            print("| DuckLake, PostgreSQL catalog | skipped: pg_ctl not found (make system-deps) | |")
        else:
            with local_postgres() as catalog:
                postgres = LakeSettings(catalog, tmp / "pg_data")
                init_lake(postgres)
                with contextlib.closing(connect(postgres)) as con:
                    measure("DuckLake, PostgreSQL catalog", con)
    return 0


if __name__ == "__main__":
    sys.exit(main())
