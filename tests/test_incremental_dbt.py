"""dbt builds the per-document models incrementally (dbt/macros/incremental_documents.sql), with real builds.

A sequence on tmp paths: three seeds built from scratch; then, to see which rows a build recomputes, one kept
document's rows are deleted from ``intermediate.int_function_amounts`` by hand (a build that recomputed every
document would put them back).  A fourth seed is added, a third changed, one removed:

* the incremental build computes the new and the changed documents only — the kept document's rows stay
  deleted, the new one's are there, the removed one's are gone — and it runs no unit test;
* after the record of the dbt project the models were built with is cleared (as if the project had
  changed), the build rebuilds every model (``--full-refresh``, with the unit tests): the kept rows are back;
* that warehouse's intermediate and marts schemas equal a build from scratch of the same folder, row for row.
"""

from __future__ import annotations

import re
import shutil
from types import SimpleNamespace

import duckdb
import pytest

from dagster_project.defs.raw_documents.folder import document_id_for
from tests.test_incremental import _build, _changed_copy, _rows

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

INCREMENTAL_MODELS = (
    "int_table_checks",
    "int_figure_candidates",
    "int_figures_reconciled",
    "int_function_amounts",
    "int_function_class_sources",
)
_DBT_DONE = re.compile(r"dbt build done: PASS=(\d+) .*TOTAL=(\d+)")


def _dbt_total(output: str) -> int:
    [match] = _DBT_DONE.findall(output)
    return int(match[1])


def _query(warehouse, sql: str, params=()):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _rows_for(warehouse, table: str, document_id: str) -> int:
    return _query(
        warehouse, f"SELECT count(*) FROM intermediate.{table} WHERE document_id = ?", [document_id]
    )[0][0]


def _computed_tables(warehouse, schema: str) -> dict:
    """The schema's tables without the ``__documents`` bookkeeping (its build keys hold load times)."""
    return {name: rows for name, rows in _rows(warehouse, schema).items() if not name.endswith("__documents")}


@pytest.fixture(scope="module")
def steps(tmp_path_factory, seed_disclosures):
    root = tmp_path_factory.mktemp("incremental_dbt")
    raw = root / "raw"
    raw.mkdir()
    kept, removed, changed, added = seed_disclosures[:4]
    for seed in (kept, removed, changed):
        shutil.copy(seed, raw / seed.name)
    warehouse = root / "warehouse" / "budget.duckdb"
    first, first_out = _build(raw, warehouse, workers=1)
    assert first.ok, first_out
    kept_id = document_id_for(raw / kept.name)
    kept_rows = _rows_for(warehouse, "int_function_amounts", kept_id)

    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM intermediate.int_function_amounts WHERE document_id = ?", [kept_id])
    con.close()

    shutil.copy(added, raw / added.name)
    (raw / changed.name).write_text(_changed_copy(changed), encoding="utf-8")
    removed_id = document_id_for(raw / removed.name)
    (raw / removed.name).unlink()
    incremental, incremental_out = _build(raw, warehouse, workers=1)
    after_incremental = {
        "kept": _rows_for(warehouse, "int_function_amounts", kept_id),
        "added": _rows_for(warehouse, "int_function_amounts", document_id_for(raw / added.name)),
        "changed": _rows_for(warehouse, "int_function_amounts", document_id_for(raw / changed.name)),
        "removed": _rows_for(warehouse, "int_function_amounts", removed_id),
        "built_documents": {
            model: sorted(
                r[0] for r in _query(warehouse, f"SELECT document_id FROM intermediate.{model}__documents")
            )
            for model in INCREMENTAL_MODELS
        },
    }

    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM control.dbt_project_built")
    con.execute("DELETE FROM raw.build_state")  # the build would otherwise find nothing changed
    con.close()
    refreshed, refreshed_out = _build(raw, warehouse, workers=1)

    scratch_raw = root / "scratch" / "raw"
    shutil.copytree(raw, scratch_raw)
    scratch_warehouse = root / "scratch" / "warehouse" / "budget.duckdb"
    scratch, scratch_out = _build(scratch_raw, scratch_warehouse, workers=1)
    return SimpleNamespace(
        raw=raw,
        warehouse=warehouse,
        kept_id=kept_id,
        kept_rows=kept_rows,
        first_out=first_out,
        incremental=incremental,
        incremental_out=incremental_out,
        after_incremental=after_incremental,
        refreshed=refreshed,
        refreshed_out=refreshed_out,
        scratch=scratch,
        scratch_warehouse=scratch_warehouse,
        output=f"{first_out}\n{incremental_out}\n{refreshed_out}\n{scratch_out}",
    )


def test_the_incremental_build_computes_only_new_and_changed_documents(steps):
    assert steps.incremental.ok, steps.output
    assert steps.kept_rows > 0  # the seed has function amounts to delete
    rows = steps.after_incremental
    assert rows["kept"] == 0  # not recomputed: its rows are as the earlier build (here: the hand) left them
    assert rows["added"] > 0 and rows["changed"] > 0  # computed
    assert rows["removed"] == 0  # the removed file's rows are gone
    current = sorted(r[0] for r in _query(steps.warehouse, "SELECT document_id FROM staging.stg_documents"))
    assert all(documents == current for documents in rows["built_documents"].values())


def test_the_incremental_build_runs_no_unit_test_and_a_changed_project_does(steps):
    assert "dbt build, incremental" in steps.incremental_out and "--full-refresh" in steps.first_out
    assert "--full-refresh" in steps.refreshed_out
    unit_tests = _dbt_total(steps.first_out) - _dbt_total(steps.incremental_out)
    assert unit_tests > 0 and _dbt_total(steps.refreshed_out) == _dbt_total(steps.first_out)


def test_a_changed_project_rebuilds_every_document(steps):
    assert steps.refreshed.ok, steps.output
    assert _rows_for(steps.warehouse, "int_function_amounts", steps.kept_id) == steps.kept_rows


def test_the_models_equal_a_build_from_scratch(steps):
    assert steps.scratch.ok, steps.output
    for schema in ("intermediate", "marts"):
        assert _computed_tables(steps.warehouse, schema) == _computed_tables(steps.scratch_warehouse, schema)
