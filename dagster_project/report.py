"""``budget-warehouse report DOCUMENT``: one disclosure explained from the warehouse (read-only).

Prints the tables found / empty / missing, the quality rules that fired and those that passed, and every
key figure with its value and the place it was read from (or derived).  DOCUMENT is a document id (or a
prefix of one), a file name, or part of a unit name.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb

# The standard table family of a 部门预算; a disclosure that lacks one of these is told so.
STANDARD_TABLES = {
    "income_expenditure_summary": "收支总表",
    "income_summary": "收入总表",
    "expenditure_summary": "支出总表",
    "fiscal_grant_summary": "财政拨款收支总表",
    "gpb_expenditure": "一般公共预算支出表",
    "gpb_basic_expenditure": "一般公共预算基本支出表",
    "three_public": "“三公”经费支出表",
    "gov_fund_expenditure": "政府性基金预算支出表",
    "state_capital_expenditure": "国有资本经营预算支出表",
}


class DocumentNotFound(LookupError):
    pass


def find_document(con: duckdb.DuckDBPyConnection, needle: str) -> tuple[str, str, str, int]:
    rows = con.execute(
        """
        SELECT document_id, file_name, unit_name, fiscal_year FROM raw.documents
        WHERE document_id LIKE ? || '%' OR file_name = ? OR unit_name LIKE '%' || ? || '%'
        ORDER BY document_id
        """,
        [needle, needle, needle],
    ).fetchall()
    if not rows:
        quarantined = con.execute(
            "SELECT file_name, reason, detail FROM raw.quarantine WHERE document_id LIKE ? || '%' OR file_name = ?",
            [needle, needle],
        ).fetchall()
        if quarantined:
            file_name, reason, detail = quarantined[0]
            raise DocumentNotFound(f"{file_name} is quarantined: {reason} — {detail}")
        raise DocumentNotFound(f"no document matches '{needle}'")
    if len(rows) > 1:
        listing = "; ".join(f"{r[0]} {r[1]} {r[2]} {r[3]}" for r in rows)
        raise DocumentNotFound(f"'{needle}' matches {len(rows)} documents, be more precise: {listing}")
    return rows[0]


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def report_lines(warehouse: Path, needle: str) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        document_id, file_name, unit_name, fiscal_year = find_document(con, needle)
        out = [f"{unit_name} {fiscal_year} — document {document_id} ({file_name})", ""]

        tables = con.execute(
            """SELECT t.table_id, t.table_kind, t.title, t.is_empty, t.empty_note, t.code_layout, t.start_line, t.start_page,
                      c.is_consistent
               FROM raw.tables t
               LEFT JOIN intermediate.int_table_consistency c USING (document_id, table_id)
               WHERE t.document_id = ? ORDER BY t.table_id""",
            [document_id],
        ).fetchall()
        out.append(f"Tables found: {len(tables)}")
        for table_id, kind, title, is_empty, note, layout, line, page, consistent in tables:
            where = f"page {page}" if page else f"line {line}"
            state = "empty" + (f" ({note[:40]})" if note else "") if is_empty else (
                "fails its own sums — excluded" if consistent is False else "ok")
            out.append(f"  {table_id:>2}. {kind:<28} {title[:30]:<30} {where:<10} {layout:<13} {state}")
        found = {t[1] for t in tables}
        missing = [f"{name} ({kind})" for kind, name in STANDARD_TABLES.items() if kind not in found]
        out.append("Missing standard tables: " + (", ".join(missing) if missing else "none"))
        out.append("")

        issues = con.execute(
            """SELECT rule, severity, concat_ws(' ', coalesce(table_kind, figure), column_key), location, expected,
                      found, difference,
                      resolution, document_published
               FROM marts.quality_issues WHERE document_id = ?
               ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule, location""",
            [document_id],
        ).fetchall()
        fired = {i[0] for i in issues}
        rules = [r[0] for r in con.execute("SELECT rule FROM reference.quality_rules ORDER BY rule").fetchall()]
        published = all(i[8] for i in issues) if issues else True
        out.append(f"Checks: {len(rules) - len(fired & set(rules))} rules passed, {len(fired)} fired "
                   f"({len(issues)} issues); document {'published in the marts' if published else 'HELD BACK (error)'}")
        out.append("  passed: " + ", ".join(r for r in rules if r not in fired))
        for rule, severity, subject, location, expected, found_value, difference, resolution, _ in issues:
            out.append(f"  [{severity}] {rule} {subject} {location or ''}: expected {_money(expected)}, "
                       f"found {_money(found_value)}, difference {_money(difference)}")
            if resolution:
                out.append(f"      → {resolution}")
        out.append("")

        figures = con.execute(
            """SELECT figure, value, value_kind, source_description, source_location, derivation, has_conflict
               FROM marts.figure_sources WHERE document_id = ? ORDER BY figure""",
            [document_id],
        ).fetchall()
        out.append("Key figures (万元 unless a count) and where they were read:")
        for figure, value, _kind, description, location, derivation, conflict in figures:
            origin = " — ".join(p for p in (description or location, derivation) if p)
            flag = "  ⚠ conflicting values recorded" if conflict else ""
            out.append(f"  {figure:<34} {_money(value):>14}  {origin}{flag}")
        return out
    finally:
        con.close()


def print_report(warehouse: Path, needle: str, echo: Callable[[str], None] = print) -> int:
    if not warehouse.exists():
        echo(f"no warehouse at {warehouse}: run `budget-warehouse build` first")
        return 1
    try:
        lines = report_lines(warehouse, needle)
    except DocumentNotFound as exc:
        echo(str(exc))
        return 1
    for line in lines:
        echo(line)
    return 0
