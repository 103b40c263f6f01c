"""A dbt data test that fails on one document's rows holds back that document; the rest publishes (issue 13).

Real components: the five seed disclosures go through ``build_warehouse``; then one document's raw rows are
given a value the staging tests reject (what an extractor defect would write: a ``source_method`` outside
text/pdf/ocr), and the real ``build_marts`` job runs ``dbt build`` on it.  The failing test is attributed to that
document, which is held back with ``data_test_failed``; the other four are published with the figures of the
clean build.  Restoring the rows publishes it again: the holds are re-derived by every build.
"""

import shutil

import dagster as dg
import duckdb
import pytest

from dagster_project.build import build_warehouse
from dagster_project.definitions import build_definitions
from dagster_project.defs.marts.held_back import attribute, failing_tests
from dagster_project.defs.settings import WarehouseSettings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:dagster_dbt")

SOURCE_METHOD_TEST = "accepted_values_stg_tables_source_method__text__pdf__ocr"


@pytest.fixture(scope="module")
def built(tmp_path_factory, seed_disclosures):
    root = tmp_path_factory.mktemp("held_back")
    raw = root / "raw"
    raw.mkdir()
    for path in seed_disclosures:
        shutil.copy(path, raw / path.name)
    settings = WarehouseSettings(raw_dir=raw, warehouse_path=root / "warehouse" / "budget.duckdb")
    report = build_warehouse(settings, echo=lambda line: None, summary=False)
    assert report.ok, report.dbt_error or report.failed_loads
    return settings


def _query(path, sql, params=()):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _set_source_method(settings, document_id, value):
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.execute("UPDATE raw.tables SET source_method = ? WHERE document_id = ?", [value, document_id])
    finally:
        con.close()


def _build_marts(settings):
    job = build_definitions(settings).resolve_job_def("build_marts")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def test_a_failing_test_holds_back_its_document_and_the_rest_publishes(built):
    settings = built
    metrics = "SELECT document_id, unit_name, total_expenditure FROM marts.unit_metrics ORDER BY document_id"
    clean = _query(settings.warehouse_path, metrics)
    assert len(clean) == 5
    [(victim, victim_unit, _)] = [row for row in clean if row[2] == max(r[2] for r in clean)]

    _set_source_method(settings, victim, "scanner")
    result = _build_marts(settings)
    assert result.success, "one document's failing rows must not fail the build"

    published = settings.published_file
    after = _query(published, metrics)
    assert after == [row for row in clean if row[0] != victim], (
        "the other four keep the clean build's figures"
    )
    [(severity, detail)] = _query(
        settings.warehouse_path,
        "SELECT severity, detail FROM marts.quality_issues WHERE rule = 'data_test_failed' AND document_id = ?",
        [victim],
    )
    assert severity == "error"
    assert SOURCE_METHOD_TEST in detail
    assert _query(settings.warehouse_path, "SELECT document_id FROM control.held_back_documents") == [
        (victim,)
    ]
    # the document stays loaded (raw) and is not published
    assert _query(settings.warehouse_path, "SELECT count(*) FROM raw.documents")[0][0] == 5
    assert _query(
        published, "SELECT count(*) FROM marts.unit_metrics WHERE unit_name = ?", [victim_unit]
    ) == [(0,)]

    _set_source_method(settings, victim, "text")
    assert _build_marts(settings).success
    assert _query(settings.published_file, metrics) == clean
    assert _query(settings.warehouse_path, "SELECT count(*) FROM control.held_back_documents") == [(0,)]


def test_a_failure_no_document_explains_is_not_attributed(tmp_path):
    """A failing test whose rows carry no document (a table without document_id) is left unattributed, so the
    build fails as before instead of publishing around it."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE dims AS SELECT * FROM (VALUES ('a'), ('a'), ('b')) AS t (code)")
    run_results = {
        "results": [
            {
                "unique_id": "test.p.unique_dims_code",
                "status": "fail",
                "compiled_code": "select code as unique_field, count(*) as n from dims group by code having count(*) > 1",
            },
            {"unique_id": "test.p.passing", "status": "pass", "compiled_code": "select 1 where false"},
        ]
    }
    manifest = {
        "nodes": {
            "test.p.unique_dims_code": {
                "name": "unique_dims_code",
                "column_name": "code",
                "attached_node": "model.p.dims",
            },
            "model.p.dims": {"relation_name": "dims"},
        }
    }
    assert [r["unique_id"] for r in failing_tests(run_results)] == ["test.p.unique_dims_code"]
    attribution = attribute(con, run_results, manifest)
    assert attribution.holds == [] and attribution.unattributed == ["unique_dims_code"]
    assert not attribution.complete

    con.execute("ALTER TABLE dims ADD COLUMN document_id VARCHAR")
    con.execute("UPDATE dims SET document_id = CASE code WHEN 'a' THEN 'doc_a' ELSE 'doc_b' END")
    attribution = attribute(con, run_results, manifest)
    assert [(h.document_id, h.failing_rows) for h in attribution.holds] == [("doc_a", 2)]
    assert attribution.complete
