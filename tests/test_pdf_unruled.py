"""The unruled reader on real layouts: the published PDFs with their rules removed read like the originals.

Every page of the five real PDFs is ruled, so the pdfplumber route reads them.  ``tools.strip_rules`` removes
every path object (lines, cell borders, backgrounds) and leaves the text where the bureau set it: real fonts,
real cell padding, real header wrapping — the layouts an unruled disclosure of another bureau would have.  The
reader must then route the table pages to the unruled reader and find the same table facts (kind, subject
or line item, column, amount, page) as from the ruled original.

Exact for the two Shanghai PDFs (元 tables, a three-level “三公” header, a 收支总表 split over two pages).
The Jiangsu PDFs are not asserted whole: without rules their row-spanning labels (一般公共预算资金 centred on a
three-row group) and headings spanning two columns (项目名称 over 项目名称 | 小计) cannot be told from
the layout alone — the remaining differences are listed in docs/pdf_extraction.md.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from dbt_warehouse import RAW

from extract.pipeline import extract_file
from extract.readers.pdf import read_pdf_with_routes
from tools.strip_rules import strip_rules

REAL = RAW  # the five real PDFs ship in data/raw (copied from ../shared/pdfs)
EXACT = ["X_上海市普陀区人民政府万里街道办事处24年预算.pdf", "上海市普陀区社会福利院2024年单位预算.pdf"]


def facts(path: Path) -> Counter:
    return Counter(
        (f.table_kind, f.subject_code or f.line_item or f.row_label, f.column_key, f.amount, f.source_page)
        for f in extract_file(path).table_facts
    )


@pytest.fixture(scope="module")
def stripped(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stripped")
    for name in EXACT:
        strip_rules(REAL / name, out / name)
    return out


@pytest.mark.parametrize("name", EXACT)
def test_stripped_pdf_is_read_unruled(stripped, name):
    _, routes = read_pdf_with_routes(stripped / name)
    ruled = [r.page for r in routes if r.route == "ruled"]
    unruled = [r.page for r in routes if r.route == "unruled"]
    assert ruled == [] and len(unruled) >= 9, routes


@pytest.mark.parametrize("name", EXACT)
def test_stripped_pdf_has_the_facts_of_the_ruled_original(stripped, name):
    original, without_rules = facts(REAL / name), facts(stripped / name)
    assert sum(original.values()) > 150
    assert without_rules == original, (
        f"only in the ruled original: {dict(original - without_rules)}; "
        f"only without rules: {dict(without_rules - original)}"
    )


def test_stripped_three_public_header_of_three_levels(stripped):
    """上海 万里街道 p31: 2024年“三公”经费预算数 over 合计 … 运行费, 公务用车购置及运行费 over 小计 | 购置费 | 运行费,
    and the 机关运行经费 column beside them."""
    extraction = extract_file(stripped / EXACT[0])
    three_public = {f.line_item: f.amount for f in extraction.table_facts if f.table_kind == "three_public"}
    assert {k: str(v) for k, v in three_public.items()} == {
        "three_public_total": "47.91",
        "three_public_outbound": "0",
        "three_public_reception": "1.35",
        "three_public_vehicle": "46.56",
        "three_public_vehicle_purchase": "25",
        "three_public_vehicle_operation": "21.56",
        "operating_expenditure": "443.18",
    }
