"""Checks beside the marts: the quality of each document after reconciliation.

``document_quality`` reads ``marts.quality_issues`` and reports every document's status (ok / warning /
error) with its rules.  A document with an ERROR is held back from the published marts by dbt
(``int_documents_publishable``) — only that document, never the load — and this check fails (severity
WARN, not blocking) so the UI shows which one and why.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.marts.assets import budget_warehouse_dbt
from dagster_project.defs.pools import DUCKDB_WRITER_POOL
from dagster_project.defs.resources import warehouse_connection

# the dbt model's own key (marts/quality_issues): the check then runs after dbt built it, in the same run
# (a bare "quality_issues" key named no asset of the graph, and the check ran before the load)
QUALITY_ISSUES_KEY = next(key for key in budget_warehouse_dbt.keys if key.path[-1] == "quality_issues")


@dg.asset_check(
    asset=QUALITY_ISSUES_KEY,
    pool=DUCKDB_WRITER_POOL,
    description="每份文件的质量: no document held back by an ERROR; warnings listed per document",
)
def document_quality(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse_connection(duckdb) as con:
        built = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = 'quality_issues'"
        ).fetchone()[0]
        if not built:  # dbt failed on a first build: the warehouse has no marts (dbt builds them aside)
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"problem": "marts.quality_issues is not built (dbt build failed)"},
            )
        rows = con.execute(
            """
            SELECT d.document_id, d.unit_name, d.fiscal_year,
                   count(q.rule) FILTER (WHERE q.severity = 'error') AS errors,
                   count(q.rule) FILTER (WHERE q.severity = 'warning') AS warnings,
                   coalesce(string_agg(DISTINCT q.rule, ', ' ORDER BY q.rule)
                            FILTER (WHERE q.severity <> 'info'), '') AS rules
            FROM raw.documents d LEFT JOIN marts.quality_issues q USING (document_id)
            GROUP BY ALL ORDER BY d.unit_name, d.document_id
            """
        ).fetchall()
    lines = ["| document | unit | year | status | rules |", "|---|---|---|---|---|"]
    held_back = []
    for document_id, unit, year, errors, warnings, rules in rows:
        status = "error (held back)" if errors else "warning" if warnings else "ok"
        if errors:
            held_back.append(document_id)
        lines.append(f"| {document_id} | {unit} | {year} | {status} | {rules} |")
    return dg.AssetCheckResult(
        passed=not held_back,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "documents": len(rows),
            "held_back": held_back,
            "with_warnings": sum(1 for r in rows if r[4] and not r[3]),
            "per_document": dg.MetadataValue.md("\n".join(lines)),
        },
    )
