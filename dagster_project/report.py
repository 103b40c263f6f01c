"""``budget-warehouse report DOCUMENT``: one disclosure explained from the warehouse (read-only).

Sections, each a rich table (rich measures CJK characters as two columns, so they line up):

* the tables found / empty / missing (and which fail their own sums);
* the quality rules that fired (with their resolution) and those that passed;
* every key figure with its value and the place it was read from (or derived);
* Identity: for each attribute (unit_name, fiscal_year, document_kind, scope, department_name) the value
  chosen, its source and runner-up (``raw.documents``), and every candidate with its source, location,
  weight and validity (``raw.identity_evidence``) — or "no identity evidence recorded" for a warehouse
  loaded before that table existed.

DOCUMENT is a document id (or a prefix of one), a file name, or part of a unit name.  An exact document id
or file name wins over partial matches; otherwise more than one match is ``AmbiguousDocument`` (the CLI
lists the candidates and exits 2), none is ``DocumentNotFound`` (exit 2), a quarantined file is
``DocumentQuarantined`` (exit 1: the document is known but was not loaded; the message says why).

``collect_report`` returns the content as data (``--json`` prints it, Decimals as strings);
``render_report`` prints it to a rich console; ``report_lines`` renders it to plain lines.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from extract.catalogue import standard_tables

# The standard table family of a 部门预算 (table_kinds.csv: in_standard_set; kind → Chinese name); a disclosure
# that lacks one of these is told so.
STANDARD_TABLES = standard_tables()
IDENTITY_ATTRIBUTES = ("unit_name", "fiscal_year", "document_kind", "scope", "department_name")
NO_IDENTITY_EVIDENCE = "no identity evidence recorded"
LINES_WIDTH = 400  # ``report_lines``: wide enough that a row is one line
LOCATIONS_SHOWN = 3

try:  # how extract.identity scores a value: the weight of each source, plus a bonus per repetition
    from extract.identity import MAX_REPEAT_BONUS, REPEAT_BONUS
except ImportError:  # pragma: no cover — an extract without identity evidence
    REPEAT_BONUS, MAX_REPEAT_BONUS = 1, 4


class DocumentNotFound(LookupError):
    """No loaded document matches."""


class AmbiguousDocument(DocumentNotFound):
    def __init__(self, needle: str, candidates: list[dict[str, Any]]):
        self.needle = needle
        self.candidates = candidates
        listing = "; ".join(
            f"{c['document_id']} {c['file_name']} {c['unit_name']} {c['fiscal_year']}" for c in candidates
        )
        super().__init__(f"'{needle}' matches {len(candidates)} documents, be more precise: {listing}")


class DocumentQuarantined(DocumentNotFound):
    """The file is known, but it was quarantined, not loaded."""


def find_document(con: duckdb.DuckDBPyConnection, needle: str) -> tuple[str, str, str, int]:
    """(document_id, file_name, unit_name, fiscal_year) of the one document ``needle`` names."""
    rows = con.execute(
        """
        SELECT document_id, file_name, unit_name, fiscal_year,
               document_id = ? OR file_name = ? AS is_exact
        FROM raw.documents
        WHERE document_id LIKE ? || '%' OR file_name = ? OR unit_name LIKE '%' || ? || '%'
        ORDER BY document_id
        """,
        [needle, needle, needle, needle, needle],
    ).fetchall()
    exact = [r for r in rows if r[4]]
    if len(exact) == 1:
        rows = exact
    if not rows:
        quarantined = con.execute(
            "SELECT file_name, reason, detail FROM raw.quarantine WHERE document_id LIKE ? || '%' OR file_name = ?",
            [needle, needle],
        ).fetchall()
        if quarantined:
            file_name, reason, detail = quarantined[0]
            raise DocumentQuarantined(f"{file_name} is quarantined: {reason} — {detail}")
        raise DocumentNotFound(f"no document matches '{needle}'")
    if len(rows) > 1:
        raise AmbiguousDocument(
            needle,
            [dict(zip(("document_id", "file_name", "unit_name", "fiscal_year"), r[:4])) for r in rows],
        )
    return rows[0][:4]


# --------------------------------------------------------------------------- the content, as data


def collect_report(warehouse: Path, needle: str) -> dict[str, Any]:
    """Everything the report shows, as plain data (Decimals kept)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        document_id, file_name, unit_name, fiscal_year = find_document(con, needle)
        tables = _dicts(
            con.execute(
                """SELECT t.table_id, t.table_kind, t.title, t.is_empty, t.empty_note, t.code_layout, t.start_line,
                      t.start_page, c.is_consistent
               FROM raw.tables t
               LEFT JOIN intermediate.int_table_consistency c USING (document_id, table_id)
               WHERE t.document_id = ? ORDER BY t.table_id""",
                [document_id],
            )
        )
        for table in tables:
            table["location"] = (
                f"page {table['start_page']}" if table["start_page"] else f"line {table['start_line']}"
            )
            table["state"] = _table_state(table)
        found = {t["table_kind"] for t in tables}
        missing = [
            {"table_kind": kind, "name": name} for kind, name in STANDARD_TABLES.items() if kind not in found
        ]

        issues = _dicts(
            con.execute(
                """SELECT rule, severity, concat_ws(' ', coalesce(table_kind, figure), column_key) AS subject,
                      location, expected, found, difference, resolution, document_published
               FROM marts.quality_issues WHERE document_id = ?
               ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule, location""",
                [document_id],
            )
        )
        rules = [
            r[0] for r in con.execute("SELECT rule FROM reference.quality_rules ORDER BY rule").fetchall()
        ]
        fired = sorted({i["rule"] for i in issues})
        published = all(i["document_published"] for i in issues) if issues else True

        figures = _dicts(
            con.execute(
                """SELECT figure, value, value_kind, source_description, source_location, derivation, has_conflict
               FROM marts.figure_sources WHERE document_id = ? ORDER BY figure""",
                [document_id],
            )
        )
        for figure in figures:
            figure["origin"] = " — ".join(
                p
                for p in (figure["source_description"] or figure["source_location"], figure["derivation"])
                if p
            )

        return {
            "document": {
                "document_id": document_id,
                "file_name": file_name,
                "unit_name": unit_name,
                "fiscal_year": fiscal_year,
            },
            "tables": tables,
            "missing_standard_tables": missing,
            "checks": {
                "rules_passed": [r for r in rules if r not in fired],
                "rules_fired": fired,
                "issue_count": len(issues),
                "document_published": published,
                "issues": issues,
            },
            "key_figures": figures,
            "identity": _identity(con, document_id),
        }
    finally:
        con.close()


def _table_state(table: dict) -> str:
    if table["is_empty"]:
        return "empty" + (f" ({table['empty_note'][:40]})" if table["empty_note"] else "")
    return "fails its own sums — excluded" if table["is_consistent"] is False else "ok"


def _identity(con: duckdb.DuckDBPyConnection, document_id: str) -> dict[str, Any]:
    """The chosen identity (raw.documents) and its evidence (raw.identity_evidence), whichever exist."""
    document_columns = set(_columns(con, "raw", "documents"))
    wanted = [
        c
        for attribute in IDENTITY_ATTRIBUTES
        for c in (attribute, f"{attribute}_source", f"{attribute}_runner_up")
        if c in document_columns
    ]
    chosen = _dicts(
        con.execute(
            f"SELECT {', '.join(_quote(c) for c in wanted)} FROM raw.documents WHERE document_id = ?",
            [document_id],
        )
    )[0]
    evidence_columns = set(_columns(con, "raw", "identity_evidence"))
    evidence: list[dict] = []
    if {"attribute", "value", "source"} <= evidence_columns:
        optional = ("location", "weight", "is_valid", "invalid_reason", "is_chosen")
        selected = ["attribute", "value", "source", *(c for c in optional if c in evidence_columns)]
        evidence = _dicts(
            con.execute(
                f"SELECT {', '.join(selected)} FROM raw.identity_evidence WHERE document_id = ?",
                [document_id],
            )
        )
    by_attribute: dict[str, list[dict]] = defaultdict(list)
    for row in evidence:
        by_attribute[row["attribute"]].append(row)
    attributes = []
    order = [*IDENTITY_ATTRIBUTES, *sorted(set(by_attribute) - set(IDENTITY_ATTRIBUTES))]
    for attribute in order:
        value = chosen.get(attribute)
        rows = by_attribute.get(attribute, [])
        if value is None and not rows:
            continue
        candidates = _candidates(rows)
        attributes.append(
            {
                "attribute": attribute,
                "chosen": None if value is None else str(value),
                "source": chosen.get(f"{attribute}_source")
                or next(
                    (c["sources"][0]["source"] for c in candidates if c["is_chosen"] and c["sources"]), None
                ),
                "runner_up": chosen.get(f"{attribute}_runner_up"),
                "why": _why(candidates),
                "candidates": candidates,
            }
        )
    return {
        "evidence_recorded": bool(evidence),
        "note": None if evidence else NO_IDENTITY_EVIDENCE,
        "attributes": attributes,
    }


def _candidates(rows: list[dict]) -> list[dict]:
    """One entry per value of an attribute: its sources (weight, statements, locations), validity, score."""
    values: dict[str, dict] = {}
    for row in rows:
        entry = values.setdefault(
            row["value"],
            {
                "value": row["value"],
                "is_chosen": False,
                "is_valid": True,
                "invalid_reasons": [],
                "sources": {},
            },
        )
        entry["is_chosen"] |= bool(row.get("is_chosen"))
        if row.get("is_valid") is False:
            entry["is_valid"] = False
            if row.get("invalid_reason") and row["invalid_reason"] not in entry["invalid_reasons"]:
                entry["invalid_reasons"].append(row["invalid_reason"])
        source = entry["sources"].setdefault(
            row["source"],
            {"source": row["source"], "weight": row.get("weight"), "statements": 0, "locations": []},
        )
        source["statements"] += 1
        if row.get("location"):
            source["locations"].append(row["location"])
    out = []
    for entry in values.values():
        sources = sorted(entry["sources"].values(), key=lambda s: (-(s["weight"] or 0), s["source"]))
        entry["sources"] = sources
        entry["score"] = sum(
            (s["weight"] or 0) + min(MAX_REPEAT_BONUS, REPEAT_BONUS * (s["statements"] - 1)) for s in sources
        )
        out.append(entry)
    return sorted(out, key=lambda e: (not e["is_chosen"], not e["is_valid"], -e["score"], e["value"]))


def _why(candidates: list[dict]) -> str:
    chosen = next((c for c in candidates if c["is_chosen"]), None)
    if chosen is None:
        return ""
    others = [c for c in candidates if c is not chosen]
    parts = [f"score {chosen['score']} from " + ", ".join(_source_text(s) for s in chosen["sources"])]
    rival = next((c for c in others if c["is_valid"]), None)
    if rival is not None:
        parts.append(f"runner-up {rival['value']} scores {rival['score']}")
    rejected = [c for c in others if not c["is_valid"]]
    if rejected:
        parts.append(f"{len(rejected)} invalid candidate(s) not counted")
    return "; ".join(parts)


def _source_text(source: dict) -> str:
    repeats = f" ×{source['statements']}" if source["statements"] > 1 else ""
    return f"{source['source']} ({source['weight']}){repeats}"


# --------------------------------------------------------------------------- rendering


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _table(title: str | None = None) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=True)


def render_report(data: dict[str, Any], console: Console) -> None:
    doc = data["document"]
    console.print(
        Text(
            f"{doc['unit_name']} {doc['fiscal_year']} — document {doc['document_id']} ({doc['file_name']})",
            style="bold",
        )
    )
    console.print()

    tables = data["tables"]
    console.print(Text(f"Tables found: {len(tables)}", style="bold"))
    if tables:
        grid = _table()
        for name, justify in (
            ("#", "right"),
            ("kind", "left"),
            ("title", "left"),
            ("where", "left"),
            ("layout", "left"),
            ("state", "left"),
        ):
            grid.add_column(name, justify=justify)
        for t in tables:
            grid.add_row(
                str(t["table_id"]),
                t["table_kind"],
                (t["title"] or "")[:30],
                t["location"],
                t["code_layout"] or "",
                t["state"],
            )
        console.print(grid)
    missing = data["missing_standard_tables"]
    console.print(
        Text(
            "Missing standard tables: "
            + (", ".join(f"{m['name']} ({m['table_kind']})" for m in missing) if missing else "none")
        )
    )
    console.print()

    checks = data["checks"]
    console.print(
        Text(
            f"Checks: {len(checks['rules_passed'])} rules passed, {len(checks['rules_fired'])} fired "
            f"({checks['issue_count']} issues); document "
            + ("published in the marts" if checks["document_published"] else "HELD BACK (error)"),
            style="bold",
        )
    )
    console.print(Text("  passed: " + ", ".join(checks["rules_passed"])))
    if checks["issues"]:
        grid = _table()
        for name, justify in (
            ("severity", "left"),
            ("rule", "left"),
            ("subject", "left"),
            ("location", "left"),
            ("expected", "right"),
            ("found", "right"),
            ("difference", "right"),
            ("resolution", "left"),
        ):
            grid.add_column(name, justify=justify)
        for i in checks["issues"]:
            grid.add_row(
                i["severity"],
                i["rule"],
                i["subject"] or "",
                i["location"] or "",
                _money(i["expected"]),
                _money(i["found"]),
                _money(i["difference"]),
                i["resolution"] or "",
            )
        console.print(grid)
    console.print()

    console.print(Text("Key figures (万元 unless a count) and where they were read:", style="bold"))
    if data["key_figures"]:
        grid = _table()
        for name, justify in (
            ("figure", "left"),
            ("value", "right"),
            ("read from", "left"),
            ("note", "left"),
        ):
            grid.add_column(name, justify=justify)
        for f in data["key_figures"]:
            grid.add_row(
                f["figure"],
                _money(f["value"]),
                f["origin"],
                "⚠ conflicting values recorded" if f["has_conflict"] else "",
            )
        console.print(grid)
    console.print()
    render_identity(data["identity"], console)


def render_identity(identity: dict[str, Any], console: Console) -> None:
    console.print(Text("Identity", style="bold"))
    chosen = _table()
    for name in ("attribute", "chosen", "source", "runner-up", "why"):
        chosen.add_column(name)
    for a in identity["attributes"]:
        chosen.add_row(a["attribute"], a["chosen"] or "—", a["source"] or "—", a["runner_up"] or "", a["why"])
    console.print(chosen)
    if not identity["evidence_recorded"]:
        console.print(
            Text(f"  {NO_IDENTITY_EVIDENCE} (raw.identity_evidence is absent or empty for this document)")
        )
        return
    evidence = _table("  every candidate (raw.identity_evidence):")
    for name, justify in (
        ("attribute", "left"),
        ("value", "left"),
        ("source", "left"),
        ("weight", "right"),
        ("×", "right"),
        ("where", "left"),
        ("valid", "left"),
        ("chosen", "left"),
    ):
        evidence.add_column(name, justify=justify)
    for a in identity["attributes"]:
        for c in a["candidates"]:
            for s in c["sources"]:
                where = ", ".join(s["locations"][:LOCATIONS_SHOWN]) + (
                    " …" if len(s["locations"]) > LOCATIONS_SHOWN else ""
                )
                valid = "yes" if c["is_valid"] else "no: " + "; ".join(c["invalid_reasons"])
                evidence.add_row(
                    a["attribute"],
                    c["value"],
                    s["source"],
                    str(s["weight"]),
                    str(s["statements"]),
                    where,
                    valid,
                    "✓" if c["is_chosen"] else "",
                )
    console.print(evidence)


def render_candidates(error: AmbiguousDocument, console: Console) -> None:
    console.print(Text(f"'{error.needle}' matches {len(error.candidates)} documents; name one of them:"))
    grid = _table()
    for name in ("document_id", "file_name", "unit_name", "fiscal_year"):
        grid.add_column(name)
    for c in error.candidates:
        grid.add_row(c["document_id"], c["file_name"], c["unit_name"], str(c["fiscal_year"]))
    console.print(grid)


def report_lines(warehouse: Path, needle: str) -> list[str]:
    """The report as plain text lines (one table row per line)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=LINES_WIDTH, color_system=None, highlight=False, emoji=False)
    render_report(collect_report(warehouse, needle), console)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def print_report(warehouse: Path, needle: str, echo: Callable[[str], None] = print) -> int:
    """The report through ``echo``, line by line; 0, 1 (no warehouse, quarantined) or 2 (not found, ambiguous)."""
    if not warehouse.exists():
        echo(f"no warehouse at {warehouse}: run `budget-warehouse build` first")
        return 1
    try:
        lines = report_lines(warehouse, needle)
    except DocumentQuarantined as exc:
        echo(str(exc))
        return 1
    except DocumentNotFound as exc:
        echo(str(exc))
        return 2
    for line in lines:
        echo(line)
    return 0


# --------------------------------------------------------------------------- helpers


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'
