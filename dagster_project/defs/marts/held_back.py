"""A dbt data test that fails on one document's rows holds back that document; the rest publishes.

``dbt build`` stops at a failing test of severity ``error``: the models below it are skipped, and no mart
is built for any document.  Most tests guard rows that belong to one document (a key of
``int_figure_candidates``, a table kind that ``table_kinds`` must know, an amount that must not be NULL …).
For those, the marts asset

1. reads the failing tests of the invocation (``run_results.json``: status ``fail``);
2. runs each one's compiled SQL again on the copy dbt built, and finds the documents its failing rows come
   from (``attribute``): the failing rows' own ``document_id`` when the test selects one, else the rows of
   the tested model whose tested column holds a failing value (every generic test — ``not_null``,
   ``unique``, ``accepted_values``, ``relationships`` — selects the failing value first);
3. when every failing test is attributed, writes the documents to ``control.held_back_documents`` and runs
   ``dbt build`` again: the staging models leave out the facts of a held-back document, which then stays in
   ``raw`` and in ``quality_issues`` with the error ``data_test_failed`` naming the tests, and is not
   published; the other documents are.

A failure that cannot be attributed to documents (a test of a seed, a dimension, a mart total) fails the
build as before: never a silent partial publication.  The holds are re-derived at every build (the table is
emptied first), so a document whose rows pass again — a new extractor, a fixed model — is published again.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

CONTROL_DDL = """
CREATE SCHEMA IF NOT EXISTS control;
CREATE TABLE IF NOT EXISTS control.held_back_documents (
    document_id VARCHAR NOT NULL,
    test_name VARCHAR NOT NULL,
    tested_model VARCHAR NOT NULL,
    failing_rows INTEGER NOT NULL,
    held_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
"""
MAX_PASSES = 3  # dbt builds per asset run: the first, and one more per round of holds


@dataclass(frozen=True)
class Hold:
    document_id: str
    test_name: str
    tested_model: str
    failing_rows: int


@dataclass
class Attribution:
    holds: list[Hold]
    unattributed: list[str]  # failing tests whose rows name no document

    @property
    def complete(self) -> bool:
        return bool(self.holds) and not self.unattributed


def failing_tests(run_results: dict) -> list[dict]:
    """The results of tests that failed (severity error: status ``fail``; ``error`` is a test that could not
    run, which is not a document's fault)."""
    return [
        result
        for result in run_results.get("results", [])
        if result.get("unique_id", "").startswith("test.") and result.get("status") == "fail"
    ]


def attribute(con: duckdb.DuckDBPyConnection, run_results: dict, manifest: dict) -> Attribution:
    """The documents behind the failing tests of one dbt invocation (see the module docstring)."""
    holds: list[Hold] = []
    unattributed: list[str] = []
    for result in failing_tests(run_results):
        node = manifest.get("nodes", {}).get(result["unique_id"], {})
        name = node.get("name") or result["unique_id"]
        documents = _documents_of(con, result.get("compiled_code") or "", node, manifest)
        if not documents:
            unattributed.append(name)
            continue
        model = _tested_relation(node, manifest)[0] or ""
        holds.extend(Hold(doc, name, model, rows) for doc, rows in sorted(documents.items()))
    return Attribution(holds, unattributed)


def record_holds(con: duckdb.DuckDBPyConnection, holds: list[Hold]) -> None:
    """Add ``holds`` to ``control.held_back_documents`` (in the copy dbt builds), in one transaction."""
    con.execute("BEGIN")
    try:
        con.executemany(
            "INSERT INTO control.held_back_documents (document_id, test_name, tested_model, failing_rows)"
            " VALUES (?, ?, ?, ?)",
            [(h.document_id, h.test_name, h.tested_model, h.failing_rows) for h in holds],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def reset_holds(con: duckdb.DuckDBPyConnection) -> None:
    """Create the control table if missing and empty it: holds are re-derived by every build."""
    con.execute(CONTROL_DDL)
    con.execute("DELETE FROM control.held_back_documents")


def _documents_of(con, compiled_sql: str, node: dict, manifest: dict) -> dict[str, int]:
    """document_id → failing rows, or {} when the failing rows cannot be tied to documents."""
    if not compiled_sql.strip():
        return {}
    failures = f"({compiled_sql.strip().rstrip(';')})"
    try:
        columns = [column[0] for column in con.execute(f"DESCRIBE SELECT * FROM {failures}").fetchall()]
    except duckdb.Error:
        return {}
    if "document_id" in columns:
        query = f"SELECT document_id, count(*) FROM {failures} AS f WHERE document_id IS NOT NULL GROUP BY 1"
        return _run(con, query)
    relation, column = _tested_relation(node, manifest)
    if not relation or not column or not columns:
        return {}
    if not _has_column(con, relation, "document_id"):
        return {}
    # generic tests select the failing value first (unique_field, value_field, from_field …)
    value = columns[0]
    query = (
        f"SELECT m.document_id, count(*) FROM {relation} AS m"
        f" WHERE m.document_id IS NOT NULL AND EXISTS (SELECT 1 FROM {failures} AS f"
        f' WHERE CAST(f."{value}" AS VARCHAR) IS NOT DISTINCT FROM CAST(m."{column}" AS VARCHAR))'
        " GROUP BY 1"
    )
    return _run(con, query)


def _run(con, query: str) -> dict[str, int]:
    try:
        return {str(doc): int(count) for doc, count in con.execute(query).fetchall()}
    except duckdb.Error:
        return {}


def _tested_relation(node: dict, manifest: dict) -> tuple[str | None, str | None]:
    """The relation a test tests (its ``attached_node``, else the one model or source it depends on) and the
    column it tests."""
    column = node.get("column_name") or (node.get("test_metadata") or {}).get("kwargs", {}).get("column_name")
    target = node.get("attached_node")
    if not target:
        candidates = [
            n for n in node.get("depends_on", {}).get("nodes", []) if n.startswith(("model.", "source."))
        ]
        target = candidates[0] if len(candidates) == 1 else None
    if not target:
        return None, column
    tested = manifest.get("nodes", {}).get(target) or manifest.get("sources", {}).get(target) or {}
    return tested.get("relation_name"), column


def _has_column(con, relation: str, column: str) -> bool:
    try:
        names = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM {relation} LIMIT 0").fetchall()]
    except duckdb.Error:
        return False
    return column in names
