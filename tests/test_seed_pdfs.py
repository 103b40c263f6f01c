"""The seed PDF generator (tools/seed_pdfs): every seed rendered in every variant, checked with pdfplumber
and poppler the way a reader of published PDFs would see them.

Rendering needs the CJK font (Debian fonts-wqy-zenhei), LibreOffice (libreoffice-calc-nogui) and poppler
(poppler-utils); when one is missing the tests fail and say which package to install.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest

from extract.readers.text import read_text
from extract.text_clean import is_amount, squash, strip_markup
from tools.seed_pdfs import DEFAULT_SEED_DIR, VARIANTS, fonts, libreoffice_printer, output_path, render_seed
from tools.seed_pdfs.__main__ import main as seed_pdfs_main
from tools.seed_pdfs.fonts import MissingFont
from tools.seed_pdfs.geometry import NAME_COLUMN_CHARS
from tools.seed_pdfs.layout import DocumentLayout, TableLayout, lead_in_role, seed_layout
from tools.seed_pdfs.libreoffice_printer import MissingLibreOffice

SEEDS = sorted(DEFAULT_SEED_DIR.glob("*.txt"))
A4_SHORT, A4_LONG = 595.28, 841.89
FOOTER = re.compile(r"^-\s*\d+\s*-$")
TOTAL_LABELS = ("合计", "总计")


@pytest.fixture(scope="session")
def rendered(rendered_seeds) -> Path:
    """Every seed in every variant (conftest.py renders them once per session), checked with poppler."""
    for tool, package in (("pdftotext", "poppler-utils"), ("pdffonts", "poppler-utils")):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: apt-get install -y {package}")
    return rendered_seeds


def seed_cases(with_tables: bool = False, with_split: bool = False, variants=VARIANTS) -> list:
    cases = []
    for seed in SEEDS:
        layout = seed_layout(seed)
        if with_tables and not layout.tables:
            continue
        if with_split and not any(t.split_at is not None for t in layout.tables):
            continue
        cases += [pytest.param(seed, variant, id=f"{seed.stem[:3]}-{variant}") for variant in variants]
    return cases


# --------------------------------------------------------------------------- helpers
@functools.cache
def page_texts(pdf: Path) -> tuple[str, ...]:
    with pdfplumber.open(pdf) as doc:
        return tuple(page.extract_text() or "" for page in doc.pages)


def page_lines(pdf: Path, index: int) -> list[str]:
    return [squash(line) for line in page_texts(pdf)[index].split("\n") if line.strip()]


def text_without_footers(pdf: Path) -> str:
    lines = [line for text in page_texts(pdf) for line in text.split("\n") if not FOOTER.match(line.strip())]
    return squash("".join(lines))


@functools.cache
def poppler_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def occurs_as_number(amount: str, text: str) -> bool:
    return re.search(rf"(?<![\d.,]){re.escape(amount)}(?![\d.,]*\d)", text) is not None


def first_total_amounts(seed: Path) -> list[str]:
    """The amounts of the first 合计/总计 row of the seed's tables; for a seed without tables, the
    amounts of its first sentence in 万元."""
    doc = read_text(seed)
    for block in doc.blocks:
        for row in block.grid.rows if block.grid else []:
            cells = [strip_markup(cell) for cell in row.cells]
            if any(squash(cell).endswith(TOTAL_LABELS) for cell in cells):
                amounts = [cell for cell in cells if is_amount(cell)]
                if amounts:
                    return amounts
    for block in doc.blocks:
        if block.paragraph and "万元" in block.paragraph.text:
            return re.findall(r"\d[\d,]*\.\d+", block.paragraph.text)
    return []


def title_page(pdf: Path, table: TableLayout) -> int:
    """Index of the page carrying the table's title and unit line."""
    wanted = [squash(line) for line in table.lead_in if lead_in_role(line) in ("title", "unit")]
    for index in range(len(page_texts(pdf))):
        lines = page_lines(pdf, index)
        if all(line in lines for line in wanted):
            return index
    raise AssertionError(f"no page of {pdf.name} carries {table.lead_in}")


def split_table(layout: DocumentLayout) -> TableLayout:
    return next(table for table in layout.tables if table.split_at is not None)


# --------------------------------------------------------------------------- every page, every variant
@pytest.mark.parametrize(("seed", "variant"), seed_cases())
def test_pages_are_a4_and_the_cjk_font_is_embedded(rendered, seed, variant):
    pdf = output_path(rendered, seed, variant)
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            size = sorted((round(float(page.width), 1), round(float(page.height), 1)))
            assert size == pytest.approx([A4_SHORT, A4_LONG], abs=1.0), f"page {number} is {size}, not A4"
    fonts_table = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts_table.splitlines()[2:] if line.strip()]
    assert any("WenQuanYi" in row[0] for row in rows), fonts_table
    not_embedded = [row[0] for row in rows if row[-5] != "yes"]
    assert not not_embedded, f"fonts not embedded in {pdf.name}: {not_embedded}"


@pytest.mark.parametrize(("seed", "variant"), seed_cases())
def test_text_comes_out_clean(rendered, seed, variant):
    pdf = output_path(rendered, seed, variant)
    assert not any("(cid:" in text for text in page_texts(pdf)), "glyphs without a Unicode mapping"
    assert "\ufffd" not in poppler_text(pdf)
    assert re.search(r"[\u4e00-\u9fff]{4}", poppler_text(pdf)), "no Chinese text extracted"


@pytest.mark.parametrize(("seed", "variant"), seed_cases())
def test_key_amounts_appear_as_printed(rendered, seed, variant):
    amounts = first_total_amounts(seed)
    assert amounts, f"no key amounts found in {seed.name}"
    text = poppler_text(output_path(rendered, seed, variant))
    missing = [amount for amount in amounts if not occurs_as_number(amount, text)]
    assert not missing, f"amounts {missing} of {seed.name} not in the PDF text"


@pytest.mark.parametrize(("seed", "variant"), seed_cases())
def test_prose_paragraphs_are_present(rendered, seed, variant):
    text = text_without_footers(output_path(rendered, seed, variant))
    paragraphs = [
        squash(block.paragraph.text).replace("#", "") for block in read_text(seed).blocks if block.paragraph
    ]
    missing = [p for p in paragraphs if p and p not in text]
    assert not missing, f"{len(missing)} paragraphs missing, first: {missing[0][:60]}"


@pytest.mark.parametrize(("seed", "variant"), seed_cases(variants=("unruled",)))
def test_unruled_variant_has_no_ruling_at_all(rendered, seed, variant):
    with pdfplumber.open(output_path(rendered, seed, variant)) as doc:
        for number, page in enumerate(doc.pages, start=1):
            assert not (page.lines or page.rects or page.curves), f"page {number} has drawn lines"


# --------------------------------------------------------------------------- tables
@pytest.mark.parametrize(("seed", "variant"), seed_cases(with_tables=True, variants=("ruled", "libreoffice")))
def test_ruled_variants_rule_every_table_page(rendered, seed, variant):
    pdf = output_path(rendered, seed, variant)
    unit_lines = {
        squash(line)
        for table in seed_layout(seed).tables
        for line in table.lead_in
        if lead_in_role(line) == "unit"
    }
    table_pages = [i for i in range(len(page_texts(pdf))) if unit_lines & set(page_lines(pdf, i))]
    assert table_pages, "no page carries a unit line"
    with pdfplumber.open(pdf) as doc:
        for index in table_pages:
            page = doc.pages[index]
            assert len(page.lines) + len(page.rects) >= 4, f"page {index + 1} has a table but no ruling"
            assert page.find_tables(), f"pdfplumber finds no table on page {index + 1}"


@pytest.mark.parametrize(("seed", "variant"), seed_cases(with_split=True))
def test_a_long_table_continues_on_the_next_page(rendered, seed, variant):
    pdf = output_path(rendered, seed, variant)
    table = split_table(seed_layout(seed))
    first = title_page(pdf, table)
    tokens_first = set(poppler_page_text(pdf, first).split())
    tokens_next = set(poppler_page_text(pdf, first + 1).split())
    before = {
        cell for row in table.rows[table.header_count : table.split_at] for cell in row if is_amount(cell)
    }
    after = {cell for row in table.rows[table.split_at :] for cell in row if is_amount(cell)}
    assert before <= tokens_first, f"amounts {sorted(before - tokens_first)} not on page {first + 1}"
    assert after <= tokens_next, f"amounts {sorted(after - tokens_next)} not on page {first + 2}"
    assert after - tokens_first, "the rows after the split are on the title page too"

    header = [[squash(cell) for cell in row] for row in table.rows[: table.header_count]]
    if variant == "unruled":  # the header is not repeated: the page starts with the continued rows
        first_line = page_lines(pdf, first + 1)[0]
        assert not any(first_line.startswith("".join(row)) for row in header), first_line
    else:  # the header rows are repeated above the continued rows
        with pdfplumber.open(pdf) as doc:
            continued = doc.pages[first + 1].extract_tables()[0]
        assert [[squash(cell or "") for cell in row] for row in continued[: len(header)]] == header


def poppler_page_text(pdf: Path, index: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(index + 1), "-l", str(index + 1), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize(("seed", "variant"), seed_cases(with_tables=True))
def test_a_long_name_wraps_onto_a_second_line(rendered, seed, variant):
    layout = seed_layout(seed)
    long_names = {
        squash(row[table.name_column])
        for table in layout.tables
        if table.name_column is not None
        for row in table.rows[table.header_count :]
        if len(squash(row[table.name_column])) > NAME_COLUMN_CHARS
    }
    assert long_names, "the seed has no name long enough to wrap"
    with pdfplumber.open(output_path(rendered, seed, variant)) as doc:
        for page in doc.pages:
            words = page.extract_words()
            for upper in words:
                for lower in words:
                    joined = squash(upper["text"]) + squash(lower["text"])
                    if (
                        joined in long_names
                        and abs(upper["x0"] - lower["x0"]) < 3
                        and 0 < lower["top"] - upper["top"] < 20
                    ):
                        return
    pytest.fail("no long name is printed on two lines")


# --------------------------------------------------------------------------- the generator itself
def test_reportlab_variants_are_byte_for_byte_reproducible(tmp_path):
    seed = SEEDS[0]
    first = render_seed(seed, tmp_path / "first", ("ruled", "unruled"))
    second = render_seed(seed, tmp_path / "second", ("ruled", "unruled"))
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between two runs"


def test_cli_writes_the_requested_variants_only(tmp_path, capsys):
    seed = next(s for s in SEEDS if not seed_layout(s).tables)
    assert seed_pdfs_main([str(tmp_path), "--variants", "unruled", str(seed)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{seed.stem}.unruled.pdf"]
    assert f"{seed.stem}.unruled.pdf" in capsys.readouterr().out


def test_a_missing_font_names_the_package_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "CJK_FONT_NAME", "NoSuchFontRegistered")
    monkeypatch.setattr(fonts, "CJK_FONT_PATH", tmp_path / "missing.ttc")
    with pytest.raises(MissingFont, match="fonts-wqy-zenhei"):
        fonts.register_cjk_font()


def test_a_missing_libreoffice_names_the_package_to_install(monkeypatch):
    monkeypatch.setattr(libreoffice_printer.shutil, "which", lambda name: None)
    with pytest.raises(MissingLibreOffice, match="libreoffice-calc-nogui"):
        libreoffice_printer.soffice_path()
