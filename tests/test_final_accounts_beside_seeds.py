"""One document's data never fails the build: the three real 决算 of ../shared/pdfs/final_accounts (whose “三公”
table prints two rows for one line item, and one of which once crashed the reader) loaded beside the seeds.  The
dbt build passes its own tests and the seeds' marts are exactly those of a build of the seeds alone."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dbt_warehouse import RAW, dbt_build, load_documents, rows

FINAL_ACCOUNTS = RAW.parents[1].parent / "shared" / "pdfs" / "final_accounts"
SAMPLES = sorted(FINAL_ACCOUNTS.glob("samples_*.pdf")) if FINAL_ACCOUNTS.is_dir() else []
SEEDS = sorted(RAW.glob("*.txt"))
MARTS = (
    "unit_metrics",
    "fct_expenditure_by_function",
    "fct_basic_expenditure_by_economic",
    "figure_sources",
    "quality_issues",
)


def build(tmp: Path, files: list[Path]) -> Path:
    tmp.mkdir()
    db = tmp / "budget.duckdb"
    load_documents(db, files)
    dbt_build(db, tmp)
    return db


def mart_rows(db: Path, mart: str, document_ids: list[str]) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(
            map(
                str,
                con.execute(
                    f"select * from marts.{mart} where document_id in (select unnest(?::varchar[]))",
                    [document_ids],
                ).fetchall(),
            )
        )
    finally:
        con.close()


@pytest.mark.skipif(len(SAMPLES) != 3, reason="../shared/pdfs/final_accounts is not beside the clone")
def test_final_accounts_beside_the_seeds_leave_the_seeds_marts_unchanged(tmp_path):
    alone = build(tmp_path / "seeds", SEEDS)
    both = build(tmp_path / "both", SEEDS + SAMPLES)
    con = duckdb.connect(str(both), read_only=True)
    try:
        kinds = {
            r["file_name"]: r["document_kind"]
            for r in rows(con, "select file_name, document_kind from raw.documents")
        }
        seed_ids = [
            r["document_id"]
            for r in rows(con, "select document_id from raw.documents where file_name like '0%'")
        ]
    finally:
        con.close()
    assert {kinds[path.name] for path in SAMPLES} == {"部门决算"}, "all three load, as 决算"
    assert len(seed_ids) == 5
    for mart in MARTS:
        assert mart_rows(both, mart, seed_ids) == mart_rows(alone, mart, seed_ids), mart
