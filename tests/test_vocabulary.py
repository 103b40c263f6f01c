"""One vocabulary: the codes the Python side writes are the codes the dbt seeds label (dbt/seeds/codes.csv,
quality_rules.csv).  A table kind, identity source or quarantine reason added in Python without its label fails
here, before any build."""

from __future__ import annotations

import csv
from pathlib import Path

from dagster_project.defs.extraction import loading
from extract import identity
from extract.model import SOURCE_METHODS
from extract.vocabulary import TableKind

SEEDS = Path(__file__).resolve().parents[1] / "dbt" / "seeds"


def codes(code_type: str) -> set[str]:
    with (SEEDS / "codes.csv").open(encoding="utf-8") as f:
        return {row["code"] for row in csv.DictReader(f) if row["code_type"] == code_type}


def test_every_table_kind_is_labelled():
    assert {kind.value for kind in TableKind} == codes("table_kind")


def test_every_identity_source_is_labelled():
    assert set(identity.SOURCES) | {"default"} == codes("identity_source")


def test_every_source_method_is_labelled():
    assert set(SOURCE_METHODS) == codes("source_method")


def test_every_quarantine_reason_is_labelled():
    reasons = {
        value
        for name, value in vars(loading).items()
        if name.isupper() and isinstance(value, str) and name not in ("LOADED", "QUARANTINED", "MISSING")
    }
    reasons |= {identity.UNIT_NOT_FOUND, identity.FISCAL_YEAR_NOT_FOUND}
    assert reasons <= codes("quarantine_reason"), reasons - codes("quarantine_reason")


def test_identity_warning_kinds_are_quality_rules():
    with (SEEDS / "quality_rules.csv").open(encoding="utf-8") as f:
        rules = {row["rule"] for row in csv.DictReader(f)}
    assert {"identity_conflict", "identity_from_file_name"} <= rules
