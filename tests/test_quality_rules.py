"""The trust layer: every quality rule fires on a seed broken on purpose, and only there; the seeds raise exactly
the issues they really have.

One module-scoped warehouse, real extraction and a real `dbt build` (no mocks): the five seed disclosures plus one
mutated copy per case below, each a separate file (its own content hash, hence its own document of the same unit
and year).  For each mutation the test compares the document's issues with those of its original seed: the issues
that are new must all be of the rule the mutation targets, and the bad value must not reach the marts unflagged.
The rule catalogue is docs/quality_rules.md (and the quality_rules seed).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt_warehouse import RAW, ROOT, dbt_build, load_documents, rows

LIAOYUAN, CHANGCHUN, CHANGJI, BAZHONG, QUANGANG = "000", "001", "002", "003", "004"
SEEDS = (LIAOYUAN, CHANGCHUN, CHANGJI, BAZHONG, QUANGANG)
PUBLISHED_MARTS = ("fct_expenditure_by_function", "unit_metrics", "figure_sources")


# --------------------------------------------------------------------------- mutations
@dataclass(frozen=True)
class Edit:
    """Replace ``old`` by ``new`` on one line of the seed (1-based); ``new=None`` drops the line."""

    line: int
    old: str
    new: str | None
    count: int = 1


@dataclass(frozen=True)
class Mutation:
    name: str
    seed: str
    rule: str  # the rule that must fire, and the only one that may be new
    edits: tuple[Edit, ...] = ()
    transform: Callable[[str], str] | None = None
    absent: tuple[str, ...] = ()  # bad values that must not appear in the published marts of the document
    flagged: tuple[str, ...] = ()  # bad values that must appear as expected/found of a new issue of the rule
    held_back: bool = False  # an error: the document must be held back from the published marts
    only_rule: bool = True  # False: other rules may fire too (their firing is a consequence, asserted below)
    file_name: str | None = None  # the mutated copy's file name (default m_<name>.txt)
    extra: dict = field(default_factory=dict)


def negate_table_amounts(text: str) -> str:
    """Every decimal amount in a table row (a line with tabs) becomes negative: the tables stay consistent."""
    out = []
    for line in text.split("\n"):
        if "\t" in line:
            line = re.sub(r"(?<![\d.\-])(\d[\d,]*\.\d+)", r"-\1", line)
        out.append(line)
    return "\n".join(out)


MUTATIONS = [
    # ---------------------------------------------------------------- within a table
    Mutation(
        "function_children_sum",
        CHANGCHUN,
        "subject_children_sum",
        # 支出总表: 2080505 no longer adds up to its 款 20805
        edits=(Edit(132, "844.82\t844.82\t0.00", "845.82\t845.82\t0.00"),),
        absent=("845.82",),
    ),
    Mutation(
        "economic_children_sum",
        QUANGANG,
        "subject_children_sum",
        # 一般公共预算基本支出表: 30101 基本工资 changed, 301 工资福利支出 no longer its sum
        edits=(Edit(259, "55.17", "56.17"),),
        absent=("56.17",),
    ),
    Mutation(
        "row_dropped",
        QUANGANG,
        "table_total_vs_top_level",
        # 支出预算总表 loses its 2089999 row: 合计 ≠ Σ rows
        edits=(Edit(152, "2089999\t其他社会保障和就业支出\t500.00", None),),
    ),
    Mutation(
        "total_off_by_one",
        QUANGANG,
        "table_total_vs_top_level",
        # 支出预算总表 合计 (total and basic) off by 1.00; total = basic + project still holds
        edits=(Edit(147, "17361.34\t2488.84", "17362.34\t2489.84"),),
        absent=("17362.34", "2489.84"),
    ),
    Mutation(
        "total_ne_basic_plus_project",
        QUANGANG,
        "total_eq_basic_plus_project",
        # 一般公共预算支出表: 1.00 of project moved between two rows; column sums unchanged
        edits=(
            Edit(200, "311.63\t240.13\t71.50", "311.63\t240.13\t72.50"),
            Edit(203, "14801.00\t0.00\t14801.00", "14801.00\t0.00\t14800.00"),
        ),
        absent=("72.50", "14800.00"),
    ),
    Mutation(
        "basic_ne_personnel_plus_public",
        CHANGCHUN,
        "basic_eq_personnel_plus_public",
        # 一般公共预算基本支出表: 1.00 of 人员经费 moved between 30101 and 30102; 301 still adds up
        edits=(
            Edit(191, "1,726.61\t1,726.61", "1,726.61\t1,727.61"),
            Edit(192, "1,114.79\t1,114.79", "1,114.79\t1,113.79"),
        ),
        absent=("1727.61", "1113.79"),
    ),
    Mutation(
        "three_public_part_changed",
        CHANGCHUN,
        "three_public_parts_sum",
        # “三公” table (one printed row): 公务接待费 小计 9.32 → 9.52, the 合计 14.72 stays
        edits=(Edit(230, "5.40\t5.40\t0.00\t9.32\t9.32", "5.40\t5.40\t0.00\t9.52\t9.32"),),
        absent=("9.52",),
    ),
    Mutation(
        "three_public_vehicle_part_changed",
        QUANGANG,
        "three_public_parts_sum",
        # “三公” table: 公务用车运行费 0.00 → 1.00 while 公务用车购置及运行费 stays 0.00
        edits=(Edit(289, "公务用车运行费\t0.00", "公务用车运行费\t1.00"),),
        absent=("1.00",),
    ),
    Mutation(
        "summary_class_changed",
        LIAOYUAN,
        "summary_total_vs_classes",
        # 收支总表: 社会保障和就业支出 1141.27 → 1141.37, 支出总计 stays 1292.07
        edits=(Edit(75, "1141.27", "1141.37"),),
        absent=("1141.37",),
    ),
    Mutation(
        "income_total_changed",
        LIAOYUAN,
        "income_total_eq_expenditure_total",
        # 收支总表: 收入总计 1292.07 → 1293.07
        edits=(Edit(99, "收入总计\t1292.07", "收入总计\t1293.07"),),
        absent=("1293.07",),
    ),
    # ---------------------------------------------------------------- across sources
    Mutation(
        "class_moved_in_fiscal_table",
        QUANGANG,
        "function_class_cross_table",
        # 财政拨款收支预算总表: 1.00 moved from 208 to 221 (the table still adds up)
        edits=(Edit(170, "17339.23", "17338.23"), Edit(181, "22.11", "23.11")),
        absent=("17338.23", "23.11"),
        flagged=("17338.23", "23.11"),
        extra={"table_kind": "fiscal_grant_summary"},
    ),
    Mutation(
        "class_moved_two_fiscal_tables",
        CHANGJI,
        "function_class_cross_table",
        # 财政拨款收支预算总体情况表: 1.00 moved from 208 to 210. Only the 一般公共预算支出情况表 shares its scope
        # (the whole-budget tables carry 5.13 of carry-over): the prose (927.19) breaks the tie against this table
        edits=(
            Edit(192, "927.19\t927.19", "928.19\t928.19"),
            Edit(194, "50.70\t50.70", "49.70\t49.70"),
        ),
        absent=("928.19", "49.70"),
        flagged=("928.19", "49.70"),
        extra={"table_kind": "fiscal_grant_summary"},
    ),
    Mutation(
        "prose_class_changed",
        LIAOYUAN,
        "function_class_prose_vs_table",
        # 财政拨款 section of the prose: 社会保障和就业支出 1141.27 → 1141.72
        edits=(Edit(313, "社会保障和就业支出 1141.27 万元", "社会保障和就业支出 1141.72 万元"),),
        absent=("1141.72",),
        flagged=("1141.72",),
    ),
    Mutation(
        "gpb_basic_total_changed",
        QUANGANG,
        "gpb_basic_total_vs_gpb_expenditure",
        # 一般公共预算基本支出表: 合计, 303 and 30399 +1.00 (consistent in itself) ≠ 一般公共预算支出表 基本支出
        edits=(
            Edit(257, "2488.84", "2489.84"),
            Edit(274, "2201.08", "2202.08"),
            Edit(275, "2201.08", "2202.08"),
        ),
        absent=("2489.84",),
        flagged=("2489.84",),
    ),
    Mutation(
        "prose_total_changed",
        QUANGANG,
        "figure_conflict",
        # prose: 支出预算 17361.34 → 17361.84 while every table says 17361.34
        edits=(Edit(301, "支出预算17361.34万元", "支出预算17361.84万元"),),
        absent=("17361.84",),
        flagged=("17361.84",),
    ),
    Mutation(
        "three_public_prose_changed",
        CHANGJI,
        "three_public_table_vs_prose",
        # prose: 公务用车运行费 5.20 → 5.00 while the “三公” table says 5.20
        edits=(Edit(465, "公务用车运行费 5.20 万元", "公务用车运行费 5.00 万元"),),
        absent=("5.00",),
        flagged=("5.00",),
    ),
    Mutation(
        "headcount_restated",
        CHANGCHUN,
        "headcount_conflict",
        # the “三公” note restates 实有 490 / 在职 382 (the 概况 says 480 / 372); each note adds up in itself
        edits=(
            Edit(232, "实有人员 480 人，其中：在职人员 372 人", "实有人员 490 人，其中：在职人员 382 人"),
        ),
        absent=("382", "490"),
        flagged=("382", "490"),
    ),
    Mutation(
        "headcount_components",
        CHANGJI,
        "headcount_components",
        # 实有人数 61 → 63 while 在职 45 + 退休 16 = 61
        edits=(Edit(60, "实有人数61人", "实有人数63人"),),
        flagged=("63",),
    ),
    Mutation(
        "share_changed",
        BAZHONG,
        "stated_share_mismatch",
        # 社会保障和就业支出 718.35 万元，占 90.64% → 91.64%
        edits=(Edit(97, "占90.64%", "占91.64%"),),
        absent=("91.64",),
        flagged=("91.64",),
    ),
    # ---------------------------------------------------------------- plausibility
    Mutation(
        "share_above_100",
        BAZHONG,
        "share_above_100",
        edits=(Edit(67, "占总支出87.13%", "占总支出187.13%"),),
        absent=("187.13",),
        flagged=("187.13",),
    ),
    Mutation(
        "negative_amount",
        CHANGCHUN,
        "negative_amount",
        # “三公” table: 因公出国（境）费 上年结转 0.00 → -1.00 (a column no sum uses)
        edits=(Edit(230, "14.72\t0.00\t0.00\t0.00\t5.40", "14.72\t0.00\t0.00\t-1.00\t5.40"),),
        absent=("-1.00",),
        flagged=("-1.00",),
    ),
    Mutation(
        "per_capita_out_of_band",
        CHANGCHUN,
        "per_capita_personnel_out_of_band",
        # 在职 372 → 72 (and 实有 480 → 180, so the counts still add up): 6241.59 / 72 = 86.69 万元/人
        edits=(
            Edit(85, "共有人员 480 人，其中：在职人员 372 人", "共有人员 180 人，其中：在职人员 72 人"),
            Edit(232, "实有人员 480 人，其中：在职人员 372 人", "实有人员 180 人，其中：在职人员 72 人"),
        ),
        flagged=("86.68875",),
    ),
    Mutation(
        "three_public_share_out_of_band",
        CHANGJI,
        "three_public_share_out_of_band",
        # “三公” 5.20 → 60.00 in the table and the prose: 60 / 1041.14 = 5.76% of the total
        edits=(
            Edit(342, "5.20", "60.00", 2),
            Edit(345, "5.20", "60.00", 2),
            Edit(347, "5.20", "60.00", 2),
            Edit(465, "5.20", "60.00", 2),
        ),
        flagged=("5.7629",),
    ),
    Mutation(
        "operating_too_large",
        LIAOYUAN,
        "operating_exceeds_public_and_three_public",
        # 机关运行经费 124.15 → 400.15 > 公用经费 190.48 + “三公” 0
        edits=(Edit(359, "机关运行经费财政拨款预算 124.15 万元", "机关运行经费财政拨款预算 400.15 万元"),),
        flagged=("400.15",),
    ),
    # the cover's year is what the document says (its sentences saying 2024 are an identity_conflict too)
    Mutation(
        "fiscal_year_too_early",
        LIAOYUAN,
        "fiscal_year_implausible",
        edits=(Edit(5, "2024 年部门预算", "2005 年部门预算"),),
        flagged=("2005",),
        held_back=True,
        only_rule=False,
        extra={"also": {"identity_conflict"}},
    ),
    Mutation(
        "fiscal_year_in_future",
        CHANGCHUN,
        "fiscal_year_implausible",
        edits=(Edit(4, "2024 年度部门预算", "2099 年度部门预算"),),
        flagged=("2099",),
        held_back=True,
        only_rule=False,
        extra={"also": {"identity_conflict"}},
    ),
    # ---------------------------------------------------------------- identity
    Mutation(
        "identity_year_in_a_sentence",
        LIAOYUAN,
        "identity_conflict",
        # the cover and two sentences say 2024; one sentence says 2023: flagged, 2024 kept
        edits=(Edit(305, "2024 年收入预算", "2023 年收入预算"),),
    ),
    Mutation(
        "identity_from_file_name",
        BAZHONG,
        "identity_from_file_name",
        # the unit's name is nowhere in the text: only the file name says who published it
        transform=lambda text: text.replace("巴中市社会保险管理局", "本局"),
        file_name="巴中市社会保险管理局_2024年部门预算.txt",
    ),
    Mutation(
        "total_missing",
        BAZHONG,
        "missing_total_expenditure",
        # the prose-only document loses both statements of its total
        edits=(
            Edit(51, "2024年收支总预算792.56万元，", "2024年收支总预算有所增加，"),
            Edit(65, "支出预算总额792.56万元，", "支出预算总额有所增加，"),
        ),
        held_back=True,
    ),
    Mutation(
        "total_negative",
        QUANGANG,
        "negative_total_expenditure",
        # every table amount negated: the tables stay consistent, so the negative 支出合计 is the chosen total
        transform=negate_table_amounts,
        held_back=True,
        only_rule=False,
        extra={"also": {"negative_amount", "figure_conflict"}},
    ),
    Mutation(
        "subject_name_misspelt",
        LIAOYUAN,
        "extraction_warning",
        # 支出总表 (names only): 住房公积金 misspelt; resolved to 2210201 as a close match, with a warning
        edits=(Edit(131, "住房公积金\t93.04", "住房公基金\t93.04"),),
    ),
]
MUTATION_BY_NAME = {m.name: m for m in MUTATIONS}


def mutate(text: str, mutation: Mutation) -> str:
    lines = text.split("\n")
    for edit in mutation.edits:
        line = lines[edit.line - 1]
        assert line.count(edit.old) == edit.count, f"{mutation.name}: line {edit.line} is {line!r}"
        lines[edit.line - 1] = None if edit.new is None else line.replace(edit.old, edit.new)
    text = "\n".join(line for line in lines if line is not None)
    if mutation.transform:
        text = mutation.transform(text)
    return text


# --------------------------------------------------------------------------- the warehouse
@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("quality_rules")
    raw = tmp / "raw"
    raw.mkdir()
    seed_files = {path.name[:3]: path for path in sorted(RAW.glob("*.txt"))}
    assert sorted(seed_files) == list(SEEDS)
    for path in seed_files.values():
        shutil.copy(path, raw / path.name)
    for mutation in MUTATIONS:
        text = seed_files[mutation.seed].read_text(encoding="utf-8")
        mutated = mutate(text, mutation)
        assert mutated != text
        (raw / (mutation.file_name or f"m_{mutation.name}.txt")).write_text(mutated, encoding="utf-8")
    db = tmp / "budget.duckdb"
    load_documents(db, sorted(raw.glob("*.txt")))
    dbt_build(db, tmp)
    return db


@pytest.fixture(scope="module")
def con(warehouse):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def doc_ids(con) -> dict[str, str]:
    """'000' … for the seeds, the mutation name for a mutated copy → document_id."""
    ids = {}
    for name, doc in con.execute("select file_name, document_id from raw.documents").fetchall():
        named = {m.file_name: m.name for m in MUTATIONS if m.file_name}
        key = named.get(name) or (name[2:-4] if name.startswith("m_") else name[:3])
        ids[key] = doc
    assert len(ids) == len(SEEDS) + len(MUTATIONS), "every mutated copy must be a separate document"
    return ids


def issues_of(con, doc: str, *, with_info: bool = False) -> list[dict]:
    sql = "select * from marts.quality_issues where document_id = ?"
    if not with_info:
        sql += " and severity <> 'info'"
    return rows(con, sql, [doc])


def signature(issue: dict) -> tuple:
    """What identifies an issue independently of line numbers (a dropped line shifts them)."""
    return (
        issue["rule"],
        issue["table_kind"],
        issue["figure"],
        issue["row_key"],
        issue["column_key"],
        issue["expected"],
        issue["found"],
    )


def new_issues(con, doc_ids, mutation: Mutation) -> list[dict]:
    original = Counter(signature(i) for i in issues_of(con, doc_ids[mutation.seed], with_info=True))
    new = []
    for issue in issues_of(con, doc_ids[mutation.name], with_info=True):
        key = signature(issue)
        if original[key]:
            original[key] -= 1
        else:
            new.append(issue)
    return new


def published_values(con, doc: str) -> set[Decimal]:
    values: set[Decimal] = set()
    for mart in PUBLISHED_MARTS:
        for row in rows(con, f"select * from marts.{mart} where document_id = ?", [doc]):
            values |= {v for v in row.values() if isinstance(v, Decimal)}
    return values


# --------------------------------------------------------------------------- each rule on its mutation
@pytest.mark.parametrize("name", [m.name for m in MUTATIONS])
def test_mutation_fires_its_rule(con, doc_ids, name):
    mutation = MUTATION_BY_NAME[name]
    new = new_issues(con, doc_ids, mutation)
    fired = {i["rule"] for i in new}
    assert mutation.rule in fired, f"{name}: {mutation.rule} did not fire; new issues: {new}"
    if mutation.only_rule:
        assert fired == {mutation.rule}, f"{name}: other rules fired too: {[signature(i) for i in new]}"
    else:
        assert fired == {mutation.rule} | mutation.extra["also"], f"{name}: {fired}"
    if "table_kind" in mutation.extra:  # the issue names the table that was broken
        assert {i["table_kind"] for i in new if i["rule"] == mutation.rule} == {mutation.extra["table_kind"]}
    severity = {i["rule"]: i["severity"] for i in new}[mutation.rule]
    (catalogue,) = rows(con, "select severity from reference.quality_rules where rule = ?", [mutation.rule])
    assert severity == catalogue["severity"]
    assert all(i["resolution"] for i in new)


@pytest.mark.parametrize("name", [m.name for m in MUTATIONS if m.absent or m.flagged])
def test_bad_value_not_published_unflagged(con, doc_ids, name):
    mutation = MUTATION_BY_NAME[name]
    doc = doc_ids[mutation.name]
    published = published_values(con, doc)
    for value in map(Decimal, mutation.absent):
        assert value not in published, f"{name}: {value} reached the marts"
    flagged = {
        v
        for i in new_issues(con, doc_ids, mutation)
        if i["rule"] == mutation.rule
        for v in (i["expected"], i["found"])
    }
    for value in map(Decimal, mutation.flagged):
        assert value in flagged, f"{name}: {value} not flagged by {mutation.rule} ({flagged})"


@pytest.mark.parametrize("name", [m.name for m in MUTATIONS if m.held_back])
def test_error_holds_back_only_that_document(con, doc_ids, name):
    mutation = MUTATION_BY_NAME[name]
    doc = doc_ids[mutation.name]
    for mart in PUBLISHED_MARTS:
        assert not rows(con, f"select 1 from marts.{mart} where document_id = ?", [doc]), f"{name} in {mart}"
    issues = issues_of(con, doc)
    assert issues and all(not i["document_published"] for i in issues)
    errors = {i["rule"] for i in issues if i["severity"] == "error"}
    assert errors == {mutation.rule}
    assert rows(con, "select 1 from raw.documents where document_id = ?", [doc])
    # the original seed of the same unit is still published
    assert rows(con, "select 1 from marts.unit_metrics where document_id = ?", [doc_ids[mutation.seed]])


def test_held_back_documents_do_not_shift_the_unit(con, doc_ids):
    units = {r["unit_name"]: r for r in rows(con, "select * from marts.dim_unit")}
    assert len(units) == 5
    assert all(u["first_fiscal_year"] == 2024 and u["last_fiscal_year"] == 2024 for u in units.values())
    published = {r["document_id"] for r in rows(con, "select document_id from marts.unit_metrics")}
    held = {doc_ids[m.name] for m in MUTATIONS if m.held_back}
    assert published == set(doc_ids.values()) - held
    assert sum(u["document_count"] for u in units.values()) == len(published)


def test_a_table_failing_its_sums_loses_to_a_consistent_source(con, doc_ids):
    # 长春 支出总表 broken: the function breakdown comes from the consistent 一般公共预算支出表, same amounts
    broken = {
        r["subject_code"]: r
        for r in rows(
            con,
            "select * from marts.fct_expenditure_by_function where document_id = ?",
            [doc_ids["function_children_sum"]],
        )
    }
    assert broken["2080505"]["total_amount"] == Decimal("844.82")
    assert {r["source_table_kind"] for r in broken.values()} == {"gpb_expenditure"}
    # 长春 “三公” table broken: the parts come from the prose and figure_sources says so
    sources = {
        r["figure"]: r
        for r in rows(
            con,
            "select * from marts.figure_sources where document_id = ?",
            [doc_ids["three_public_part_changed"]],
        )
    }
    assert (sources["three_public_reception"]["value"], sources["three_public_reception"]["source_kind"]) == (
        Decimal("9.32"),
        "prose",
    )
    # 泉港 basic table broken (a 款 changed): 工资福利支出 has no other source and is left empty, not guessed
    (metrics,) = rows(
        con, "select * from marts.unit_metrics where document_id = ?", [doc_ids["economic_children_sum"]]
    )
    assert metrics["wage_welfare_expenditure"] is None


# --------------------------------------------------------------------------- the five seeds
# Every warning/error the seeds raise, as (document, rule, table_kind, figure, row_key, column_key, expected, found).
EXPECTED_SEED_ISSUES = [
    # 辽源: the garbled 一般公共预算支出表 fails its own sums 20 times and is excluded from the marts
    (
        LIAOYUAN,
        "basic_eq_personnel_plus_public",
        "gpb_expenditure",
        None,
        "20801",
        "basic",
        "1011.47",
        "939.54",
    ),
    (
        LIAOYUAN,
        "basic_eq_personnel_plus_public",
        "gpb_expenditure",
        None,
        "2080109",
        "basic",
        "1011.47",
        "939.54",
    ),
    (
        LIAOYUAN,
        "basic_eq_personnel_plus_public",
        "gpb_expenditure",
        None,
        "20805",
        "basic",
        "129.35",
        "119.24",
    ),
    (
        LIAOYUAN,
        "basic_eq_personnel_plus_public",
        "gpb_expenditure",
        None,
        "2080505",
        "basic",
        "129.35",
        "119.24",
    ),
    (LIAOYUAN, "basic_eq_personnel_plus_public", "gpb_expenditure", None, "20899", "basic", "0.45", "53.59"),
    (
        LIAOYUAN,
        "basic_eq_personnel_plus_public",
        "gpb_expenditure",
        None,
        "2089999",
        "basic",
        "0.45",
        "53.59",
    ),
    (LIAOYUAN, "basic_eq_personnel_plus_public", "gpb_expenditure", None, "210", "basic", "57.76", "51.94"),
    (LIAOYUAN, "basic_eq_personnel_plus_public", "gpb_expenditure", None, "21011", "basic", "57.76", "1.65"),
    (
        LIAOYUAN,
        "basic_eq_personnel_plus_public",
        "gpb_expenditure",
        None,
        "2101101",
        "basic",
        "51.94",
        "85.84",
    ),
    (
        LIAOYUAN,
        "basic_eq_personnel_plus_public",
        "gpb_expenditure",
        None,
        "2101102",
        "basic",
        "4.04",
        "85.84",
    ),
    (
        LIAOYUAN,
        "basic_eq_personnel_plus_public",
        "gpb_expenditure",
        None,
        "2101199",
        "basic",
        "1.78",
        "85.84",
    ),
    (
        LIAOYUAN,
        "basic_eq_personnel_plus_public",
        "gpb_expenditure",
        None,
        "2210201",
        "basic",
        "93.04",
        "1198.21",
    ),
    (LIAOYUAN, "subject_children_sum", "gpb_expenditure", None, "208", "basic", "1112.37", "1141.27"),
    (LIAOYUAN, "subject_children_sum", "gpb_expenditure", None, "208", "total", "1112.37", "1141.27"),
    (LIAOYUAN, "subject_children_sum", "gpb_expenditure", None, "210", "basic", "1.65", "51.94"),
    (LIAOYUAN, "subject_children_sum", "gpb_expenditure", None, "210", "total", "1.65", "51.94"),
    (LIAOYUAN, "subject_children_sum", "gpb_expenditure", None, "21011", "basic", "257.52", "1.65"),
    (LIAOYUAN, "subject_children_sum", "gpb_expenditure", None, "21011", "total", "257.52", "1.65"),
    (
        LIAOYUAN,
        "table_total_vs_top_level",
        "gpb_expenditure",
        None,
        "table_total",
        "basic",
        "2391.42",
        "1292.07",
    ),
    (
        LIAOYUAN,
        "table_total_vs_top_level",
        "gpb_expenditure",
        None,
        "table_total",
        "total",
        "2391.42",
        "1292.07",
    ),
    # 辽源: the basic table's 人员经费 / 公用经费 are used; the prose repeats the garbled table's values
    (
        LIAOYUAN,
        "figure_conflict",
        "gpb_basic_expenditure",
        "personnel_expenditure",
        "table_total",
        "personnel",
        "1101.59",
        "1167.92",
    ),
    (
        LIAOYUAN,
        "figure_conflict",
        "gpb_basic_expenditure",
        "public_expenditure",
        "table_total",
        "public",
        "190.48",
        "124.15",
    ),
    # 辽源: the “三公” note says 实有 89, 在职 89, 离退休 22
    (LIAOYUAN, "headcount_components", None, "staff_actual", None, None, "111", "89"),
    # 长春: the table's 公务用车购置及运行费 5.40 vs the prose's 0 (the same sentence says 运行维护费 5.4)
    (
        CHANGCHUN,
        "three_public_table_vs_prose",
        "three_public",
        "three_public_vehicle",
        "three_public_vehicle",
        "total",
        "5.4",
        "0",
    ),
    # 巴中: 机关运行经费 stated as 792.56 = the whole budget, far above 公用经费 81.63 + “三公” 1.2
    (
        BAZHONG,
        "operating_exceeds_public_and_three_public",
        None,
        "operating_expenditure",
        None,
        None,
        "82.83",
        "792.56",
    ),
    # 泉港: 人员经费 2455.50 includes 2201.08 of 对个人和家庭的补助 paid out for others; over 14 在职 that is
    # 175.39 万元 per head
    (
        QUANGANG,
        "per_capita_personnel_out_of_band",
        None,
        "per_capita_personnel",
        None,
        None,
        "80",
        "175.392857",
    ),
]


def _key(doc: str, issue: dict) -> tuple:
    def norm(value):
        return None if value is None else Decimal(value).normalize()

    return (
        doc,
        issue["rule"],
        issue["table_kind"],
        issue["figure"],
        issue["row_key"],
        issue["column_key"],
        norm(issue["expected"]),
        norm(issue["found"]),
    )


def test_seeds_raise_exactly_their_real_issues(con, doc_ids):
    actual = Counter(_key(seed, i) for seed in SEEDS for i in issues_of(con, doc_ids[seed]))
    expected = Counter(
        (
            doc,
            rule,
            kind,
            figure,
            row,
            column,
            Decimal(e).normalize() if e else None,
            Decimal(f).normalize() if f else None,
        )
        for doc, rule, kind, figure, row, column, e, f in EXPECTED_SEED_ISSUES
    )
    assert actual - expected == Counter(), f"unexpected issues: {list((actual - expected).elements())}"
    assert expected - actual == Counter(), f"missing issues: {list((expected - actual).elements())}"
    assert not [
        i for seed in SEEDS for i in issues_of(con, doc_ids[seed], with_info=True) if i["severity"] == "info"
    ]


def test_seed_decisions(con, doc_ids):
    # no seed is held back
    assert not rows(
        con,
        "select 1 from marts.quality_issues where severity = 'error' and document_id in "
        f"({', '.join('?' * len(SEEDS))})",
        [doc_ids[s] for s in SEEDS],
    )
    # 巴中 prints 卫生健康支出 31.6 as 3.98% of 792.56 (= 3.987%): within one unit of the last printed digit
    assert not rows(
        con,
        "select 1 from marts.quality_issues where document_id = ? and rule = 'stated_share_mismatch'",
        [doc_ids[BAZHONG]],
    )
    # 昌吉: 229 其他支出 5.13 of carry-over only in the whole-budget tables — the scopes differ, no class alarm
    assert not rows(
        con,
        "select 1 from marts.quality_issues where document_id = ? and rule like 'function_class%'",
        [doc_ids[CHANGJI]],
    )
    # the resolutions say what was done
    by_rule = {i["rule"]: i for seed in SEEDS for i in issues_of(con, doc_ids[seed])}
    assert (
        by_rule["subject_children_sum"]["resolution"]
        == "table excluded from marts; figures taken from other sources"
    )
    assert by_rule["three_public_table_vs_prose"]["resolution"].startswith("used three_public table")
    assert by_rule["headcount_components"]["resolution"].startswith("flagged; in_service_staff uses 89")
    assert all(i["category"] for i in by_rule.values())


# --------------------------------------------------------------------------- the catalogue
# rules a text seed cannot trigger, and the test that fires them instead
EXERCISED_ELSEWHERE = {
    "data_test_failed": "tests/test_held_back.py",
    "ocr_table_unverified": "tests/test_ocr.py",
    # the 决算 rules: the planted errors of a real 决算 and generated 预算 + 决算 pairs (docs/final_accounts.md)
    "final_balance_identity": "tests/test_final_accounts.py",
    "completion_rate_vs_columns": "tests/test_final_accounts.py",
    "final_basic_personnel_public_totals": "tests/test_final_accounts.py",
    "final_table_missing": "tests/test_final_accounts.py",
    "final_prose_vs_table": "tests/test_final_accounts.py",
    "completion_rate_stated": "tests/test_final_accounts.py",
    "execution_direction_stated": "tests/test_final_accounts.py",
    "three_public_budget_vs_table": "tests/test_final_accounts.py",
    "stated_year_vs_fiscal_year": "tests/test_final_accounts.py",
    "template_placeholder_left": "tests/test_final_accounts.py",
    "final_budget_vs_loaded_budget": "tests/test_final_accounts.py",
    # revisions and duplicates: this warehouse's mutants are variants judged one by one (conftest.py), not revisions
    "superseded_revision": "tests/test_revisions.py",
    "duplicate_disclosure": "tests/test_revisions.py",
}


def test_catalogue_is_documented_and_exercised(con):
    catalogue = {r["rule"]: r for r in rows(con, "select * from reference.quality_rules")}
    doc = (ROOT / "docs" / "quality_rules.md").read_text(encoding="utf-8")
    for rule, entry in catalogue.items():
        assert f"`{rule}`" in doc, f"{rule} missing from docs/quality_rules.md"
        assert entry["severity"] in ("error", "warning", "info")
    assert {r for r, e in catalogue.items() if e["severity"] == "error"} == {
        "data_test_failed",  # a document whose rows fail a dbt data test (tests/test_held_back.py)
        "fiscal_year_implausible",
        "negative_total_expenditure",
        "missing_total_expenditure",
    }
    fired = {r["rule"] for r in rows(con, "select distinct rule from marts.quality_issues")}
    assert fired == set(catalogue) - set(EXERCISED_ELSEWHERE), (
        f"rules never exercised: {set(catalogue) - fired}"
    )
    assert {m.rule for m in MUTATIONS} == set(catalogue) - set(EXERCISED_ELSEWHERE)
    for rule, test_file in EXERCISED_ELSEWHERE.items():
        assert rule in catalogue and f"{rule}" in (ROOT / test_file).read_text(encoding="utf-8")
