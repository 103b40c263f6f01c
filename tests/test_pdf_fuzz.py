"""Damaged PDFs never crash the load (issue 10): each gives a page warning, loads, or is quarantined with a reason.

Every PDF of ``data/raw`` (the five real disclosures) and every rendered seed (``rendered_seeds``) is broken in
fixed, seeded ways — with pikepdf (pages deleted, a page's /Contents deleted or replaced by garbage, its
/Resources emptied, its font or another indirect object nulled, the page tree looped or its /Kids removed, a
stream's /Length wrong, a bogus /MediaBox or /Rotate) and with raw byte edits (bytes flipped in the body, the
file truncated with %%EOF appended again, the cross-reference table cut, startxref wrong, a run of bytes
zeroed).  Each variant goes through ``load_disclosure_file`` on a real DuckDB file, and:

- no exception escapes, the status is ``loaded`` or ``quarantined``, and a quarantine is never
  ``extraction_error`` (that is an exception the extractor did not expect: a crash) and says why in a sentence;
- targeted variants keep what they did not touch: deleting a page's /Contents keeps the unit, the year and the
  facts of the pages before it; deleting a page gives a document one page shorter; emptying a page's
  /Resources gives that page's warning or still loads.

Failures are collected over all variants and reported together at the end.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pikepdf
import pytest

from dagster_project.defs.extraction.loading import (
    EXTRACTION_ERROR,
    LOADED,
    QUARANTINED,
    UNREADABLE_DOCUMENT,
    load_disclosure_file,
)
from extract.load import ensure_raw_schema
from extract.pipeline import extract_file
from extract.readers.pdf import read_pdf

REPO_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = REPO_ROOT / "data" / "raw"
SHARED_PDFS = REPO_ROOT.parent / "shared" / "pdfs"
TRUNCATED_UPLOAD = SHARED_PDFS / "broken" / "truncated_upload.pdf"

MIN_VARIANTS = 200
TIME_BUDGET_S = 90.0  # the whole fuzz loop (the seeds' rendering is the session fixture's)


# --------------------------------------------------------------------------- mutations
@dataclass(frozen=True)
class Variant:
    name: str
    data: bytes
    kind: str  # the mutation kind, e.g. 'drop_contents'
    page: int | None = None  # 1-based page the mutation targets, when it targets one


def _with_pdf(data: bytes, edit: Callable[[pikepdf.Pdf], None], **save) -> bytes:
    import io

    with pikepdf.open(io.BytesIO(data)) as pdf:
        edit(pdf)
        out = io.BytesIO()
        pdf.save(out, **save)
        return out.getvalue()


def _body(data: bytes) -> tuple[int, int]:
    """The byte range between the header and the trailer (where flips hit objects, not the xref)."""
    start = data.find(b"\n", 10) + 1
    end = data.rfind(b"startxref")
    xref = data.rfind(b"\nxref")
    end = min(e for e in (end, xref if xref > start else end) if e > start) if end > start else len(data)
    return start, max(start + 1, end)


def flip_bytes(data: bytes, rng: random.Random, count: int) -> bytes:
    out = bytearray(data)
    start, end = _body(data)
    for _ in range(count):
        i = rng.randrange(start, end)
        out[i] ^= rng.randrange(1, 256)
    return bytes(out)


def zero_run(data: bytes, rng: random.Random, length: int) -> bytes:
    start, end = _body(data)
    i = rng.randrange(start, max(start + 1, end - length))
    return data[:i] + b"\0" * length + data[i + length :]


def truncate(data: bytes, share: float) -> bytes:
    return data[: int(len(data) * share)] + b"\n%%EOF\n"


def cut_xref(data: bytes) -> bytes:
    """The cross-reference section (table or stream) and the trailer cut off; %%EOF appended again."""
    match = re.search(rb"startxref\s+(\d+)", data[-2048:])
    offset = int(match.group(1)) if match else data.rfind(b"xref")
    if not 0 < offset < len(data):
        offset = len(data) * 9 // 10
    return data[:offset] + b"\n%%EOF\n"


def wrong_startxref(data: bytes, rng: random.Random) -> bytes:
    match = list(re.finditer(rb"startxref\s+(\d+)", data))
    if not match:
        return data
    m = match[-1]
    return data[: m.start(1)] + str(rng.randrange(len(data))).encode() + data[m.end(1) :]


def wrong_length(data: bytes, rng: random.Random) -> bytes:
    """One stream's /Length made wrong (shorter or longer) in a file saved without object streams."""
    flat = _flat(data)
    lengths = list(re.finditer(rb"/Length (\d+)(?! \d+ R)", flat))
    if not lengths:
        return flat
    m = rng.choice(lengths)
    value = int(m.group(1))
    new = rng.choice([value // 2, value + 37, 0, value * 3 + 1000])
    return flat[: m.start(1)] + str(new).encode() + flat[m.end(1) :]


def _page(pdf: pikepdf.Pdf, page: int) -> pikepdf.Dictionary:
    return pdf.pages[page - 1].obj


def delete_page(data: bytes, page: int) -> bytes:
    return _with_pdf(data, lambda pdf: pdf.pages.remove(p=page))


def drop_contents(data: bytes, page: int) -> bytes:
    def edit(pdf):
        del _page(pdf, page)["/Contents"]

    return _with_pdf(data, edit)


def empty_resources(data: bytes, page: int) -> bytes:
    def edit(pdf):
        _page(pdf, page)["/Resources"] = pikepdf.Dictionary()

    return _with_pdf(data, edit)


def bogus_contents(data: bytes, page: int, rng: random.Random) -> bytes:
    garbage = [
        b"BT /F404 12 Tf 10 10 Td (nothing) Tj ET Q Q Q ] >> << [ 1 2 3",
        bytes(rng.randrange(256) for _ in range(400)),
        b"q 1e400 0 0 1e400 0 0 cm 0 0 m 1e300 1e300 l S Q BT /F1 -1e30 Tf 1e30 -1e30 Td (\xff\xfe) Tj ET",
        b"0 0 600 800 re S 10 10 580 1 re S 10 20 580 1 re S 300 10 1 780 re S",  # a ruled frame without text
    ]

    def edit(pdf):
        choice = rng.randrange(len(garbage) + 2)
        if choice < len(garbage):
            _page(pdf, page)["/Contents"] = pdf.make_stream(garbage[choice])
        elif choice == len(garbage):
            _page(pdf, page)["/Contents"] = pikepdf.Integer(7)  # not a stream at all
        else:
            _page(pdf, page)["/Contents"] = pikepdf.Array([pikepdf.Name("/Nope"), pdf.make_stream(b"BT ET")])

    return _with_pdf(data, edit)


def _flat(data: bytes) -> bytes:
    """The PDF saved with every object at top level (no object streams), so objects can be cut out as bytes."""
    return _with_pdf(data, lambda pdf: None, object_stream_mode=pikepdf.ObjectStreamMode.disable)


def erase_objects(flat: bytes, numbers: list[int]) -> bytes:
    """Indirect objects cut out of the file: their bytes blanked, the xref still pointing at the blanks."""
    out = flat
    for number in numbers:
        match = re.search(rb"(?<![0-9])%d 0 obj\b.*?endobj" % number, out, re.DOTALL)
        if match:
            out = out[: match.start()] + b" " * (match.end() - match.start()) + out[match.end() :]
    return out


def _objects_of_page(flat: bytes, page: int, what: str) -> list[int]:
    import io

    with pikepdf.open(io.BytesIO(flat)) as pdf:
        target = _page(pdf, page)
        if what == "font":
            resources = target.get("/Resources")
            fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
            if not isinstance(fonts, pikepdf.Dictionary):
                return []
            return [fonts[key].objgen[0] for key in list(fonts.keys())[:1] if fonts[key].is_indirect]
        contents = target.get("/Contents")
        items = (
            contents if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
        )
        return [item.objgen[0] for item in items if item.is_indirect]


def erase_font(data: bytes, page: int) -> bytes:
    """The first font of a page missing from the file (every page that uses it loses it)."""
    flat = _flat(data)
    return erase_objects(flat, _objects_of_page(flat, page, "font"))


def erase_content_stream(data: bytes, page: int) -> bytes:
    """A page's content stream object missing from the file (/Contents points at nothing)."""
    flat = _flat(data)
    return erase_objects(flat, _objects_of_page(flat, page, "contents"))


def erase_random_object(data: bytes, rng: random.Random) -> bytes:
    """A random indirect object (a font, a stream, an image, a page, a dictionary…) missing from the file."""
    flat = _flat(data)
    numbers = [int(m.group(1)) for m in re.finditer(rb"(?m)^(\d+) 0 obj\b", flat)]
    return erase_objects(flat, [rng.choice(numbers)] if numbers else [])


def page_tree(data: bytes, how: str) -> bytes:
    def edit(pdf):
        root = pdf.Root.Pages
        if how == "loop":  # the root's kids include the root itself
            root.Kids.append(root)
        elif how == "no_kids":
            del root["/Kids"]
        elif how == "null_kid":
            kids = root.Kids
            kids.insert(len(kids) // 2, pikepdf.Dictionary())
        elif how == "wrong_count":
            root.Count = 10_000
        elif how == "kid_not_a_page":
            root.Kids.append(pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font)))

    return _with_pdf(data, edit)


def bogus_geometry(data: bytes, page: int, how: str) -> bytes:
    def edit(pdf):
        target = _page(pdf, page)
        if how == "mediabox_zero":
            target.MediaBox = pikepdf.Array([0, 0, 0, 0])
        elif how == "mediabox_upside_down":
            target.MediaBox = pikepdf.Array([600, 800, 0, 0])
        elif how == "rotate_odd":
            target.Rotate = 45

    return _with_pdf(data, edit)


def keep_pages(data: bytes, keep: list[int]) -> bytes:
    """The PDF cut to the pages ``keep`` (1-based): a smaller base for the edits, so the fuzz stays fast."""

    def edit(pdf):
        for index in reversed(range(len(pdf.pages))):
            if index + 1 not in keep:
                del pdf.pages[index]
        pdf.remove_unreferenced_resources()

    return _with_pdf(data, edit)


def base_of(source: Path, count: int) -> bytes:
    """The cover and the ``count - 1`` pages from the first page with a fact (tables, or the prose for a
    file without tables): a small PDF that still loads as a disclosure."""
    data = source.read_bytes()
    pages = _page_count(data)
    if pages <= count:
        return data
    extraction = extract_file(source)
    with_facts = [f.source_page for f in extraction.table_facts] or [
        f.source_page for f in extraction.prose_facts
    ]
    first = min(p for p in with_facts if p) if with_facts else 2
    first = max(2, min(first, pages - count + 2))
    return keep_pages(data, [1, *range(first, first + count - 1)])


# raw byte edits: applied to a real PDF's own bytes (its own xref layout, object streams, incremental updates)
BYTE_KINDS = ("flip_1", "flip_20", "flip_300", "zero_run", "truncate", "cut_xref", "wrong_startxref")
# edits of the object graph, through pikepdf
STRUCTURE_KINDS = (
    "wrong_length",
    "erase_object",
    "drop_contents",
    "empty_resources",
    "delete_page",
    "bogus_contents",
    "erase_font",
    "erase_content_stream",
    "page_tree",
    "geometry",
)
PROPERTY_KINDS = ("drop_contents", "delete_page", "empty_resources")
ALL_KINDS = BYTE_KINDS + STRUCTURE_KINDS


def variants_of(
    name: str, data: bytes, pages: int, seed: int, kinds: tuple[str, ...] = ALL_KINDS
) -> list[Variant]:
    """The broken variants of one PDF, always the same for the same bytes, seed and kinds."""
    rng = random.Random(seed)
    page = lambda: rng.randrange(1, pages + 1)
    # the pages whose loss must leave the document's identity: not the cover (it names unit and year)
    inner = lambda: rng.randrange(2, pages + 1) if pages > 1 else 1
    out: list[Variant] = []

    def add(kind: str, broken: bytes, target: int | None = None) -> None:
        out.append(Variant(f"{name}:{kind}{'' if target is None else f'@p{target}'}", broken, kind, target))

    for kind in kinds:
        if kind.startswith("flip_"):
            count = int(kind.removeprefix("flip_"))
            add(kind, flip_bytes(data, rng, count))
        elif kind == "zero_run":
            add(kind, zero_run(data, rng, rng.randrange(64, 4096)))
        elif kind == "truncate":
            add(kind, truncate(data, rng.uniform(0.3, 0.97)))
        elif kind == "cut_xref":
            add(kind, cut_xref(data))
        elif kind == "wrong_startxref":
            add(kind, wrong_startxref(data, rng))
        elif kind == "wrong_length":
            add(kind, wrong_length(data, rng))
        elif kind == "erase_object":
            add(kind, erase_random_object(data, rng))
        elif kind == "drop_contents":
            p = inner()
            add(kind, drop_contents(data, p), p)
        elif kind == "empty_resources":
            p = inner()
            add(kind, empty_resources(data, p), p)
        elif kind == "delete_page" and pages > 1:
            p = page()
            add(kind, delete_page(data, p), p)
        elif kind == "bogus_contents":
            p = page()
            add(kind, bogus_contents(data, p, rng), p)
        elif kind == "erase_font":
            p = page()
            add(kind, erase_font(data, p), p)
        elif kind == "erase_content_stream":
            p = page()
            add(kind, erase_content_stream(data, p), p)
        elif kind == "page_tree":
            how = ("loop", "no_kids", "null_kid", "wrong_count", "kid_not_a_page")[seed % 5]
            add(f"page_tree_{how}", page_tree(data, how))
        elif kind == "geometry":
            p, how = page(), ("mediabox_zero", "mediabox_upside_down", "rotate_odd")[seed % 3]
            add(how, bogus_geometry(data, p, how), p)
    return out


# --------------------------------------------------------------------------- the sources
# the five real disclosures shipped in data/raw (named: a PDF dropped there later does not change the fuzz)
REAL_PDFS = (
    "X_上海市普陀区人民政府万里街道办事处24年预算.pdf",
    "上海市普陀区社会福利院2024年单位预算.pdf",
    "江苏省人民检察院__2017年省检察院部门预算.pdf",
    "江苏省委办公厅__江苏省委办公厅2019年度部门预算公开文件.pdf",
    "江苏省委办公厅__江苏省委办公厅2019年度部门预算公开表格.pdf",
)


def _sources(seed_dir: Path) -> list[Path]:
    return [RAW_DIR / name for name in REAL_PDFS] + sorted(seed_dir.glob("*.pdf"))


def _fact_keys(extraction, pages: Callable[[int | None], bool]) -> Counter:
    return Counter(
        (f.table_kind, f.subject_code or f.line_item or f.row_label, f.column_key, f.amount, f.source_page)
        for f in extraction.table_facts
        if pages(f.source_page)
    )


def _page_count(data: bytes) -> int:
    import io

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


# a page warning whose reason is one of these is our own bug on that page, not the PDF's damage
_OWN_BUG = re.compile(
    r"^(?:KeyError|ValueError|IndexError|TypeError|AttributeError|ZeroDivisionError|"
    r"AssertionError|RecursionError|UnboundLocalError|NameError|StopIteration)\b"
)


def check_outcome(con, outcome, variant: Variant) -> list[str]:
    """What is wrong with one variant's load outcome (nothing when it loaded or was quarantined with a reason,
    and every page it could not read was the PDF's damage, not an error of the reader)."""
    if outcome.status not in (LOADED, QUARANTINED):
        return [f"{variant.name}: status {outcome.status!r}"]
    if outcome.status == LOADED:
        bugs = con.execute(
            "SELECT location, message FROM raw.extraction_warnings WHERE document_id = ? AND kind = 'page_unreadable'",
            [outcome.document_id],
        ).fetchall()
        return [
            f"{variant.name}: {where} unreadable by a reader error — {message}"
            for where, message in bugs
            if _OWN_BUG.match(message)
        ]
    if outcome.status == QUARANTINED:
        if outcome.reason == EXTRACTION_ERROR:
            return [f"{variant.name}: crash — {outcome.detail}"]
        if len(outcome.detail.strip()) < 12 or not re.search(r"[a-z]{3,}", outcome.detail):
            return [
                f"{variant.name}: quarantined {outcome.reason} without a clear reason: {outcome.detail!r}"
            ]
    return []


def check_property(variant: Variant, path: Path, original, original_pages: int) -> list[str]:
    """The targeted variants keep what they did not touch (an extraction of the variant against the original's)."""
    try:
        if variant.kind == "delete_page":
            doc = read_pdf(path)
            if doc.page_count != original_pages - 1:
                return [f"{variant.name}: page_count {doc.page_count}, expected {original_pages - 1}"]
            return []
        extraction = extract_file(path)
    except Exception as exc:  # noqa: BLE001 — unreadable, not a disclosure, no identity: all wrong here
        return [
            f"{variant.name}: {variant.kind} refused a document the original loads: {type(exc).__name__}: {exc}"
        ]
    warned = {w.location for w in extraction.warnings if w.kind in ("page_unreadable", "page_without_text")}
    doc, before = extraction.document, original.document
    problems = []
    if (doc.unit_name, doc.fiscal_year) != (before.unit_name, before.fiscal_year):
        problems.append(
            f"{variant.name}: identity {(doc.unit_name, doc.fiscal_year)} != "
            f"{(before.unit_name, before.fiscal_year)}"
        )
    if variant.kind == "drop_contents":
        earlier = lambda p: p is not None and p < variant.page
        lost = _fact_keys(original, earlier) - _fact_keys(extraction, earlier)
        if lost:
            problems.append(f"{variant.name}: facts of the pages before the emptied page lost: {dict(lost)}")
        if _fact_keys(extraction, lambda p: p == variant.page):
            problems.append(f"{variant.name}: facts read from a page without content")
    if variant.kind == "empty_resources" and f"page {variant.page}" not in warned:
        kept = _fact_keys(extraction, lambda p: p != variant.page)
        if sum(kept.values()) < 0.9 * sum(_fact_keys(original, lambda p: p != variant.page).values()):
            problems.append(f"{variant.name}: no page warning and the other pages' facts were lost")
    return problems


@pytest.fixture
def no_ocr(monkeypatch):
    """Pages that lose their text layer are not sent to OCR here: tesseract takes seconds a page, and what this
    test asks of the reader is that damage never crashes it (OCR is tests/test_ocr.py's)."""
    monkeypatch.setattr("extract.readers.pdf.ocr_available", lambda: False)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con = duckdb.connect(str(tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb"))
    ensure_raw_schema(con)
    yield con
    con.close()


SEED_KINDS_EACH = 9  # a rendered seed gets the three property kinds and six others, in turn
BASE_PAGES = 8  # the structural edits work on eight pages of a PDF: its cover and its first pages with facts


def fuzz_cases(sources: list[Path], real: int) -> list[tuple[Path, bytes, tuple[str, ...], int]]:
    """(source, base bytes, kinds, seed) for every source: the real PDFs get every byte edit on their own
    bytes and every structural edit on their base (``base_of``); a rendered seed gets nine kinds on its base."""
    cases = []
    others = [k for k in ALL_KINDS if k not in PROPERTY_KINDS]
    for seed, source in enumerate(sources):
        data, base = source.read_bytes(), base_of(source, BASE_PAGES)
        if seed < real:
            cases.append((source, data, BYTE_KINDS, seed))
            cases.append((source, base, STRUCTURE_KINDS, seed))
        else:
            turn = tuple(
                others[(seed * 6 + j) % len(others)] for j in range(SEED_KINDS_EACH - len(PROPERTY_KINDS))
            )
            cases.append((source, base, PROPERTY_KINDS + turn, seed))
    return cases


def test_damaged_pdfs_load_or_are_quarantined_with_a_reason(rendered_seeds, warehouse, tmp_path, no_ocr):
    sources = _sources(rendered_seeds)
    assert len(sources) >= 5 + 10, sources
    failures: list[str] = []
    kinds: Counter = Counter()
    statuses: Counter = Counter()
    started = time.perf_counter()
    total = 0
    for source, data, case_kinds, seed in fuzz_cases(sources, real=len(REAL_PDFS)):
        pages = _page_count(data)
        original_path = tmp_path / "original.pdf"
        original_path.write_bytes(data)
        original = extract_file(original_path)
        for variant in variants_of(source.stem, data, pages, seed, case_kinds):
            total += 1
            kinds[variant.kind] += 1
            path = tmp_path / f"v{total:04d}_{variant.kind}.pdf"
            path.write_bytes(variant.data)
            try:
                outcome = load_disclosure_file(warehouse, path)
            except Exception as exc:  # noqa: BLE001 — collected, reported at the end
                failures.append(f"{variant.name}: {type(exc).__name__} escaped load_disclosure_file: {exc}")
                continue
            statuses[outcome.status if outcome.status == LOADED else outcome.reason] += 1
            failures.extend(check_outcome(warehouse, outcome, variant))
            if variant.kind in PROPERTY_KINDS:
                failures.extend(check_property(variant, path, original, pages))
            path.unlink()
    elapsed = time.perf_counter() - started
    print(
        f"\n{total} variants of {len(sources)} PDFs in {elapsed:.1f} s; kinds {dict(kinds)}; outcomes {dict(statuses)}"
    )
    assert not failures, f"{len(failures)} of {total} variants failed:\n" + "\n".join(failures)
    assert total >= MIN_VARIANTS
    assert statuses[LOADED] > 0 and statuses[UNREADABLE_DOCUMENT] > 0, statuses
    assert elapsed < TIME_BUDGET_S, f"the fuzz loop took {elapsed:.0f} s"


def test_truncated_upload_is_quarantined_as_unreadable(warehouse):
    outcome = load_disclosure_file(warehouse, TRUNCATED_UPLOAD)
    assert outcome.status == QUARANTINED and outcome.reason == UNREADABLE_DOCUMENT, outcome
    assert "truncated" in outcome.detail or "not a PDF" in outcome.detail, outcome.detail
