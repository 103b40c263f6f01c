"""The dashboard's data: one snapshot of the published marts, read in one short read-only connection.

The dashboard never opens the warehouse the build writes.  It reads the file ``publish_marts`` renames into
place after each successful build (``BUDGET_PUBLISHED``, default
``data/warehouse/published/budget_marts.duckdb``): the whole publication is read at once (the marts are small)
and kept per file version, so a page is always drawn from one publication, and the connection is closed
before the page renders — a build can publish while the dashboard is open.

Columns are looked up by name: a column the code expects but the file lacks is added as NULL (shown as "—"),
and extra columns are carried along untouched.  Labels and display formats of the marts' columns come from the
publication's column catalogue (``dashboard.catalogue``), not from here.  Money stays DECIMAL (polars
``Decimal``) throughout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from dashboard import catalogue
from warehouse.publication import open_published, read_column_catalogue, sources_dir
from warehouse.settings import WarehouseSettings

MONEY = pl.Decimal(20, 6)
RATIO = pl.Decimal(12, 6)

# the columns each page reads, with the type they get when the published file lacks them
UNIT_METRICS_COLUMNS: dict[str, pl.DataType] = {
    "document_id": pl.String,
    "unit_id": pl.String,
    "unit_name": pl.String,
    "document_kind": pl.String,
    "region": pl.String,
    "province": pl.String,
    "fiscal_year": pl.Int32,
    "scope": pl.String,
    "total_expenditure": MONEY,
    "expenditure_208": MONEY,
    "expenditure_210": MONEY,
    "expenditure_221": MONEY,
    "expenditure_other": MONEY,
    "basic_expenditure": MONEY,
    "project_expenditure": MONEY,
    "reserve_expenditure": MONEY,
    "personnel_expenditure": MONEY,
    "public_expenditure": MONEY,
    "wage_welfare_expenditure": MONEY,
    "three_public_total": MONEY,
    "three_public_outbound": MONEY,
    "three_public_vehicle_purchase": MONEY,
    "three_public_vehicle_operation": MONEY,
    "three_public_reception": MONEY,
    "operating_expenditure": MONEY,
    "in_service_staff": pl.Int32,
    "staff_basis": pl.String,
    "per_capita_personnel": MONEY,
    "per_capita_wage_welfare": MONEY,
    "three_public_share": RATIO,
    "share_208": RATIO,
    "share_210": RATIO,
    "share_221": RATIO,
    "share_other": RATIO,
    "quality_status": pl.String,
    "quality_issue_count": pl.Int32,
}
FUNCTION_COLUMNS: dict[str, pl.DataType] = {
    "document_id": pl.String,
    "unit_id": pl.String,
    "unit_name": pl.String,
    "fiscal_year": pl.Int32,
    "subject_code": pl.String,
    "subject_level": pl.String,
    "subject_name": pl.String,
    "total_amount": MONEY,
    "basic_amount": MONEY,
    "project_amount": MONEY,
    "is_derived": pl.Boolean,
    "source_location": pl.String,
}
FIGURE_SOURCE_COLUMNS: dict[str, pl.DataType] = {
    "document_id": pl.String,
    "figure": pl.String,
    "value_kind": pl.String,
    "value": MONEY,
    "source_kind": pl.String,
    "source_location": pl.String,
    "source_description": pl.String,
    "derivation": pl.String,
    "has_conflict": pl.Boolean,
    "source_file": pl.String,
    "source_page": pl.Int32,
    "source_line": pl.Int32,
}
QUALITY_ISSUE_COLUMNS: dict[str, pl.DataType] = {
    "issue_id": pl.String,
    "document_id": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "category": pl.String,
    "table_kind": pl.String,
    "figure": pl.String,
    "location": pl.String,
    "row_key": pl.String,
    "column_key": pl.String,
    "expected": MONEY,
    "found": MONEY,
    "difference": MONEY,
    "value_unit": pl.String,
    "detail": pl.String,
    "resolution": pl.String,
    "unit_name": pl.String,
    "fiscal_year": pl.Int32,
    "document_published": pl.Boolean,
    "source_file": pl.String,
    "source_page": pl.Int32,
    "source_line": pl.Int32,
}
DOCUMENT_COLUMNS: dict[str, pl.DataType] = {
    "document_id": pl.String,
    "file_name": pl.String,
    "source_format": pl.String,
    "title": pl.String,
    "unit_name": pl.String,
    "fiscal_year": pl.Int32,
    "scope": pl.String,
    "source_file": pl.String,
}
ECONOMIC_COLUMNS: dict[str, pl.DataType] = {
    "document_id": pl.String,
    "unit_id": pl.String,
    "unit_name": pl.String,
    "fiscal_year": pl.Int32,
    "source_document_id": pl.String,
    "subject_code": pl.String,
    "subject_level": pl.String,
    "parent_code": pl.String,
    "subject_name": pl.String,
    "total_amount": MONEY,
    "personnel_amount": MONEY,
    "public_amount": MONEY,
    "source_location": pl.String,
}
DIM_UNIT_COLUMNS: dict[str, pl.DataType] = {
    "unit_id": pl.String,
    "unit_name": pl.String,
    "region": pl.String,
    "province": pl.String,
    "document_count": pl.Int32,
    "first_fiscal_year": pl.Int32,
    "last_fiscal_year": pl.Int32,
}

BUDGET_EXECUTION_COLUMNS: dict[str, pl.DataType] = {
    "document_id": pl.String,
    "unit_id": pl.String,
    "unit_name": pl.String,
    "fiscal_year": pl.Int32,
    "document_kind": pl.String,
    "figure": pl.String,
    "budget_amount": MONEY,
    "budget_source": pl.String,
    "budget_document_id": pl.String,
    "loaded_budget_amount": MONEY,
    "stated_budget_amount": MONEY,
    "final_amount": MONEY,
    "execution_rate": RATIO,
    "budget_differs": pl.Boolean,
}
UNIT_YEAR_COLUMNS: dict[str, pl.DataType] = {
    "unit_id": pl.String,
    "unit_name": pl.String,
    "fiscal_year": pl.Int32,
    "document_kind": pl.String,
    "figure": pl.String,
    "document_id": pl.String,
    "value": MONEY,
    "previous_document_id": pl.String,
    "previous_value": MONEY,
    "change": MONEY,
    "change_rate": RATIO,
}

TABLES: dict[str, tuple[str, dict[str, pl.DataType]]] = {
    "unit_metrics": ("marts.unit_metrics", UNIT_METRICS_COLUMNS),
    "expenditure_by_function": ("marts.fct_expenditure_by_function", FUNCTION_COLUMNS),
    "figure_sources": ("marts.figure_sources", FIGURE_SOURCE_COLUMNS),
    "quality_issues": ("marts.quality_issues", QUALITY_ISSUE_COLUMNS),
    "documents": ("published.documents", DOCUMENT_COLUMNS),
    "basic_by_economic": ("marts.fct_basic_expenditure_by_economic", ECONOMIC_COLUMNS),
    "dim_unit": ("marts.dim_unit", DIM_UNIT_COLUMNS),
    "budget_execution": ("marts.budget_execution", BUDGET_EXECUTION_COLUMNS),
    "unit_year_metrics": ("marts.unit_year_metrics", UNIT_YEAR_COLUMNS),
}


class PublicationMissing(Exception):
    """No published file yet (run ``make run``), or it cannot be read."""


@dataclass(frozen=True)
class Snapshot:
    """One publication, read whole."""

    path: Path
    published_at: object  # datetime (UTC) or None
    unit_metrics: pl.DataFrame
    expenditure_by_function: pl.DataFrame
    figure_sources: pl.DataFrame
    quality_issues: pl.DataFrame
    documents: pl.DataFrame
    basic_by_economic: pl.DataFrame
    dim_unit: pl.DataFrame
    budget_execution: pl.DataFrame
    unit_year_metrics: pl.DataFrame

    @property
    def sources_dir(self) -> Path:
        return sources_dir(self.path)

    def document(self, document_id: str) -> dict | None:
        rows = self.documents.filter(pl.col("document_id") == document_id).to_dicts()
        return rows[0] if rows else None

    def metrics_row(self, document_id: str) -> dict | None:
        rows = self.unit_metrics.filter(pl.col("document_id") == document_id).to_dicts()
        return rows[0] if rows else None


def published_file(environ: dict[str, str] | None = None) -> Path:
    """``BUDGET_PUBLISHED``, else ``published/budget_marts.duckdb`` beside ``BUDGET_WAREHOUSE``."""
    return WarehouseSettings.from_env(os.environ if environ is None else environ).published_file


def file_version(path: Path) -> str | None:
    """Changes whenever a new publication is renamed into place (new inode); None when there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return f"{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"


def read_snapshot(path: Path) -> Snapshot:
    """Every table the pages use, from one read-only connection that is closed on return."""
    if not path.exists():
        raise PublicationMissing(f"no published marts at {path}")
    try:
        con = open_published(path)
    except duckdb.Error as exc:
        raise PublicationMissing(f"cannot read {path}: {exc}") from exc
    try:
        frames = {name: _read_table(con, table, columns) for name, (table, columns) in TABLES.items()}
        published_at = _published_at(con)
        catalogue.use(read_column_catalogue(con))
    finally:
        con.close()
    return Snapshot(path=path, published_at=published_at, **frames)


def _read_table(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    try:
        frame = con.execute(f"SELECT * FROM {table}").pl()
    except duckdb.CatalogException:
        frame = pl.DataFrame(schema=columns)
    return with_columns(frame, columns)


def with_columns(frame: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with every column of ``columns`` (added as NULL when absent); other columns are kept."""
    missing = [
        pl.lit(None, dtype=dtype).alias(name) for name, dtype in columns.items() if name not in frame.columns
    ]
    return frame.with_columns(missing) if missing else frame


def _published_at(con: duckdb.DuckDBPyConnection):
    try:
        row = con.execute("SELECT max(published_at) FROM published.publication").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


# --------------------------------------------------------------------------- overview
@dataclass(frozen=True)
class Filters:
    provinces: tuple[str | None, ...] = ()  # empty: all; None stands for "no province" (not in the registry)
    regions: tuple[str | None, ...] = ()
    fiscal_years: tuple[int, ...] = ()
    scopes: tuple[str | None, ...] = ()


def filter_metrics(metrics: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    selected = metrics
    for column, values in (
        ("province", filters.provinces),
        ("region", filters.regions),
        ("fiscal_year", filters.fiscal_years),
        ("scope", filters.scopes),
    ):
        if values:
            wanted = [v for v in values if v is not None]
            condition = pl.col(column).is_in(wanted)
            if None in values:
                condition = condition | pl.col(column).is_null()
            selected = selected.filter(condition)
    return selected


def of_kind(metrics: pl.DataFrame, family: str) -> pl.DataFrame:
    """The disclosures of one kind family (预算 or 决算): a ranking never mixes them."""
    return metrics.filter(
        pl.col("document_kind").map_elements(kind_family, return_dtype=pl.String, skip_nulls=False) == family
    )


EXECUTION_RANK = "execution_rate"


def with_execution(metrics: pl.DataFrame, execution: pl.DataFrame) -> pl.DataFrame:
    """``metrics`` with the total's budget, final amount, execution rate and budget source of each 决算
    (``budget_execution``, figure ``total_expenditure``); NULL for a document without one."""
    total = execution.filter(pl.col("figure") == "total_expenditure").select(
        "document_id",
        pl.col("budget_amount").cast(MONEY).alias("execution_budget"),
        pl.col("final_amount").cast(MONEY).alias("execution_final"),
        pl.col("execution_rate").cast(RATIO),
        "budget_source",
    )
    base = metrics.drop(
        [
            c
            for c in ("execution_budget", "execution_final", "execution_rate", "budget_source")
            if c in metrics.columns
        ]
    )
    return base.join(total.unique("document_id"), on="document_id", how="left")


def ranked(metrics: pl.DataFrame, rank_by: str) -> pl.DataFrame:
    """Disclosures ranked on ``rank_by`` (highest first; missing values last), with ``rank`` 1…n."""
    frame = metrics.sort(
        [rank_by, "unit_name", "fiscal_year"], descending=[True, False, False], nulls_last=True
    )
    return frame.with_row_index("rank", offset=1)


def filter_options(metrics: pl.DataFrame, column: str) -> list:
    """The distinct values of a column, sorted, ``None`` last."""
    values = metrics.get_column(column).unique().to_list()
    return sorted(v for v in values if v is not None) + ([None] if None in values else [])


# --------------------------------------------------------------------------- unit page
def unit_choices(snapshot: Snapshot) -> list[dict]:
    """Every disclosure a unit page can show: the published ones, then those held back by an error."""
    published = snapshot.unit_metrics.select(
        "document_id", "unit_name", "fiscal_year", "scope", "document_kind"
    ).sort(["unit_name", "fiscal_year", "document_kind"], nulls_last=True)
    choices = [{**row, "published": True} for row in published.to_dicts()]
    held_back = (
        snapshot.quality_issues.filter(
            ~pl.col("document_id").is_in(published.get_column("document_id").to_list())
        )
        .group_by("document_id")
        .agg(pl.col("unit_name").first(), pl.col("fiscal_year").first())
        .sort(["unit_name", "document_id"])
    )
    choices += [
        {**row, "scope": None, "document_kind": None, "published": False} for row in held_back.to_dicts()
    ]
    return choices


def function_tree(snapshot: Snapshot, document_id: str) -> pl.DataFrame:
    """The document's function rows in tree order: each 类, then its 款, each followed by its 项."""
    return (
        snapshot.expenditure_by_function.filter(pl.col("document_id") == document_id)
        .with_columns(level_rank=pl.col("subject_code").str.len_chars())
        .sort("subject_code")
    )


def economic_tree(snapshot: Snapshot, document_id: str) -> pl.DataFrame:
    return snapshot.basic_by_economic.filter(pl.col("document_id") == document_id).sort("subject_code")


def figures_of(snapshot: Snapshot, document_id: str) -> dict[str, dict]:
    """``figure_sources`` of a document keyed by figure."""
    rows = snapshot.figure_sources.filter(pl.col("document_id") == document_id).to_dicts()
    return {row["figure"]: row for row in rows}


SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def issues_of(snapshot: Snapshot, document_id: str) -> pl.DataFrame:
    return (
        snapshot.quality_issues.filter(pl.col("document_id") == document_id)
        .with_columns(severity_rank=pl.col("severity").replace_strict(SEVERITY_ORDER, default=9))
        .sort(["severity_rank", "rule", "location"], nulls_last=True)
    )


# --------------------------------------------------------------------------- unit page: series and execution
SERIES_FIGURES = (
    "total_expenditure",
    "basic_expenditure",
    "project_expenditure",
    "personnel_expenditure",
    "public_expenditure",
    "three_public_total",
)
KIND_ORDER = {"部门预算": 0, "单位预算": 1, "部门决算": 2, "单位决算": 3}


def unit_series(snapshot: Snapshot, unit_id: str | None) -> pl.DataFrame:
    """The unit's ``unit_year_metrics`` rows of ``SERIES_FIGURES``: by year, then kind (预算 before 决算)."""
    if unit_id is None:
        return snapshot.unit_year_metrics.clear()
    return (
        snapshot.unit_year_metrics.filter(
            pl.col("unit_id") == unit_id, pl.col("figure").is_in(list(SERIES_FIGURES))
        )
        .with_columns(
            kind_rank=pl.col("document_kind").replace_strict(KIND_ORDER, default=9, return_dtype=pl.Int32),
            figure_rank=pl.col("figure").replace_strict(
                {f: i for i, f in enumerate(SERIES_FIGURES)}, return_dtype=pl.Int32
            ),
        )
        .sort(["fiscal_year", "kind_rank", "figure_rank"])
    )


EXECUTION_FIGURE_ORDER = (
    "total_expenditure",
    "basic_expenditure",
    "project_expenditure",
    "personnel_expenditure",
    "public_expenditure",
    "three_public_total",
    "three_public_outbound",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
    "operating_expenditure",
)


def execution_of(snapshot: Snapshot, document_id: str) -> pl.DataFrame:
    """The ``budget_execution`` rows of a 决算: the main figures in a fixed order, then the function 类
    (``expenditure_<code>``) by code."""
    order = {f: i for i, f in enumerate(EXECUTION_FIGURE_ORDER)}
    return (
        snapshot.budget_execution.filter(pl.col("document_id") == document_id)
        .with_columns(
            figure_rank=pl.col("figure").replace_strict(order, default=len(order), return_dtype=pl.Int32)
        )
        .sort(["figure_rank", "figure"])
    )


# --------------------------------------------------------------------------- per capita: why a figure is missing
def per_capita_reason(row: dict, column: str) -> str | None:
    """Why ``row[column]`` (a per-capita figure) is missing: ``'no_staff'``, ``'zero_staff'`` or
    ``'no_numerator'``; None when the figure is there."""
    if row.get(column) is not None:
        return None
    staff = row.get("in_service_staff")
    if staff is None:
        return "no_staff"
    if staff == 0:
        return "zero_staff"
    return "no_numerator"


# --------------------------------------------------------------------------- comparison
MAX_COMPARED = 6
KIND_FAMILIES = (
    "预算",
    "决算",
)  # document_kind ends with one of them: 部门预算 | 单位预算 | 部门决算 | 单位决算


def kind_family(document_kind: str | None) -> str | None:
    """``'部门预算'`` → ``'预算'``; a publication without ``document_kind`` holds budgets only."""
    if document_kind is None:
        return "预算"
    return next((f for f in KIND_FAMILIES if document_kind.endswith(f)), None)


def with_unit_key(metrics: pl.DataFrame) -> pl.DataFrame:
    """``unit_key``: the unit's ``unit_id`` (the unit name in a publication without it); ``kind_family``."""
    return metrics.with_columns(
        unit_key=pl.coalesce("unit_id", "unit_name"),
        kind_family=pl.col("document_kind").map_elements(
            kind_family, return_dtype=pl.String, skip_nulls=False
        ),
    )


def kind_options(metrics: pl.DataFrame) -> list[str]:
    present = set(with_unit_key(metrics).get_column("kind_family").drop_nulls().to_list())
    return [f for f in KIND_FAMILIES if f in present] or [KIND_FAMILIES[0]]


@dataclass(frozen=True)
class UnitChoice:
    unit_key: str
    unit_name: str
    province: str | None
    fiscal_years: tuple[int, ...]


def comparable_units(metrics: pl.DataFrame, family: str, fiscal_year: int | None) -> list[UnitChoice]:
    """The units with a disclosure of ``family`` (预算 or 决算) in ``fiscal_year`` (any year when None), by
    name.  The name shown is the unit's latest."""
    rows = with_unit_key(metrics).filter(pl.col("kind_family") == family)
    if fiscal_year is not None:
        rows = rows.filter(pl.col("fiscal_year") == fiscal_year)
    units = (
        rows.sort("fiscal_year", nulls_last=False)
        .group_by("unit_key")
        .agg(
            pl.col("unit_name").last(),
            pl.col("province").last(),
            pl.col("fiscal_year").unique().sort().alias("fiscal_years"),
        )
        .sort(["unit_name", "unit_key"])
    )
    return [
        UnitChoice(
            r["unit_key"], r["unit_name"], r["province"], tuple(y for y in r["fiscal_years"] if y is not None)
        )
        for r in units.to_dicts()
    ]


SCOPE_PREFERENCE = {"部门": 0, "单位": 1}


def compared_disclosures(
    metrics: pl.DataFrame, unit_keys: list[str], family: str, fiscal_year: int | None
) -> pl.DataFrame:
    """One disclosure per chosen unit, in the order chosen: of ``family`` only (never 预算 beside 决算), of
    ``fiscal_year`` (each unit's latest when None); where a unit has both, its 部门 disclosure (which includes its
    own 单位 one)."""
    rows = with_unit_key(metrics).filter(pl.col("kind_family") == family, pl.col("unit_key").is_in(unit_keys))
    if fiscal_year is not None:
        rows = rows.filter(pl.col("fiscal_year") == fiscal_year)
    picked = (
        rows.with_columns(
            scope_rank=pl.col("scope").replace_strict(SCOPE_PREFERENCE, default=9, return_dtype=pl.Int32),
            chosen_order=pl.col("unit_key").replace_strict(
                {key: i for i, key in enumerate(unit_keys)}, return_dtype=pl.Int32
            ),
        )
        .sort(
            ["chosen_order", "fiscal_year", "scope_rank", "document_id"],
            descending=[False, True, False, False],
        )
        .unique("unit_key", keep="first", maintain_order=True)
    )
    assert picked.get_column("kind_family").n_unique() <= 1, "a comparison never mixes 预算 and 决算"
    return picked.drop("scope_rank", "chosen_order")


# --------------------------------------------------------------------------- search over subjects
SEARCH_LIMIT = 500


@dataclass(frozen=True)
class SubjectQuery:
    text: str

    @property
    def cleaned(self) -> str:
        return "".join(self.text.split())

    @property
    def is_code(self) -> bool:
        """Digits only: a code prefix (``2080505``, ``208``, ``301``); anything else: a name substring."""
        return self.cleaned.isdigit()


# the columns of a search result, in the order of its CSV (source_document_id last: for the links only)
SEARCH_COLUMNS = [
    "classification",
    "unit_name",
    "unit_id",
    "fiscal_year",
    "document_kind",
    "subject_code",
    "subject_level",
    "subject_name",
    "total_amount",
    "basic_amount",
    "project_amount",
    "personnel_amount",
    "public_amount",
    "source_location",
    "document_id",
    "source_document_id",
]
SEARCH_CSV_COLUMNS = SEARCH_COLUMNS[:-1]


def search_subjects(snapshot: Snapshot, text: str) -> pl.DataFrame:
    """Rows of the function breakdown (``fct_expenditure_by_function``) and of the economic breakdown of basic
    spending (``fct_basic_expenditure_by_economic``) whose code starts with ``text`` (digits) or whose name
    contains it, across every published disclosure: by code, then the largest amount first."""
    query = SubjectQuery(text)
    if not query.cleaned:
        return pl.DataFrame(schema={c: pl.String for c in SEARCH_COLUMNS})
    if query.is_code:
        condition = pl.col("subject_code").str.starts_with(query.cleaned)
    else:
        condition = (
            pl.col("subject_name").str.replace_all(r"\s", "").str.contains(query.cleaned, literal=True)
        )
    documents = snapshot.unit_metrics.select(
        "document_id",
        pl.col("unit_id").alias("metrics_unit_id"),
        pl.col("unit_name").alias("metrics_unit_name"),
        pl.col("fiscal_year").alias("metrics_fiscal_year"),
        "document_kind",
    )
    parts = []
    for classification, frame in (
        ("function", snapshot.expenditure_by_function),
        ("economic", snapshot.basic_by_economic),
    ):
        found = with_columns(
            frame.filter(condition),
            {c: pl.String for c in ("source_document_id",)}
            | {c: MONEY for c in ("basic_amount", "project_amount", "personnel_amount", "public_amount")},
        ).join(documents, on="document_id", how="inner")  # published disclosures only
        parts.append(
            found.select(
                pl.lit(classification).alias("classification"),
                "document_id",
                pl.coalesce("unit_id", "metrics_unit_id").alias("unit_id"),
                pl.coalesce("unit_name", "metrics_unit_name").alias("unit_name"),
                pl.coalesce("fiscal_year", "metrics_fiscal_year").alias("fiscal_year"),
                "document_kind",
                "subject_code",
                "subject_level",
                "subject_name",
                pl.col("total_amount").cast(MONEY),
                pl.col("basic_amount").cast(MONEY),
                pl.col("project_amount").cast(MONEY),
                pl.col("personnel_amount").cast(MONEY),
                pl.col("public_amount").cast(MONEY),
                pl.col("source_document_id").cast(pl.String),
                pl.col("source_location").cast(pl.String),
            )
        )
    return (
        pl.concat(parts)
        .sort(
            ["subject_code", "total_amount", "unit_name", "fiscal_year"],
            descending=[False, True, False, True],
            nulls_last=True,
        )
        .select(SEARCH_COLUMNS)
    )
