"""The catalogues both sides read: the dbt seeds ``table_kinds.csv`` (one row per table kind: names, title
variants, shape, subject system, scope, precedence, standard-set membership) and ``figures.csv`` (one row per
figure the marts publish: value kind, unit, labels, comparability).

dbt joins them as ``ref('table_kinds')`` / ``ref('figures')``; the extractor (vocabulary, classify, parse,
subjects) and the report read them here.  One copy of the data, in ``dbt/seeds/`` (docs/data_model.md,
"Catalogues").  ``BUDGET_CATALOGUE_DIR`` names another seeds folder (a copy of the dbt project's, as
tests/test_catalogue_extension.py uses); it is read once, when this module is imported.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE_DIR_ENV = "BUDGET_CATALOGUE_DIR"
SEEDS_DIR = Path(os.environ.get(CATALOGUE_DIR_ENV) or Path(__file__).resolve().parents[1] / "dbt" / "seeds")

BUDGET = "预算"
FINAL = "决算"


@dataclass(frozen=True)
class TableKindEntry:
    table_kind: str
    name_zh: str
    name_en: str
    document_kind: str | None  # 预算 | 决算; None: found by its header in either (staffing, unclassified)
    budget_counterpart: str  # the 预算 kind a 决算 kind answers; itself otherwise
    shape: str  # summary | subject | three_public | list | staffing | unclassified
    subject_system: str | None  # function | economic; None: none fixed by the kind
    figure_scope: str  # all | fiscal | gpb
    breakdown_precedence: int | None
    function_source_rank: int | None
    in_standard_set: bool
    title_order: int | None  # the order its title pattern is tried in (within its document_kind)
    title_variants: str | None  # a regular expression; its '|' alternatives are the title variants
    note_order: int | None
    note_keyword: str | None  # the word that ties a note “本部门无……” to this kind
    # its columns are a fund's account: 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余
    fund_account: bool


@dataclass(frozen=True)
class FigureEntry:
    figure: str
    value_kind: str
    unit: str
    label_zh: str
    label_en: str
    comparable: bool
    reconciled: bool
    scope_bound: bool
    versioned: bool
    executed: bool


def read_seed(file_name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / file_name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _text(value: str) -> str | None:
    return value.strip() or None


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _bool(value: str) -> bool:
    if value.strip() not in ("true", "false"):
        raise ValueError(f"not a boolean: {value!r}")
    return value.strip() == "true"


@cache
def table_kinds() -> tuple[TableKindEntry, ...]:
    """Every table kind, in the seed's order."""
    return tuple(
        TableKindEntry(
            table_kind=row["table_kind"].strip(),
            name_zh=row["name_zh"].strip(),
            name_en=row["name_en"].strip(),
            document_kind=_text(row["document_kind"]),
            budget_counterpart=row["budget_counterpart"].strip(),
            shape=row["shape"].strip(),
            subject_system=_text(row["subject_system"]),
            figure_scope=row["figure_scope"].strip(),
            breakdown_precedence=_int(row["breakdown_precedence"]),
            function_source_rank=_int(row["function_source_rank"]),
            in_standard_set=_bool(row["in_standard_set"]),
            title_order=_int(row["title_order"]),
            title_variants=_text(row["title_variants"]),
            note_order=_int(row["note_order"]),
            note_keyword=_text(row["note_keyword"]),
            fund_account=_bool(row["fund_account"]),
        )
        for row in read_seed("table_kinds.csv")
    )


@cache
def figures() -> tuple[FigureEntry, ...]:
    """Every published figure, in the seed's order."""
    return tuple(
        FigureEntry(
            figure=row["figure"].strip(),
            value_kind=row["value_kind"].strip(),
            unit=row["unit"].strip(),
            label_zh=row["label_zh"].strip(),
            label_en=row["label_en"].strip(),
            comparable=_bool(row["comparable"]),
            reconciled=_bool(row["reconciled"]),
            scope_bound=_bool(row["scope_bound"]),
            versioned=_bool(row["versioned"]),
            executed=_bool(row["executed"]),
        )
        for row in read_seed("figures.csv")
    )


def table_kind_names() -> dict[str, str]:
    """table_kind → its Chinese name."""
    return {entry.table_kind: entry.name_zh for entry in table_kinds()}


def kinds_where(**fields: object) -> frozenset[str]:
    """The table kinds whose catalogue entry has every given field value, e.g. ``kinds_where(shape="list")``."""
    return frozenset(
        entry.table_kind
        for entry in table_kinds()
        if all(getattr(entry, name) == value for name, value in fields.items())
    )


def standard_tables() -> dict[str, str]:
    """The standard 预算 table family (in_standard_set), table_kind → Chinese name, in the seed's order."""
    return {entry.table_kind: entry.name_zh for entry in table_kinds() if entry.in_standard_set}
