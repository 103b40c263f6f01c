"""Publishing the marts: a read-only copy written aside and renamed into place after every successful build.

Real components only: the session warehouse is built by ``build_warehouse`` (extract → DuckDB → dbt build →
``published_marts``).  The concurrency test runs a whole second build while a reader holds the published
file open, as the dashboard does, and reads it in a loop.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource
from published_warehouse import build, copy_of, session_published_warehouse

from dagster_project.definitions import defs
from dagster_project.defs.publish.assets import PUBLISHED_MARTS_KEY, published_marts
from dagster_project.defs.publish.resource import PublishedMartsResource
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.settings import WarehouseSettings
from dagster_project.publish import (
    PublishError,
    open_published,
    publish_marts,
    read_publication,
    sources_dir,
)
from dashboard.data import read_snapshot
from warehouse.files import file_sha256

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:dagster_dbt")


@pytest.fixture(scope="session")
def built(tmp_path_factory, seed_disclosures):
    return session_published_warehouse(tmp_path_factory, seed_disclosures)


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
            "ORDER BY 1",
            [catalog, schema],
        ).fetchall()
    ]


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------- the publication
def test_the_build_publishes_every_mart_beside_the_warehouse(built):
    assert built.published == built.warehouse.parent / "published" / "budget_marts.duckdb"
    assert built.report.published == built.published
    assert any(f"read-only to {built.published}" in line for line in built.output)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{built.warehouse}' AS warehouse (READ_ONLY)")
        con.execute(f"ATTACH '{built.published}' AS published (READ_ONLY)")
        marts = _tables(con, "warehouse", "marts")
        assert marts and _tables(con, "published", "marts") == marts
        for table in marts:  # the same rows, the same types
            source = con.execute(f"SELECT * FROM warehouse.marts.{table} ORDER BY ALL")
            copy = con.execute(f"SELECT * FROM published.marts.{table} ORDER BY ALL")
            assert [d[:2] for d in copy.description] == [d[:2] for d in source.description]
            assert (
                copy.fetchall()
                == con.execute(f"SELECT * FROM warehouse.marts.{table} ORDER BY ALL").fetchall()
            )
        assert set(_tables(con, "published", "published")) == {
            "documents",
            "publication",
        }
    finally:
        con.close()
    publication = read_publication(built.published)
    assert publication["published_documents"] == 5 and publication["documents"] == 5
    assert publication["source_warehouse"] == str(built.warehouse)
    assert _leftovers(built.published.parent) == []


def test_published_documents_join_the_marts_on_their_keys(built):
    """published.documents carries each file's disclosure (the marts' document_id), unit_id and the marts' unit
    name, so a join on them never meets two spellings of one unit."""
    con = duckdb.connect(str(built.published), read_only=True)
    try:
        rows = con.execute(
            "SELECT d.file_name, d.unit_name, d.unit_name_in_marts, m.unit_name FROM published.documents d "
            "JOIN marts.unit_metrics m ON m.document_id = d.disclosure_id AND m.unit_id = d.unit_id"
        ).fetchall()
        files = con.execute(
            "SELECT count(*) FROM published.documents WHERE disclosure_id IS NOT NULL"
        ).fetchone()[0]
    finally:
        con.close()
    assert len(rows) == files >= 5
    assert all(in_marts == marts_name for _, _, in_marts, marts_name in rows)


def test_the_source_files_are_published_by_content_hash(built):
    documents = built.rows(
        "SELECT document_id, file_name, content_sha256, source_file FROM published.documents"
    )
    assert len(documents) == 5
    for document in documents:
        copy = sources_dir(built.published) / document["source_file"]
        assert document["source_file"] == f"{document['document_id']}.txt"
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == document["content_sha256"]
        assert copy.read_bytes() == (built.raw / document["file_name"]).read_bytes()


def test_the_economic_breakdown_of_basic_spending_matches_the_marts(built):
    """Per published document, the 类 rows of the breakdown add up to its basic expenditure where the table
    prints a total column, and 301 is the wage_welfare_expenditure of unit_metrics."""
    metrics = {r["document_id"]: r for r in built.rows("SELECT * FROM marts.unit_metrics")}
    classes = built.rows(
        "SELECT document_id, subject_code, total_amount FROM marts.fct_basic_expenditure_by_economic "
        "WHERE subject_level = '类'"
    )
    assert classes
    assert {r["document_id"] for r in classes} <= set(metrics)
    for row in classes:
        if row["subject_code"] == "301" and row["total_amount"] is not None:
            assert row["total_amount"] == metrics[row["document_id"]]["wage_welfare_expenditure"]


def test_publishing_again_swaps_the_file_and_readers_keep_their_snapshot(built, tmp_path):
    work = copy_of(built, tmp_path)
    before = read_publication(work.published)
    reader = open_published(work.published)
    inode = work.published.stat().st_ino
    try:
        time.sleep(0.01)
        publication = publish_marts(work.warehouse, work.published, raw_dir=work.raw)
        assert work.published.stat().st_ino != inode  # a new file renamed over the old name
        old = reader.execute("SELECT published_at FROM published.publication").fetchone()[0]
        assert old == before["published_at"]
        assert reader.execute("SELECT count(*) FROM marts.unit_metrics").fetchone()[0] == 5
    finally:
        reader.close()
    assert read_publication(work.published)["published_at"] == publication.published_at > old
    assert _leftovers(work.published.parent) == []


def test_a_failed_publish_keeps_the_previous_publication(built, tmp_path):
    work = copy_of(built, tmp_path)
    before = read_publication(work.published)
    no_marts = tmp_path / "empty.duckdb"
    duckdb.connect(str(no_marts)).close()
    with pytest.raises(PublishError, match="no marts"):
        publish_marts(no_marts, work.published)
    with pytest.raises(PublishError, match="no warehouse"):
        publish_marts(tmp_path / "missing.duckdb", work.published)
    assert read_publication(work.published) == before
    assert _leftovers(work.published.parent) == []


def test_a_source_file_that_changed_since_the_load_is_not_linked(built, tmp_path):
    """A new copy is made only of a file that still has the loaded bytes; a copy the publication holds already
    (named by the content hash) stays linked — it is the loaded content, whatever the inbox holds now."""
    work = copy_of(built, tmp_path)
    changed = min(work.raw.iterdir())
    changed.write_text(changed.read_text(encoding="utf-8") + "\n追加\n", encoding="utf-8")
    sources = work.published.parent / "sources"
    publish_marts(work.warehouse, work.published, raw_dir=work.raw)
    linked = {r["file_name"]: r for r in work.rows("SELECT * FROM published.documents")}
    held = linked[changed.name]
    assert held["source_file"] is not None
    assert file_sha256(sources / held["source_file"]) == held["content_sha256"] != file_sha256(changed)

    shutil.rmtree(sources)  # no copy held: the changed file is not copied, the others are
    publish_marts(work.warehouse, work.published, raw_dir=work.raw)
    linked = {r["file_name"]: r["source_file"] for r in work.rows("SELECT * FROM published.documents")}
    assert linked[changed.name] is None
    assert sum(v is not None for v in linked.values()) == 4
    assert len(list(sources.iterdir())) == 4


# --------------------------------------------------------------------------- Dagster
def test_published_marts_follows_the_marts_in_the_build_jobs():
    graph = defs.resolve_asset_graph()
    parents = graph.get(PUBLISHED_MARTS_KEY).parent_keys
    assert {key.path[-1] for key in parents} >= {"unit_metrics", "figure_sources", "quality_issues"}
    for job in ("build_marts", "build_warehouse"):
        assert PUBLISHED_MARTS_KEY in defs.resolve_job_def(job).asset_layer.selected_asset_keys
    assert PUBLISHED_MARTS_KEY not in defs.resolve_job_def("load_disclosures").asset_layer.selected_asset_keys
    assert isinstance(defs.resources["published"], PublishedMartsResource)


def test_the_published_file_follows_the_settings(tmp_path):
    settings = WarehouseSettings.from_env({"BUDGET_WAREHOUSE": str(tmp_path / "w" / "budget.duckdb")})
    assert settings.published_file == tmp_path / "w" / "published" / "budget_marts.duckdb"
    chosen = tmp_path / "elsewhere" / "marts.duckdb"
    assert WarehouseSettings.from_env({"BUDGET_PUBLISHED": str(chosen)}).published_file == chosen


def test_the_asset_publishes_on_its_own(built, tmp_path):
    work = copy_of(built, tmp_path)
    target = tmp_path / "asset" / "marts.duckdb"
    result = dg.materialize(
        [published_marts],
        resources={
            "duckdb": DuckDBResource(database=str(work.warehouse)),
            "raw_folder": RawFolderResource(path=str(work.raw)),
            "published": PublishedMartsResource(path=str(target)),
        },
    )
    assert result.success
    [materialization] = result.asset_materializations_for_node("published_marts")
    assert materialization.metadata["path"].value == str(target)
    assert materialization.metadata["published_documents"].value == 5
    assert read_publication(target)["published_documents"] == 5


# --------------------------------------------------------------------------- never blocked, never blocking
class ReaderLoop(threading.Thread):
    """Reads the published file the dashboard's way, over and over, until stopped."""

    def __init__(self, published):
        super().__init__(daemon=True)
        self.published = published
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.seen: list[tuple[object, int, int]] = []  # (published_at, unit_metrics rows, rows it announces)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                read_snapshot(self.published)  # what a page render does
                con = open_published(self.published)
                try:  # one connection, one publication: its rows and what its metadata announces
                    published_at, announced = con.execute(
                        "SELECT published_at, published_documents FROM published.publication"
                    ).fetchone()
                    rows = con.execute("SELECT count(*) FROM marts.unit_metrics").fetchone()[0]
                finally:
                    con.close()
                self.seen.append((published_at, rows, announced))
            except Exception as exc:  # noqa: BLE001 — every failure is what this test looks for
                self.errors.append(repr(exc))
            time.sleep(0.05)


def test_a_build_runs_while_the_dashboard_reads(built, tmp_path):
    """The dashboard's connection stays open during a whole build (load, dbt build, publish): the build
    succeeds, the open connection keeps its publication, the next connection sees the new one, and no read
    along the way failed or saw a half-written publication."""
    work = copy_of(built, tmp_path)
    departed = max(work.raw.iterdir())
    departed.unlink()  # the next build has one disclosure less: the new publication differs
    before = read_publication(work.published)
    held = open_published(work.published)  # as the dashboard opens it
    loop = ReaderLoop(work.published)
    loop.start()
    try:
        report, output, settings = build(work.root, work.raw)
    finally:
        loop.stop.set()
        loop.join(timeout=30)
    try:
        assert report.ok, "\n".join(output)
        assert report.published == work.published == settings.published_file
        assert held.execute("SELECT count(*) FROM marts.unit_metrics").fetchone()[0] == 5
        assert (
            held.execute("SELECT published_at FROM published.publication").fetchone()[0]
            == before["published_at"]
        )
    finally:
        held.close()
    after = read_publication(work.published)
    assert after["published_at"] > before["published_at"] and after["published_documents"] == 4
    assert read_snapshot(work.published).unit_metrics.height == 4
    assert loop.errors == []
    assert len(loop.seen) > 10
    assert all(rows == announced for _, rows, announced in loop.seen), "a read saw a half-done publication"
    assert {rows for _, rows, _ in loop.seen} <= {5, 4}
    assert _leftovers(work.published.parent) == []
