"""The open release of a publication: every mart as Parquet and CSV, a Fiscal Data Package descriptor, a data dictionary.

WIRING (``dagster_project/cli.py`` is being rewritten by someone else; this module does not touch it):
``budget-warehouse export DIR`` is::

    from dagster_project.export import export_release
    result = export_release(settings.published_file, Path(DIR))   # settings = WarehouseSettings.from_env()
    # result.out_dir, result.table_rows {"unit_metrics": 5, …}, result.datapackage; ExportError → exit 1

The ``published_marts`` asset writes the same release beside the published file (``published/release/``).

What a release folder holds (see docs/release.md)::

    datapackage.json          Tabular Data Package + the Fiscal Data Package ``model`` (measures, dimensions)
    data/<table>.csv          UTF-8 without BOM, header row, "," separated; empty cell = NULL; DECIMAL as its
                              exact text ('1292.070000'), never a float; booleans true/false
    parquet/<table>.parquet   the same rows, DuckDB types kept (DECIMAL(20,6) stays a Parquet decimal)
    data_dictionary.csv       table, column, position, duckdb_type, field_type, unit, description
    data_dictionary.md        the same, one section per table

``<table>`` is every table of the published ``marts`` schema, and ``documents`` (``published.documents``: every
loaded file with its ``document_kind`` — the budget phase, 预算 / 决算).  Descriptions come from the comments of
the published file, i.e. from the dbt docs (``persist_docs``) copied by ``dagster_project.publish``.

The release is built in a temporary folder beside ``out_dir``, validated with ``frictionless``, and only then
renamed into place (the previous release is moved aside and removed after the rename), so a failed export
leaves the previous release as it was.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.publish import MARTS_SCHEMA, PUBLISHED_SCHEMA, open_published

RELEASE_DIR_NAME = "release"  # beside the published DuckDB file
DATAPACKAGE = "datapackage.json"
CSV_DIR = "data"
PARQUET_DIR = "parquet"
DICTIONARY_CSV = "data_dictionary.csv"
DICTIONARY_MD = "data_dictionary.md"
DOCUMENTS = "documents"  # the resource exported from published.documents

CURRENCY = "CNY"
WAN_YUAN_FACTOR = 10000  # 万元 → 元

# Row order of each file and the schema's primaryKey: the first candidate whose columns all exist (a table
# without one is ordered by all its columns and declares no key).
PRIMARY_KEYS: dict[str, list[list[str]]] = {
    "dim_unit": [["unit_id"], ["unit_name"]],
    "unit_metrics": [["document_id"]],
    "fct_expenditure_by_function": [["expenditure_id"]],
    "fct_basic_expenditure_by_economic": [["document_id", "subject_code"]],
    "figure_sources": [["figure_source_id"]],
    "quality_issues": [["issue_id"]],
    "dim_codes": [["code_type", "code"]],
    "document_history": [["document_id"]],
    "document_history_changes": [["document_id", "figure"]],
    DOCUMENTS: [["document_id"]],
}
# Foreign keys (the dbt relationships tests of the marts' yml): per reference, alternatives
# (field, referenced resource, referenced field), the first whose two columns exist is declared.
_UNIT = [("unit_id", "dim_unit", "unit_id"), ("unit_name", "dim_unit", "unit_name")]
_DISCLOSURE = [("document_id", "unit_metrics", "document_id")]
FOREIGN_KEYS: dict[str, list[list[tuple[str, str, str]]]] = {
    "unit_metrics": [_UNIT, [("document_id", DOCUMENTS, "document_id")]],
    "fct_expenditure_by_function": [_DISCLOSURE, _UNIT],
    "fct_basic_expenditure_by_economic": [_DISCLOSURE],
    "figure_sources": [_DISCLOSURE],
    "quality_issues": [[("document_id", DOCUMENTS, "document_id")]],
}
# Money columns, all in 万元: the Fiscal Data Package measures (currency CNY, factor 10000).
MONEY_COLUMNS: dict[str, list[str]] = {
    "unit_metrics": [
        "total_expenditure",
        "expenditure_208",
        "expenditure_210",
        "expenditure_221",
        "basic_expenditure",
        "project_expenditure",
        "reserve_expenditure",
        "personnel_expenditure",
        "public_expenditure",
        "wage_welfare_expenditure",
        "three_public_total",
        "three_public_outbound",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
        "three_public_reception",
        "operating_expenditure",
    ],
    "fct_expenditure_by_function": ["total_amount", "basic_amount", "project_amount"],
    "fct_basic_expenditure_by_economic": ["total_amount", "personnel_amount", "public_amount"],
}
# Other columns with a fixed unit (not measures: per-person amounts and shares).
UNIT_COLUMNS: dict[str, dict[str, str]] = {
    "unit_metrics": {
        "per_capita_personnel": "万元/人",
        "per_capita_wage_welfare": "万元/人",
        "three_public_share": "1",
        "share_208": "1",
        "share_210": "1",
        "share_221": "1",
        "in_service_staff": "人",
    },
}
# Columns of varying unit: the unit is in another column of the row.
UNIT_IN_COLUMN: dict[str, dict[str, str]] = {
    "figure_sources": {"value": "value_kind"},
    "quality_issues": {
        "expected": "value_unit",
        "found": "value_unit",
        "difference": "value_unit",
        "tolerance": "value_unit",
    },
}
# Fiscal Data Package 1.0 ColumnTypes (budget taxonomy) of the classification and period columns.
COLUMN_TYPES: dict[str, dict[str, str]] = {
    "fct_expenditure_by_function": {
        "subject_code": "functional-classification:generic:code",
        "subject_name": "functional-classification:generic:label",
    },
    "fct_basic_expenditure_by_economic": {
        "subject_code": "economic-classification:generic:code",
        "subject_name": "economic-classification:generic:label",
    },
}
# document_kind → Fiscal Data Package phase (部门预算 disclosed after approval: approved; 决算: executed).
PHASES = {"预算": "approved", "决算": "executed"}

_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


class ExportError(RuntimeError):
    """Nothing to export (no published file, no marts), the target is not a release folder, or the
    package does not validate."""


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    datapackage: Path
    table_rows: dict[str, int] = field(default_factory=dict)  # resource ("unit_metrics") → rows
    phase: str | None = None  # the Fiscal Data Package phase of every published document, when one
    files: tuple[Path, ...] = ()  # every file written, relative to out_dir


@dataclass(frozen=True)
class _Column:
    name: str
    duckdb_type: str
    description: str


@dataclass(frozen=True)
class _Table:
    resource: str  # resource and file name
    relation: str  # schema.table in the published file
    description: str
    columns: list[_Column]


def release_dir(published_file: Path) -> Path:
    """Where the ``published_marts`` asset writes the release: ``release/`` beside the published file."""
    return Path(published_file).parent / RELEASE_DIR_NAME


def export_release(
    published_db: Path, out_dir: Path, *, validate: bool = True, validate_rows: int | None = None
) -> ExportResult:
    """Write the release of the publication ``published_db`` to ``out_dir`` (replaced as a whole).

    ``out_dir`` must be absent, empty, or a previous release (it holds a ``datapackage.json``): any other folder
    is refused rather than replaced.  ``validate``: check the package with ``frictionless.validate`` before
    the rename (schemas, types, primary and foreign keys); an invalid package raises ``ExportError``.
    ``validate_rows``: check only the first rows of each table (the build's release: validating every row costs
    ~14 s per 10,000 documents, linear; ``budget-warehouse export`` and the tests validate every row).
    """
    published_db, out_dir = Path(published_db), Path(out_dir)
    if not published_db.exists():
        raise ExportError(f"no published file at {published_db}: run the build first")
    if out_dir.exists() and (
        not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / DATAPACKAGE).is_file())
    ):
        raise ExportError(
            f"{out_dir} exists and is not a release folder (no {DATAPACKAGE}): not replacing it"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    tmp = out_dir.parent / f".{out_dir.name}-{stamp}.tmp"
    old = out_dir.parent / f".{out_dir.name}-{stamp}.old"
    tmp.mkdir()
    try:
        table_rows, phase, files = _write_release(published_db, tmp)
        if validate:
            _validate(tmp / DATAPACKAGE, validate_rows)
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return ExportResult(
        out_dir=out_dir, datapackage=out_dir / DATAPACKAGE, table_rows=table_rows, phase=phase, files=files
    )


# --------------------------------------------------------------------------- writing
def _write_release(published_db: Path, target: Path) -> tuple[dict[str, int], str | None, tuple[Path, ...]]:
    con = open_published(published_db)
    try:
        tables = _tables(con)
        if not any(t.relation.startswith(f"{MARTS_SCHEMA}.") for t in tables):
            raise ExportError(f"{published_db} has no marts")
        (target / CSV_DIR).mkdir()
        (target / PARQUET_DIR).mkdir()
        table_rows = {}
        for table in tables:
            table_rows[table.resource] = _write_table(con, table, target)
        phase = _phase(con)
        years = con.execute(
            f"SELECT min(fiscal_year), max(fiscal_year) FROM {MARTS_SCHEMA}.unit_metrics"
        ).fetchone()
        published_at = con.execute(
            f"SELECT max(published_at) FROM {PUBLISHED_SCHEMA}.publication"
        ).fetchone()[0]
    finally:
        con.close()
    descriptor = _datapackage(tables, phase, years, published_at)
    (target / DATAPACKAGE).write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    _write_dictionary(tables, target)
    files = tuple(sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file()))
    return table_rows, phase, files


def _tables(con: duckdb.DuckDBPyConnection) -> list[_Table]:
    """Every marts table, then published.documents, with their comments (the catalog is ``publication``)."""
    found = con.execute(
        "SELECT schema_name, table_name, coalesce(comment, '') FROM duckdb_tables() "
        "WHERE database_name = current_database() AND (schema_name = ? OR (schema_name = ? AND table_name = ?)) "
        "ORDER BY schema_name = ?, table_name",
        [MARTS_SCHEMA, PUBLISHED_SCHEMA, DOCUMENTS, PUBLISHED_SCHEMA],
    ).fetchall()
    tables = []
    for schema, table, comment in found:
        columns = [
            _Column(name, data_type, _clean(description))
            for name, data_type, description in con.execute(
                "SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
                "ORDER BY column_index",
                [schema, table],
            ).fetchall()
        ]
        tables.append(_Table(table, f"{schema}.{table}", _clean(comment), columns))
    return tables


def _write_table(con: duckdb.DuckDBPyConnection, table: _Table, target: Path) -> int:
    relation = ".".join(_ident(part) for part in table.relation.split("."))
    key = primary_key(table.resource, [c.name for c in table.columns])
    order = ", ".join(_ident(c) for c in key) if key else "ALL"
    ordered = con.sql(f"SELECT * FROM {relation} ORDER BY {order}")
    ordered.write_parquet(str(target / PARQUET_DIR / f"{table.resource}.parquet"))
    as_text = ", ".join(f"{_csv_expression(c)} AS {_ident(c.name)}" for c in table.columns)
    con.sql(f"SELECT {as_text} FROM {relation} ORDER BY {order}").write_csv(
        str(target / CSV_DIR / f"{table.resource}.csv"), header=True
    )
    return con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]


def _csv_expression(column: _Column) -> str:
    """The text a CSV cell holds: DECIMAL as DuckDB prints it (exact, all its scale digits), booleans
    true/false, timestamps ISO 8601; NULL stays NULL (an empty cell)."""
    name = _ident(column.name)
    kind = column.duckdb_type.upper()
    if kind.startswith("TIMESTAMP"):
        return f"strftime({name}, '%Y-%m-%dT%H:%M:%S.%f')"
    if kind == "BOOLEAN":
        return f"CASE WHEN {name} THEN 'true' WHEN NOT {name} THEN 'false' END"
    return f"CAST({name} AS VARCHAR)"


def _phase(con: duckdb.DuckDBPyConnection) -> str | None:
    """The phase of the published documents when they all share one (预算 → approved, 决算 → executed)."""
    kinds = {
        row[0]
        for row in con.execute(
            f"SELECT DISTINCT document_kind FROM {PUBLISHED_SCHEMA}.documents WHERE document_id IN "
            f"(SELECT document_id FROM {MARTS_SCHEMA}.unit_metrics)"
        ).fetchall()
    }
    phases = {phase for kind in kinds for suffix, phase in PHASES.items() if kind and kind.endswith(suffix)}
    return phases.pop() if len(phases) == 1 and len(kinds) > 0 else None


# --------------------------------------------------------------------------- the descriptor
def _field(table: _Table, column: _Column) -> dict:
    kind = column.duckdb_type.upper()
    spec: dict = {"name": column.name, "description": column.description, "duckdbType": column.duckdb_type}
    if kind in _INTEGER_TYPES:
        spec["type"] = "integer"
    elif _DECIMAL.fullmatch(kind):
        precision, scale = _DECIMAL.fullmatch(kind).groups()
        # exact decimal text: a reader parses it as a decimal number, not a binary float
        spec.update(
            type="number", bareNumber=True, decimalChar=".", precision=int(precision), scale=int(scale)
        )
    elif kind in {"DOUBLE", "FLOAT", "REAL"}:
        spec["type"] = "number"
    elif kind == "BOOLEAN":
        spec.update(type="boolean", trueValues=["true"], falseValues=["false"])
    elif kind == "DATE":
        spec["type"] = "date"
    elif kind.startswith("TIMESTAMP"):
        spec["type"] = "datetime"
    else:
        spec["type"] = "string"
    if column.name in MONEY_COLUMNS.get(table.resource, []):
        spec.update(unit="万元", currency=CURRENCY, factor=WAN_YUAN_FACTOR, columnType="value")
    elif column.name in UNIT_COLUMNS.get(table.resource, {}):
        spec["unit"] = UNIT_COLUMNS[table.resource][column.name]
        if spec["unit"] == "万元/人":
            spec.update(currency=CURRENCY, factor=WAN_YUAN_FACTOR)
    elif column.name in UNIT_IN_COLUMN.get(table.resource, {}):
        spec["unitField"] = UNIT_IN_COLUMN[table.resource][column.name]
    if column.name == "fiscal_year":
        spec["columnType"] = "date:fiscal-year"
    if column.name in COLUMN_TYPES.get(table.resource, {}):
        spec["columnType"] = COLUMN_TYPES[table.resource][column.name]
    return spec


def primary_key(resource: str, columns: list[str]) -> list[str]:
    """The primary key of a resource (its row order): the first candidate of PRIMARY_KEYS present, or []."""
    for candidate in PRIMARY_KEYS.get(resource, []):
        if all(c in columns for c in candidate):
            return candidate
    return []


def _resource(table: _Table, tables: dict[str, _Table]) -> dict:
    columns = {c.name for c in table.columns}
    schema: dict = {"fields": [_field(table, c) for c in table.columns], "missingValues": [""]}
    key = primary_key(table.resource, [c.name for c in table.columns])
    if key:
        schema["primaryKey"] = key
    foreign = []
    for alternatives in FOREIGN_KEYS.get(table.resource, []):
        for own, ref, ref_field in alternatives:
            if own in columns and ref in tables and ref_field in {c.name for c in tables[ref].columns}:
                foreign.append({"fields": [own], "reference": {"resource": ref, "fields": [ref_field]}})
                break
    if foreign:
        schema["foreignKeys"] = foreign
    return {
        "name": table.resource,
        "title": table.description.split(" — ")[0] if " — " in table.description else table.resource,
        "description": table.description,
        "path": f"{CSV_DIR}/{table.resource}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "header": True, "quoteChar": '"', "doubleQuote": True},
        "schema": schema,
        "sourceTable": table.relation,
        "alternativeFormats": [
            {
                "format": "parquet",
                "path": f"{PARQUET_DIR}/{table.resource}.parquet",
                "mediatype": "application/vnd.apache.parquet",
            }
        ],
    }


def _model(tables: list[_Table], phase: str | None) -> dict:
    """The Fiscal Data Package (0.3) logical model: one measure per money column, and the dimensions."""
    by_name = {t.resource: t for t in tables}
    measures = {}
    for resource, money in MONEY_COLUMNS.items():
        if resource not in by_name:
            continue
        present = {c.name for c in by_name[resource].columns}
        for column in money:
            if column in present:
                measure = {
                    "source": column,
                    "resource": resource,
                    "currency": CURRENCY,
                    "factor": WAN_YUAN_FACTOR,
                    "direction": "expenditure",
                }
                if phase:
                    measure["phase"] = phase
                measures[f"{resource}.{column}"] = measure
    dimensions: dict = {}

    def attributes(resource: str, **sources: str) -> dict:
        return {name: {"source": source, "resource": resource} for name, source in sources.items()}

    if "unit_metrics" in by_name:
        dimensions["fiscal-year"] = {
            "dimensionType": "datetime",
            "attributes": attributes("unit_metrics", year="fiscal_year"),
            "primaryKey": "year",
        }
    if "dim_unit" in by_name:
        dimensions["budget-unit"] = {
            "dimensionType": "entity",
            "attributes": attributes(
                "dim_unit", name="unit_name", region="region", province="province", admin_level="admin_level"
            ),
            "primaryKey": "name",
        }
    for resource, kind in (
        ("fct_expenditure_by_function", "functional"),
        ("fct_basic_expenditure_by_economic", "economic"),
    ):
        if resource in by_name:
            attrs = attributes(resource, code="subject_code", label="subject_name", level="subject_level")
            attrs["label"]["labelfor"] = "code"
            if kind == "economic":
                attrs["parent"] = {"source": "parent_code", "resource": resource}
            dimensions[f"{kind}-classification"] = {
                "dimensionType": "classification",
                "classificationType": kind,
                "attributes": attrs,
                "primaryKey": "code",
            }
    if DOCUMENTS in by_name:
        dimensions["phase"] = {
            "dimensionType": "other",
            "description": "预算 / 决算 — document_kind of each document (部门预算 | 单位预算 → approved; 部门决算 | 单位决算 → executed).",
            "attributes": attributes(DOCUMENTS, document="document_id", kind="document_kind"),
            "primaryKey": "document",
        }
    return {"measures": measures, "dimensions": dimensions}


def _datapackage(
    tables: list[_Table], phase: str | None, years: tuple, published_at: datetime | None
) -> dict:
    by_name = {t.resource: t for t in tables}
    descriptor = {
        "profile": "tabular-data-package",
        "name": "budget-warehouse-marts",
        "title": "部门预算公开数据 — budget disclosures of Chinese budget units (marts of the budget warehouse)",
        "description": (
            "Figures read from published 部门预算 / 单位预算 disclosures: key figures per document, expenditure by "
            "function and economic classification, the source of every figure and the quality issues found. "
            "Money in 万元 (factor 10000 to 元, currency CNY), exact decimals."
        ),
        "countryCode": "CN",
        "granularity": "aggregated",
        "profiles": {"fiscal": "*", "tabular": "*"},
        "resources": [_resource(t, by_name) for t in tables],
        "model": _model(tables, phase),
    }
    if published_at is not None:
        descriptor["created"] = (
            published_at.replace(tzinfo=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        )
    if years and years[0] is not None:
        # China's fiscal year is the calendar year
        descriptor["fiscalPeriod"] = {"start": f"{years[0]}-01-01", "end": f"{years[1]}-12-31"}
    if phase:
        descriptor["phase"] = phase
    return descriptor


# --------------------------------------------------------------------------- the data dictionary
def _dictionary_rows(tables: list[_Table]) -> list[dict]:
    rows = []
    for table in tables:
        rows.append(
            {
                "table": table.resource,
                "column": "",
                "position": 0,
                "duckdb_type": "",
                "field_type": "",
                "unit": "",
                "description": table.description,
            }
        )
        for position, column in enumerate(table.columns, start=1):
            spec = _field(table, column)
            unit = spec.get("unit") or (f"see {spec['unitField']}" if "unitField" in spec else "")
            rows.append(
                {
                    "table": table.resource,
                    "column": column.name,
                    "position": position,
                    "duckdb_type": column.duckdb_type,
                    "field_type": spec["type"],
                    "unit": unit,
                    "description": column.description,
                }
            )
    return rows


def _write_dictionary(tables: list[_Table], target: Path) -> None:
    rows = _dictionary_rows(tables)
    with (target / DICTIONARY_CSV).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        "# Data dictionary",
        "",
        (
            "Generated from the comments of the published DuckDB file (the dbt docs of the models). "
            "Money in 万元 (× 10000 = 元, CNY); DECIMAL values are exact."
        ),
        "",
    ]
    for table in tables:
        lines += [f"## {table.resource}", "", f"`{table.relation}` — {_md(table.description)}", ""]
        lines += ["| column | type | unit | description |", "|---|---|---|---|"]
        for row in rows:
            if row["table"] == table.resource and row["column"]:
                lines.append(
                    f"| `{row['column']}` | {row['duckdb_type']} | {_md(row['unit'])} | {_md(row['description'])} |"
                )
        lines.append("")
    (target / DICTIONARY_MD).write_text("\n".join(lines), encoding="utf-8")


# --------------------------------------------------------------------------- validation and helpers
def _validate(descriptor: Path, limit_rows: int | None = None) -> None:
    from frictionless import validate

    report = validate(str(descriptor), limit_rows=limit_rows)
    if not report.valid:
        errors = [f"{e.type}: {e.note}" for task in report.tasks for e in task.errors][:10]
        errors += [f"{e.type}: {e.note}" for e in report.errors][:10]
        raise ExportError("the release does not validate: " + "; ".join(errors))


def _clean(text: str) -> str:
    return " ".join(text.split())


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
