"""Identity as evidence (extract/identity.py): one synthetic variant per failure class seen on unseen disclosures,
each asserting the identity it must yield, and every real PDF with the unit, year, kind and scope it prints.

The variants are made from the shipped seeds and PDFs: a seed's cover lines replaced (text), a real PDF's cover
page emptied with pikepdf (its text layer gone, as an image cover without OCR), a file copied under a meaningless
name.  Real extraction, no mocks; the fast tier (``make test-fast``) runs this file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pytest

from extract import extract_file
from extract.identity import (
    UNIT_NOT_FOUND,
    IdentityNotFound,
    clean,
    identify,
    valid_unit_name,
)
from extract.pipeline import read_document

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SHARED = ROOT.parent / "shared" / "pdfs"
LIAOYUAN = RAW / "000_e24d4670d260d34e.txt"  # cover: lines 3 (unit) and 5 (2024 年部门预算)


def seed_with_cover(tmp_path: Path, cover: list[str], name: str = "variant.txt", body_edit=None) -> Path:
    """The 辽源 seed with its cover (everything before 目 录) replaced by ``cover``."""
    lines = LIAOYUAN.read_text(encoding="utf-8").split("\n")
    body = lines[lines.index("目 录") :]
    text = "\n".join(["", *cover, "", *body])
    if body_edit:
        text = body_edit(text)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def identity_of(path: Path):
    return identify(read_document(path))


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("上海市普陀区财政局", True),
        ("中共江苏省委办公厅", True),
        ("长春市社会保险事业管理局（本级）", True),
        ("上海市普陀区人民政府万里街道办事处", True),
        ("中共某县委机构编制委员会办公室", True),  # 编制 alone is a word of a name
        ("某市人民代表大会常务委员会办公厅", True),  # so is 代表 (in 代表大会)
        ("某市财政预算评审中心", True),  # and 预算
        ("某县人民政府", True),
        ("某某镇", True),
        ("某县2024年部门预算", False),
        ("万元江苏省委办公厅", False),  # residue of a 单位：万元 line
        ("省级部门预算公开报表部", False),  # a generic cover's title
        ("江苏省财政厅印制", False),
        ("2024年昌吉市社会保险中心", False),
        ("目录", False),
        ("部门", False),
        ("一般公共预算支出表", False),
    ],
)
def test_unit_name_validation(name, valid):
    assert valid_unit_name(clean(name))[0] is valid


def test_spaced_letters_are_closed_up():
    assert clean("部 门:中共江苏省委办公厅") == "部门：中共江苏省委办公厅"
    assert clean("２０２４年") == "2024年"


# --------------------------------------------------------------------------- one variant per failure class
def test_cover_wrapped_in_the_middle_of_the_name(tmp_path):
    path = seed_with_cover(tmp_path, ["辽源市社会保险事", "业管理局2024年部门预算"])
    identity = identity_of(path)
    assert (identity.unit_name, identity.fiscal_year, identity.document_kind) == (
        "辽源市社会保险事业管理局",
        2024,
        "部门预算",
    )
    assert identity.choices["unit_name"].source == "cover_title"
    assert not identity.warnings


def test_a_unit_line_above_a_wrapped_title_never_leaks_into_the_name(tmp_path):
    """The “万元…办公厅” unit of the first round: a 单位：万元 line joined into the cover's title."""
    path = seed_with_cover(tmp_path, ["单位：万元", "辽源市社会保险", "事业管理局", "2024年部门预算"])
    identity = identity_of(path)
    assert identity.unit_name == "辽源市社会保险事业管理局"
    assert "万元" not in identity.unit_name


def test_generic_cover_with_a_spaced_department_line(tmp_path):
    path = seed_with_cover(
        tmp_path,
        ["辽源市2024年度", "市级部门预算公开报表", "部 门:辽源市社会保险事业管理局", "辽源市财政局印制"],
    )
    identity = identity_of(path)
    assert identity.unit_name == "辽源市社会保险事业管理局"
    assert identity.choices["unit_name"].source == "cover_label"
    assert identity.fiscal_year == 2024
    assert not [w for w in identity.warnings if w.kind == "identity_conflict"]
    valid_names = {row.value for row in identity.evidence if row.attribute == "unit_name" and row.is_valid}
    assert not any("印制" in name or "报表" in name for name in valid_names), valid_names


def test_a_word_between_year_and_budget(tmp_path):
    """上海市普陀区2023年区级部门预算: the cover's year, not the 2022 of a later sentence."""
    path = seed_with_cover(
        tmp_path,
        ["辽源市2023年市级部门预算", "预算主管部门：辽源市社会保险事业管理局"],
        body_edit=lambda text: text.replace("2024 年", "2023 年"),
    )
    identity = identity_of(path)
    assert (identity.unit_name, identity.fiscal_year, identity.scope) == (
        "辽源市社会保险事业管理局",
        2023,
        "部门",
    )
    assert identity.choices["fiscal_year"].source == "cover_title"


def test_a_sentence_naming_another_year_is_a_conflict_not_a_choice(tmp_path):
    sentence = "2022年部门预算收入安排1292.07万元，全部为一般公共预算拨款收入。"
    path = seed_with_cover(
        tmp_path,
        ["辽源市社会保险事业管理局", "2024年部门预算"],
        body_edit=lambda text: text.replace("第一部分 部门概况", "第一部分 部门概况\n" + sentence, 1),
    )
    identity = identity_of(path)
    assert identity.fiscal_year == 2024
    (conflict,) = [w for w in identity.warnings if w.kind == "identity_conflict"]
    assert "“2024”" in conflict.message and "“2022”" in conflict.message
    assert "cover_title" in conflict.message and "prose" in conflict.message
    assert identity.choices["fiscal_year"].runner_up == "2022"


def test_an_implausible_year_is_what_the_document_says(tmp_path):
    """1899 on the cover is never silently replaced by the 2024 of a sentence (dbt holds it back)."""
    path = seed_with_cover(tmp_path, ["辽源市社会保险事业管理局", "1899年部门预算"])
    identity = identity_of(path)
    assert identity.fiscal_year == 1899
    assert any(w.kind == "identity_conflict" for w in identity.warnings)
    (row,) = [r for r in identity.evidence if r.attribute == "fiscal_year" and r.value == "1899"]
    assert not row.is_valid and row.is_chosen


def test_a_meaningless_file_name_changes_nothing(tmp_path):
    original = RAW / "上海市普陀区财政局部门25年预算.pdf"
    renamed = tmp_path / "document (3).pdf"
    shutil.copy(original, renamed)
    a, b = identity_of(original), identity_of(renamed)
    assert (b.unit_name, b.fiscal_year, b.document_kind, b.scope) == (
        a.unit_name,
        a.fiscal_year,
        a.document_kind,
        a.scope,
    )
    assert not any(row.source == "file_name" for row in b.evidence if row.attribute == "unit_name")


def test_the_file_name_is_the_last_resort_and_flagged(tmp_path):
    path = seed_with_cover(
        tmp_path,
        ["2024年部门预算"],
        name="辽源市社会保险事业管理局_2024.txt",
        body_edit=lambda text: text.replace("辽源市社会保险事业管理局", "本局"),
    )
    identity = identity_of(path)
    assert identity.unit_name == "辽源市社会保险事业管理局"
    assert identity.choices["unit_name"].source == "file_name"
    assert [w.kind for w in identity.warnings] == ["identity_from_file_name"]


def test_a_disclosure_without_any_unit_is_unit_not_found(tmp_path):
    path = seed_with_cover(
        tmp_path,
        ["2024年部门预算"],
        name="a.txt",
        body_edit=lambda text: text.replace("辽源市社会保险事业管理局", "本局"),
    )
    with pytest.raises(IdentityNotFound) as error:
        extract_file(path)
    assert error.value.reason == UNIT_NOT_FOUND


def _without_cover_text(source: Path, target: Path) -> Path:
    """The PDF with page 1's content stream emptied: a cover with no text layer (as an image cover read without OCR)."""
    with pikepdf.open(source) as pdf:
        pdf.pages[0].Contents = pdf.make_stream(b"")
        pdf.save(target)
    return target


@pytest.mark.parametrize(
    ("file_name", "unit", "year"),
    [
        ("上海市普陀区财政局部门25年预算.pdf", "上海市普陀区财政局", 2025),
        ("江苏省人民检察院__2017年省检察院部门预算.pdf", "江苏省人民检察院", 2017),
    ],
)
def test_a_cover_without_text_gets_unit_and_year_from_the_tables(tmp_path, file_name, unit, year):
    path = _without_cover_text(RAW / file_name, tmp_path / "scan-cover.pdf")
    extraction = extract_file(path)
    doc = extraction.document
    assert (doc.unit_name, doc.fiscal_year, doc.document_kind) == (unit, year, "部门预算")
    assert doc.unit_name_source == "table_compiler"
    assert doc.fiscal_year_source == "table_title"
    assert extraction.table_facts, "the tables still load"


# --------------------------------------------------------------------------- every real PDF
REAL_IDENTITIES = [
    (
        "X_上海市普陀区人民政府万里街道办事处24年预算.pdf",
        "上海市普陀区人民政府万里街道办事处",
        2024,
        "部门预算",
    ),
    ("X_上海市普陀区人民政府办公室25年预算.pdf", "上海市普陀区人民政府办公室", 2025, "部门预算"),
    ("X_上海市普陀区人民政府办公室单位25年预算.pdf", "上海市普陀区人民政府办公室", 2025, "单位预算"),
    ("上海市普陀区社会福利院2024年单位预算.pdf", "上海市普陀区社会福利院", 2024, "单位预算"),
    ("上海市普陀区财政局部门25年预算.pdf", "上海市普陀区财政局", 2025, "部门预算"),
    ("江苏省人民检察院__2017年省检察院部门预算.pdf", "江苏省人民检察院", 2017, "部门预算"),
    ("江苏省委办公厅__江苏省委办公厅2019年度部门预算公开文件.pdf", "江苏省委办公厅", 2019, "部门预算"),
    ("江苏省委办公厅__江苏省委办公厅2019年度部门预算公开表格.pdf", "中共江苏省委办公厅", 2019, "部门预算"),
    ("000_e24d4670d260d34e.txt", "辽源市社会保险事业管理局", 2024, "部门预算"),
    ("001_65d5e90dde18cf07.txt", "长春市社会保险事业管理局（本级）", 2024, "部门预算"),
    ("002_5e80dbdf814b782e.txt", "昌吉市社会保险中心", 2024, "部门预算"),
    ("003_51d4428f615cabcb.txt", "巴中市社会保险管理局", 2024, "部门预算"),
    ("004_1b1a57593e3dc4d4.txt", "泉州市泉港区社会保险中心", 2024, "部门预算"),
]


@pytest.mark.parametrize(("file_name", "unit", "year", "kind"), REAL_IDENTITIES)
def test_every_shipped_disclosure_has_the_identity_it_prints(file_name, unit, year, kind):
    identity = identity_of(RAW / file_name)
    assert (identity.unit_name, identity.fiscal_year, identity.document_kind) == (unit, year, kind)
    assert identity.scope == kind[:2]
    assert not identity.warnings, [w.message for w in identity.warnings]
    chosen = [row for row in identity.evidence if row.attribute == "unit_name" and row.is_chosen]
    assert chosen and all(row.is_valid for row in chosen)
    assert any(row.source not in ("file_name", "metadata_title") for row in chosen), (
        "the document itself states it"
    )
    # a 部门预算's 预算主管部门 line names the unit itself: no department is stored, and none is marked chosen
    assert identity.department_name is None
    assert not any(row.is_chosen for row in identity.evidence if row.attribute == "department_name")


FINAL_ACCOUNTS = SHARED / "final_accounts"


@pytest.mark.skipif(
    not FINAL_ACCOUNTS.is_dir(), reason="../shared/pdfs/final_accounts is not beside the clone"
)
@pytest.mark.parametrize(
    ("file_name", "unit"),
    [
        ("samples_good_上海市普陀区财政局2024年度部门决算.pdf", "上海市普陀区财政局"),
        ("samples_bad_上海市普陀区规划和自然资源局 2024 年度部门决算.pdf", "上海市普陀区规划和自然资源局"),
        ("samples_bad_中共上海市普陀区委社会工作部 2024 年度部门决算.pdf", "中共上海市普陀区委社会工作部"),
    ],
)
def test_final_accounts_are_final_accounts(file_name, unit):
    identity = identity_of(FINAL_ACCOUNTS / file_name)
    assert (identity.unit_name, identity.fiscal_year, identity.document_kind) == (unit, 2024, "部门决算")
    assert not identity.warnings, [w.message for w in identity.warnings]


@pytest.mark.skipif(
    not FINAL_ACCOUNTS.is_dir(), reason="../shared/pdfs/final_accounts is not beside the clone"
)
def test_the_planted_year_in_a_heading_is_flagged():
    """The peer's 测试问题版本 says “2023年度部门决算情况说明” in a 2024 决算: a conflict, 2024 kept."""
    identity = identity_of(FINAL_ACCOUNTS / "24年普陀区财政局（测试问题版本）.pdf")
    assert (identity.unit_name, identity.fiscal_year, identity.document_kind) == (
        "上海市普陀区财政局",
        2024,
        "部门决算",
    )
    (conflict,) = [w for w in identity.warnings if w.kind == "identity_conflict"]
    assert "“2023”" in conflict.message and conflict.location == "page 1"


@pytest.mark.skipif(
    not FINAL_ACCOUNTS.is_dir(), reason="../shared/pdfs/final_accounts is not beside the clone"
)
def test_a_template_without_a_unit_is_unit_not_found():
    """The official 决算 template (上海市 XX 局) names no unit: quarantined as unit_not_found, not as a non-disclosure."""
    with pytest.raises(IdentityNotFound) as error:
        extract_file(FINAL_ACCOUNTS / "附件2：部门决算模板.pdf")
    assert error.value.reason == UNIT_NOT_FOUND
