"""One vocabulary: the codes the Python side writes are the codes the dbt seeds label (dbt/seeds/codes.csv,
quality_rules.csv, the catalogues table_kinds.csv / figures.csv / figure_rules.csv).  A table kind, identity source
or quarantine reason added in Python without its catalogue row fails here, before any build; so does a 决算 table
kind whose row disagrees with its 预算 counterpart's.  The parser's kind sets are read from the catalogue."""

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
    """The enum is built from the catalogue (same kinds, same order, names in capitals), each with its labels;
    codes.csv does not list them (a kind is declared once: marts.dim_codes reads table_kinds)."""
    assert [kind.value for kind in TableKind] == [e.table_kind for e in catalogue.table_kinds()]
    assert all(kind.name == kind.value.upper() for kind in TableKind)
    assert all(e.name_zh and e.name_en for e in catalogue.table_kinds())
    assert codes("table_kind") == set()


def test_table_kind_catalogue_is_consistent():
    """A 决算 kind answers a 预算 kind of its own shape and subject system (the parser reads it as that kind)."""
    entries = {TableKind(e.table_kind): e for e in catalogue.table_kinds()}
    assert FINAL_KINDS == {k for k, e in entries.items() if e.document_kind == catalogue.FINAL}
    assert {k for k in FINAL_KINDS if base_kind(k) in FINAL_KINDS} == set()
    for kind, entry in entries.items():
        base = base_kind(kind)
        assert entry.budget_counterpart == base.value
        assert entry.shape == entries[base].shape, kind
        assert entry.subject_system == entries[base].subject_system, kind
        assert not entry.fund_account or kind in FINAL_KINDS, kind


def test_parser_kind_sets_are_read_from_the_catalogue():
    """The loader gives the parser the kinds of each shape and system the seed says (spelled out here for the
    kinds of today's seed: a changed row shows up as a changed set)."""
    budget = {k for k in TableKind if k not in FINAL_KINDS}
    assert budget & parse.FUNCTION_KINDS == {
        TableKind.EXPENDITURE_SUMMARY,
        TableKind.GPB_EXPENDITURE,
        TableKind.GOV_FUND_EXPENDITURE,
        TableKind.STATE_CAPITAL_EXPENDITURE,
        TableKind.GPB_PROJECT_EXPENDITURE,
        TableKind.FISCAL_GRANT_EXPENDITURE,
    }
    assert budget & parse.ECONOMIC_KINDS == {
        TableKind.GPB_BASIC_EXPENDITURE,
        TableKind.GPB_ECONOMIC_EXPENDITURE,
        TableKind.FISCAL_GRANT_BASIC_EXPENDITURE,
        TableKind.OPERATING_EXPENDITURE,
    }
    assert budget & parse.TWO_SIDED_KINDS == {
        TableKind.INCOME_EXPENDITURE_SUMMARY,
        TableKind.FISCAL_GRANT_SUMMARY,
    }
    assert budget & parse.NO_FACT_KINDS == {TableKind.PROJECT_PERFORMANCE, TableKind.PROCUREMENT}
    assert budget & parse.THREE_PUBLIC_KINDS == {TableKind.THREE_PUBLIC}
    assert parse.FUND_KINDS == {TableKind.FINAL_GOV_FUND, TableKind.FINAL_STATE_CAPITAL}
    assert budget & parse.FUNCTION_SOURCE_KINDS - parse.FUNCTION_KINDS == {TableKind.INCOME_SUMMARY}
    assert catalogue.kinds_where(shape="three_public", document_kind=catalogue.FINAL) == {
        "final_three_public"
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
