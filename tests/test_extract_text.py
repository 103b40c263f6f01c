"""The extraction library on the five real seed disclosures: every layout, figures as printed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extract import NotABudgetDisclosure, UnreadableDocument, extract_file
from extract.model import Extraction

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
LIAOYUAN, CHANGCHUN, CHANGJI, BAZHONG, QUANGANG = (
    "000_e24d4670d260d34e.txt",
    "001_65d5e90dde18cf07.txt",
    "002_5e80dbdf814b782e.txt",
    "003_51d4428f615cabcb.txt",
    "004_1b1a57593e3dc4d4.txt",
)


@pytest.fixture(scope="module")
def seeds() -> dict[str, Extraction]:
    return {p.name: extract_file(p) for p in sorted(RAW.glob("*.txt"))}


def table_amount(e: Extraction, kind: str, column: str, *, code=None, line_item=None) -> list[Decimal]:
    return [
        f.amount
        for f in e.table_facts
        if f.table_kind == kind
        and f.column_key == column
        and (code is None or f.subject_code == code)
        and (line_item is None or f.line_item == line_item)
    ]


def prose_values(e: Extraction, key: str, code=None) -> list[Decimal]:
    return [f.value for f in e.prose_facts if f.fact_key == key and (code is None or f.subject_code == code)]


def test_document_identity(seeds):
    names = {
        name: (e.document.unit_name, e.document.fiscal_year, e.document.scope) for name, e in seeds.items()
    }
    assert names[LIAOYUAN] == ("辽源市社会保险事业管理局", 2024, "部门")
    assert names[CHANGCHUN] == ("长春市社会保险事业管理局（本级）", 2024, "部门")
    assert names[CHANGJI] == ("昌吉市社会保险中心", 2024, "部门")
    assert names[BAZHONG] == ("巴中市社会保险管理局", 2024, "部门")
    assert names[QUANGANG] == ("泉州市泉港区社会保险中心", 2024, "部门")
    assert (
        seeds[LIAOYUAN].document.document_id
        == "e24d4670d260d34e"[:0] + seeds[LIAOYUAN].document.content_sha256[:16]
    )


def test_names_only_layout_resolves_codes_by_position(seeds):
    e = seeds[LIAOYUAN]
    assert table_amount(e, "expenditure_summary", "total", code="2080109") == [Decimal("1011.47")]
    # the same name is a 款 (20899) and then its own 项 (2089999)
    assert table_amount(e, "expenditure_summary", "total", code="20899") == [Decimal("0.45")]
    assert table_amount(e, "expenditure_summary", "total", code="2089999") == [Decimal("0.45")]
    assert table_amount(e, "expenditure_summary", "total", code="2101199") == [Decimal("1.78")]
    assert table_amount(e, "expenditure_summary", "total", line_item="table_total") == [Decimal("1292.07")]
    # economic names: 办公设备购置 printed under 302 resolves to 31002, its printed parent kept
    office = [
        f for f in e.table_facts if f.table_kind == "gpb_basic_expenditure" and f.subject_code == "31002"
    ]
    assert office and office[0].parent_code == "302" and office[0].amount == Decimal("3.5")
    assert table_amount(e, "gpb_basic_expenditure", "personnel", line_item="table_total") == [
        Decimal("1101.59")
    ]


def test_empty_tables_are_recorded_with_their_note(seeds):
    tables = {t.table_kind: t for t in seeds[LIAOYUAN].tables}
    assert tables["three_public"].is_empty and "三公" in tables["three_public"].empty_note
    assert (
        tables["gov_fund_expenditure"].is_empty and "政府性基金" in tables["gov_fund_expenditure"].empty_note
    )
    assert (
        tables["state_capital_expenditure"].is_empty
        and "国有资本" in tables["state_capital_expenditure"].empty_note
    )
    assert len(seeds[LIAOYUAN].tables) == 11


def test_seven_digit_codes_and_thousands_separators(seeds):
    e = seeds[CHANGCHUN]
    assert table_amount(e, "expenditure_summary", "total", code="2080109") == [Decimal("7356.99")]
    assert table_amount(e, "expenditure_summary", "project", code="2080109") == [Decimal("2017.09")]
    assert table_amount(e, "expenditure_summary", "basic", line_item="table_total") == [Decimal("7216.31")]
    assert table_amount(e, "income_expenditure_summary", "total", line_item="expenditure_total") == [
        Decimal("9619.41")
    ]
    assert table_amount(e, "income_expenditure_summary", "carryover", code="208") == [Decimal("476.09")]
    assert table_amount(e, "gpb_basic_expenditure", "total", code="301") == [Decimal("5946.64")]


def test_three_public_table_printed_column_wise(seeds):
    e = seeds[CHANGCHUN]
    assert table_amount(e, "three_public", "total", line_item="three_public_total") == [Decimal("14.72")]
    assert table_amount(e, "three_public", "total", line_item="three_public_reception") == [Decimal("9.32")]
    assert table_amount(e, "three_public", "total", line_item="three_public_vehicle_operation") == [
        Decimal("5.40")
    ]
    assert table_amount(e, "three_public", "total", line_item="three_public_vehicle_purchase") == [
        Decimal("0.00")
    ]


def test_split_codes_and_a_table_continued_over_a_page(seeds):
    e = seeds[CHANGJI]
    assert table_amount(e, "expenditure_summary", "total", code="2080107") == [Decimal("850.36")]
    assert table_amount(e, "gpb_basic_expenditure", "total", code="30101") == [Decimal("202.02")]
    # the 收入总表 continues after a page break with its header repeated: 229 rows are on the second page
    assert table_amount(e, "income_summary", "total", code="2299999") == [Decimal("5.13")]
    assert [t.table_kind for t in e.tables].count("income_summary") == 1
    assert table_amount(e, "three_public", "total", line_item="three_public_vehicle_operation") == [
        Decimal("5.20")
    ]
    assert prose_values(e, "staff_in_service") == [Decimal(45)]


def test_prose_only_document(seeds):
    e = seeds[BAZHONG]
    assert e.tables == [] and e.table_facts == []
    assert set(prose_values(e, "total_expenditure")) == {Decimal("792.56")}
    assert prose_values(e, "personnel_expenditure") == [Decimal("608.97")]
    assert prose_values(e, "public_expenditure") == [Decimal("81.63")]
    assert prose_values(e, "economic_301") == [Decimal("580.55")]
    assert prose_values(e, "staff_funded") == [Decimal(34)]
    # 其他行政行政事业单位医疗 is misspelt in the document: matched to 2101199 among its siblings
    assert prose_values(e, "function_amount", "2101199") == [Decimal("3.54")]
    assert prose_values(e, "function_amount", "2080109") == [Decimal("661.57")]
    assert prose_values(e, "three_public_reception") == [Decimal("1.2")]


def test_item_level_codes_only_and_staffing_table(seeds):
    e = seeds[QUANGANG]
    codes = {
        f.subject_code for f in e.table_facts if f.table_kind == "expenditure_summary" and f.subject_code
    }
    assert codes == {"2080109", "2080505", "2080599", "2082602", "2089999", "2210201"}
    assert table_amount(e, "staffing", "in_service") == [Decimal(14)]
    assert table_amount(e, "gpb_basic_expenditure", "total", code="301") == [Decimal("254.42")]
    assert table_amount(e, "gpb_economic_expenditure", "total", code="301") == [Decimal("321.42")]
    assert prose_values(e, "personnel_expenditure") == [Decimal("2455.50")]


def test_conflicting_declarations_are_both_kept(seeds):
    e = seeds[LIAOYUAN]
    assert set(prose_values(e, "personnel_expenditure")) == {Decimal("1167.92"), Decimal("1101.59")}
    assert set(prose_values(e, "public_expenditure")) == {Decimal("124.15"), Decimal("190.48")}


def test_every_fact_has_provenance(seeds):
    for e in seeds.values():
        for fact in e.table_facts:
            assert fact.source_line and fact.raw_text
            assert fact.table_id in {t.table_id for t in e.tables}
        for fact in e.prose_facts:
            assert fact.source_line and fact.sentence


def test_not_a_budget_disclosure_is_refused(tmp_path):
    news = tmp_path / "news.txt"
    news.write_text("今日天气晴，气温 20 度。市民在公园散步，孩子们放风筝。\n", encoding="utf-8")
    with pytest.raises(NotABudgetDisclosure):
        extract_file(news)
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    with pytest.raises(UnreadableDocument):
        extract_file(empty)
