"""One vocabulary: the codes the Python side writes are the codes the dbt seeds label (dbt/seeds/codes.csv,
quality_rules.csv, the catalogues table_kinds.csv / figures.csv / figure_rules.csv).  A table kind, identity source
or quarantine reason added in Python without its catalogue row fails here, before any build; so does a table
kind whose catalogue row disagrees with how the parser reads it."""

from __future__ import annotations

import csv
from pathlib import Path

from dagster_project.defs.extraction import loading
from extract import catalogue, identity
from extract.model import SOURCE_METHODS
from extract.tables import classify, parse
from extract.vocabulary import FINAL_KINDS, TableKind, base_kind

SEEDS = Path(__file__).resolve().parents[1] / "dbt" / "seeds"


def codes(code_type: str) -> set[str]:
    with (SEEDS / "codes.csv").open(encoding="utf-8") as f:
        return {row["code"] for row in csv.DictReader(f) if row["code_type"] == code_type}


def test_every_table_kind_is_labelled():
    """The enum and the catalogue name the same kinds, in the same order, each with its labels; codes.csv no
    longer lists them (a kind is declared once: marts.dim_codes reads table_kinds)."""
    assert [kind.value for kind in TableKind] == [e.table_kind for e in catalogue.table_kinds()]
    assert all(e.name_zh and e.name_en for e in catalogue.table_kinds())
    assert codes("table_kind") == set()


def test_table_kind_catalogue_matches_the_parser():
    entries = {TableKind(e.table_kind): e for e in catalogue.table_kinds()}
    assert FINAL_KINDS == {k for k, e in entries.items() if e.document_kind == catalogue.FINAL}
    assert {k for k in FINAL_KINDS if base_kind(k) in FINAL_KINDS} == set()
    for kind, entry in entries.items():
        base = base_kind(kind)
        assert entry.budget_counterpart == base.value
        assert entry.shape == entries[base].shape, kind
        assert entry.subject_system == entries[base].subject_system, kind
        assert (entry.subject_system == "function") == (base in parse.FUNCTION_KINDS), kind
        assert (entry.subject_system == "economic") == (base in parse.ECONOMIC_KINDS), kind
        assert (entry.shape == "summary") == (base in parse.TWO_SIDED_KINDS), kind
        assert (entry.shape == "list") == (base in parse.NO_FACT_KINDS), kind
    assert {k for k, e in entries.items() if e.shape == "three_public"} == {
        TableKind.THREE_PUBLIC,
        TableKind.FINAL_THREE_PUBLIC,
    }


def test_every_titled_kind_is_classified_by_its_name():
    """The catalogue's own name of a kind that has title variants is classified as that kind."""
    for entry in catalogue.table_kinds():
        if entry.title_variants:
            assert classify.classify_title(entry.name_zh) == entry.table_kind, entry.name_zh


def test_figure_rules_use_catalogued_kinds_and_figures():
    kinds = {e.table_kind: e for e in catalogue.table_kinds()}
    figures = {f.figure: f for f in catalogue.figures()}
    rules = catalogue.read_seed("figure_rules.csv")
    assert {r["figure"] for r in rules} == {f for f, e in figures.items() if e.reconciled}
    for rule in rules:
        if rule["source_kind"] == "table":
            entry = kinds[rule["table_kind"]]
            # the breakdown (basic / project / reserve) of a kind carries the kind's breakdown_precedence, which
            # int_figure_candidates also gives the implied zeros of that kind
            if figures[rule["figure"]].scope_bound and rule["figure"] != "total_expenditure":
                assert int(rule["precedence"]) == entry.breakdown_precedence, rule


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
