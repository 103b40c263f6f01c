"""The bad-input corpus (issue 13, part 1): every way a file dropped into the inbox can be wrong, beside the seeds.

The corpus is generated here, in a temporary inbox (no committed binaries but the real broken upload of
``../shared/pdfs/broken``): files that hold nothing, broken and encrypted PDFs, other text encodings, files that
are not disclosures, files over the limits, garbage amounts, implausible years, repeated tables, copies, hostile
names, links out of the inbox, and files that vanish or change while the build runs.  ``budget-warehouse build``
runs ONCE over it, in a subprocess (its real exit status and everything it prints), and each case is judged:

- handled right: the outcome the case expects (loaded, quarantined with its reason code, held back, missing);
- crash: a traceback, a failed load, a non-zero exit, or the last-resort ``extraction_error``;
- partial write: a quarantined file with rows in raw.documents or raw.table_facts;
- silent wrong: a file with no record at all, or one published that must not be (or with wrong figures).

The outcomes go to ``tests/artifacts/bad_inputs.json``; ``tools/reliability_table.py`` turns them into the table of
``docs/reliability.md``, and ``test_reliability_table_is_current`` fails when that table is stale.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish import open_published
from tests.published_warehouse import session_published_warehouse

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SEED = RAW / "000_e24d4670d260d34e.txt"  # 辽源市社会保险事业管理局 2024: the seed the variants are made of
SEED_UNIT = "辽源市社会保险事业管理局"
SMALL_PDF = RAW / "X_上海市普陀区人民政府办公室25年预算.pdf"
BROKEN_UPLOAD = next(
    (
        p
        for p in (
            ROOT.parent / "shared" / "pdfs" / "broken" / "truncated_upload.pdf",
            ROOT / "tools" / "truncated_upload.pdf",
        )
        if p.is_file()
    ),
    None,
)
ARTIFACT = ROOT / "tests" / "artifacts" / "bad_inputs.json"
# the figures of marts.unit_metrics a variant of the seed must publish exactly as the seed does
FIGURES = (
    "fiscal_year",
    "total_expenditure",
    "basic_expenditure",
    "project_expenditure",
    "personnel_expenditure",
    "public_expenditure",
    "three_public_total",
    "in_service_staff",
    "expenditure_208",
    "quality_status",
    "quality_issue_count",
)

NEWS = (
    "新华社北京3月5日电 今年春节假期，全国铁路、公路、水路、民航累计发送旅客超过两亿人次，"
    "各地文化和旅游市场平稳有序。多地博物馆延长开放时间，推出非遗展演、灯会等活动。\n"
)


# --------------------------------------------------------------------------- the corpus
@dataclass
class Case:
    name: str
    group: str
    description: str
    # "loaded" | "quarantined" | "held_back" (loaded or quarantined, never published) | "missing" |
    # "flagged" (loaded, and a warning the seed does not have or more quality issues, or held back)
    expect: str
    entries: list[str]  # the inbox names that belong to the case
    reasons: tuple[str, ...] = ()  # accepted quarantine reasons (expect == "quarantined" / "held_back")
    unit: str | None = None  # the unit a loaded variant must be published under (or must not be)
    same_document_as_seed: bool = False  # a copy of the seed: the seed's document, not a second one
    ids: dict[str, str] = field(
        default_factory=dict
    )  # entry -> content id at generation (for partial writes)


def variant(unit: str, *, year: str | None = None, replace: tuple[tuple[str, str], ...] = ()) -> str:
    """Seed 000 as another unit (so that it never double counts with the seed), optionally another year."""
    text = SEED.read_text(encoding="utf-8").replace(SEED_UNIT, unit)
    if year:
        text = text.replace("2024", year).replace("二〇二四", year)
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    return text


def repeated_tables(unit: str, copies: int) -> str:
    lines = variant(unit).split("\n")
    start, end = lines.index("支出总表"), lines.index("财政拨款收支总表")
    return "\n".join(lines[:end] + lines[start:end] * (copies - 1) + lines[end:])


def small_pdf(text: str, pages: int = 1) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for page in range(pages):
        pdf.setFont("Helvetica", 14)
        pdf.drawString(72, 760, f"{text} (page {page + 1})")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def encrypted(data: bytes, user: str) -> bytes:
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user=user, R=6))
    return out.getvalue()


def image_only_pdf() -> bytes:
    import img2pdf
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    for row in range(12):  # a ruled grid without any text: a scan of an empty form
        draw.line((100, 200 + row * 80, 1140, 200 + row * 80), fill="black", width=3)
    png = io.BytesIO()
    image.save(png, format="PNG")
    return img2pdf.convert(png.getvalue())


def office_file(kind: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr(
            "word/document.xml" if kind == "docx" else "xl/workbook.xml", "<预算>2024年部门预算</预算>"
        )
    return out.getvalue()


def build_corpus(inbox: Path, outside: Path) -> list[Case]:
    """Write the seeds and every case into ``inbox`` (``outside``: targets of links out of it)."""
    inbox.mkdir(parents=True)
    outside.mkdir(parents=True)
    for seed in sorted(RAW.glob("00*.txt")):
        shutil.copy(seed, inbox / seed.name)
    cases: list[Case] = []

    def add(case: Case, files: dict[str, bytes | str]) -> None:
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (inbox / name).write_bytes(data)
            case.ids[name] = sha256(data).hexdigest()[:16]
        cases.append(case)

    rng = random.Random(13)
    # files that hold nothing
    add(
        Case(
            "empty_txt", "nothing", "an empty .txt (0 bytes)", "quarantined", ["empty.txt"], ("empty_file",)
        ),
        {"empty.txt": b""},
    )
    add(
        Case("empty_pdf", "nothing", "a zero-byte .pdf", "quarantined", ["empty.pdf"], ("empty_file",)),
        {"empty.pdf": b""},
    )
    add(
        Case(
            "blank_txt",
            "nothing",
            "a .txt of blank lines",
            "quarantined",
            ["blank.txt"],
            ("unreadable_document",),
        ),
        {"blank.txt": "\n \n\t\n"},
    )
    # broken or unreadable PDFs
    pdf = SMALL_PDF.read_bytes()
    add(
        Case(
            "truncated_pdf",
            "broken PDF",
            "a disclosure PDF cut in half",
            "quarantined",
            ["truncated.pdf"],
            ("unreadable_document",),
        ),
        {"truncated.pdf": pdf[: len(pdf) // 2]},
    )
    if BROKEN_UPLOAD is not None:
        add(
            Case(
                "broken_upload_pdf",
                "broken PDF",
                "a real truncated upload (shared/pdfs/broken)",
                "quarantined",
                ["truncated_upload.pdf"],
                ("unreadable_document",),
            ),
            {"truncated_upload.pdf": BROKEN_UPLOAD.read_bytes()},
        )
    news_pdf = small_pdf("Quarterly newsletter of the cycling club: routes, meetings and photographs")
    add(
        Case(
            "encrypted_user_password",
            "broken PDF",
            "an encrypted PDF that needs a user password",
            "quarantined",
            ["encrypted_user.pdf"],
            ("unreadable_document",),
        ),
        {"encrypted_user.pdf": encrypted(news_pdf, user="reader-secret")},
    )
    add(
        Case(
            "encrypted_owner_only",
            "broken PDF",
            "an encrypted PDF with an owner password only (opens: read, then judged on its text)",
            "quarantined",
            ["encrypted_owner.pdf"],
            ("not_a_budget_disclosure",),
        ),
        {"encrypted_owner.pdf": encrypted(news_pdf, user="")},
    )
    add(
        Case(
            "image_only_pdf",
            "broken PDF",
            "an image-only PDF (a scan without any text)",
            "quarantined",
            ["scan.pdf"],
            ("unreadable_document", "not_a_budget_disclosure"),
        ),
        {"scan.pdf": image_only_pdf()},
    )
    add(
        Case(
            "pdf_not_a_disclosure",
            "broken PDF",
            "a PDF that is not a disclosure",
            "quarantined",
            ["newsletter.pdf"],
            ("not_a_budget_disclosure",),
        ),
        {"newsletter.pdf": news_pdf},
    )
    # text in other encodings: these LOAD
    for case_name, encoding, unit, file_name in (
        ("gbk", "gbk", "辽源市编码测试甲中心", "enc_gbk.txt"),
        ("gb18030", "gb18030", "辽源市编码测试乙中心", "enc_gb18030.txt"),
        ("utf16_bom", "utf-16", "辽源市编码测试丙中心", "enc_utf16.txt"),
        ("utf16_be_bom", "utf-16-be", "辽源市编码测试丁中心", "enc_utf16be.txt"),
        ("utf8_bom", "utf-8-sig", "辽源市编码测试戊中心", "enc_utf8bom.txt"),
    ):
        data = variant(unit).encode(encoding)
        if encoding == "utf-16-be":
            data = b"\xfe\xff" + data
        add(
            Case(
                case_name,
                "encoding",
                f"seed text in {encoding}" + (" with BOM" if "bom" in case_name else ""),
                "loaded",
                [file_name],
                unit=unit,
            ),
            {file_name: data},
        )
    # files that are not disclosures
    add(
        Case(
            "random_binary_txt",
            "not a disclosure",
            "64 KB of random bytes named .txt",
            "quarantined",
            ["random.txt"],
            ("unreadable_document",),
        ),
        {"random.txt": rng.randbytes(65536)},
    )
    add(
        Case(
            "news_txt",
            "not a disclosure",
            "a news text",
            "quarantined",
            ["news.txt"],
            ("not_a_budget_disclosure",),
        ),
        {"news.txt": NEWS},
    )
    add(
        Case(
            "docx",
            "not a disclosure",
            "a .docx (spreadsheets and Word are not read yet)",
            "quarantined",
            ["budget.docx"],
            ("unsupported_format",),
        ),
        {"budget.docx": office_file("docx")},
    )
    add(
        Case("xlsx", "not a disclosure", "a .xlsx", "quarantined", ["budget.xlsx"], ("unsupported_format",)),
        {"budget.xlsx": office_file("xlsx")},
    )
    add(
        Case(
            "no_suffix",
            "not a disclosure",
            "a disclosure without a suffix",
            "quarantined",
            ["README"],
            ("unsupported_format",),
        ),
        {"README": variant("辽源市无后缀测试中心")},
    )
    (inbox / "subdir").mkdir()
    shutil.copy(SEED, inbox / "subdir" / "inner.txt")
    cases.append(
        Case(
            "directory",
            "not a disclosure",
            "a directory (holding a disclosure) in the inbox",
            "quarantined",
            ["subdir"],
            ("not_a_file",),
        )
    )
    os.mkfifo(inbox / "pipe.txt")
    cases.append(
        Case(
            "fifo",
            "not a disclosure",
            "a named pipe called .txt (reading it would block)",
            "quarantined",
            ["pipe.txt"],
            ("not_a_file",),
        )
    )
    # content problems
    with (inbox / "huge.txt").open("wb") as handle:  # sparse: 100 MB on paper, nothing on disk
        handle.truncate(100 << 20)
    cases.append(
        Case(
            "file_100mb",
            "limits",
            "a 100 MB .txt (BUDGET_MAX_FILE_MB = 50)",
            "quarantined",
            ["huge.txt"],
            ("file_too_large",),
        )
    )
    add(
        Case(
            "too_many_pages",
            "limits",
            "a 501-page PDF (BUDGET_MAX_PAGES = 500)",
            "quarantined",
            ["many_pages.pdf"],
            ("too_many_pages",),
        ),
        {"many_pages.pdf": blank_pages_pdf(501)},
    )
    add(
        Case(
            "too_many_facts",
            "limits",
            "10 000 copies of a table, 8.8 MB (BUDGET_MAX_FACTS = 20 000)",
            "quarantined",
            ["many_facts.txt"],
            ("too_many_facts",),
        ),
        {"many_facts.txt": repeated_tables("辽源市事实过多测试中心", 10_000)},
    )
    add(
        Case(
            "repeated_tables",
            "limits",
            "the same table printed 334 times (BUDGET_MAX_TABLE_REPEATS = 3)",
            "quarantined",
            ["repeated.txt"],
            ("repeated_tables",),
        ),
        {"repeated.txt": repeated_tables("辽源市重复测试中心", 334)},
    )
    add(
        Case(
            "garbage_amounts",
            "content",
            "amounts replaced by garbage (1,2,3.4.5)",
            "flagged",
            ["garbage.txt"],
            unit="辽源市乱码测试中心",
        ),
        {
            "garbage.txt": variant(
                "辽源市乱码测试中心", replace=(("1292.07", "1,2,3.4.5"), ("1141.27", "1.1.4"))
            )
        },
    )
    for year in ("1899", "2999"):
        add(
            Case(
                f"fiscal_year_{year}",
                "content",
                f"a fiscal year of {year}",
                "held_back",
                [f"year_{year}.txt"],
                ("fiscal_year_not_found",),
                unit=f"辽源市年度{year[0]}测试中心",
            ),
            {f"year_{year}.txt": variant(f"辽源市年度{year[0]}测试中心", year=year)},
        )
    add(
        Case(
            "unknown_table_title",
            "content",
            "a table under an unknown title",
            "flagged",
            ["odd_title.txt"],
            unit="辽源市标题测试中心",
        ),
        {"odd_title.txt": variant("辽源市标题测试中心", replace=(("\n收入总表\n", "\n某某奇异汇总一览\n"),))},
    )
    add(
        Case(
            "mixed_units",
            "content",
            "the 支出总表 says 单位：元 while its amounts are 万元",
            "flagged",
            ["mixed_units.txt"],
            unit="辽源市单位测试中心",
        ),
        {
            "mixed_units.txt": variant(
                "辽源市单位测试中心", replace=(("支出总表\n\n单位：万元", "支出总表\n\n单位：元"),)
            )
        },
    )
    # copies
    add(
        Case(
            "copy_of_seed",
            "copies",
            "the seed under a second name: one document",
            "loaded",
            ["000_copy.txt"],
            same_document_as_seed=True,
        ),
        {"000_copy.txt": SEED.read_bytes()},
    )
    add(
        Case(
            "copies_of_bad_file",
            "copies",
            "one bad file under two names: two quarantine rows",
            "quarantined",
            ["news_copy_a.txt", "news_copy_b.txt"],
            ("not_a_budget_disclosure",),
        ),
        {"news_copy_a.txt": NEWS + "甲", "news_copy_b.txt": NEWS + "甲"},
    )
    # hostile names
    hostile = {
        "name_spaces": "with  spaces .txt",
        "name_quotes": "quo\"te's.txt",
        "name_semicolon": "semi;colon.txt",
        "name_newline": "new\nline.txt",
        "name_sql": "'; DROP TABLE x;--.txt",
        "name_dots": "dots...txt",
        "name_long": "L" * 240 + ".txt",
    }
    for case_name, file_name in hostile.items():
        add(
            Case(
                case_name,
                "hostile name",
                f"a news text named {file_name[:40]!r}",
                "quarantined",
                [file_name],
                ("not_a_budget_disclosure",),
            ),
            {file_name: NEWS},
        )
    add(
        Case(
            "name_sql_disclosure",
            "hostile name",
            'a disclosure named "\'; DROP TABLE documents;--"',
            "loaded",
            ["'; DROP TABLE documents;--.txt"],
            unit="辽源市名称测试中心",
        ),
        {"'; DROP TABLE documents;--.txt": variant("辽源市名称测试中心")},
    )
    # links
    (outside / "disclosure.txt").write_text(variant("辽源市外部链接测试中心"), encoding="utf-8")
    (inbox / "link_outside.txt").symlink_to(outside / "disclosure.txt")
    cases.append(
        Case(
            "symlink_outside",
            "links",
            "a link to a disclosure outside the inbox",
            "quarantined",
            ["link_outside.txt"],
            ("outside_inbox",),
            unit="辽源市外部链接测试中心",
        )
    )
    (inbox / "passwd.txt").symlink_to("/etc/passwd")
    cases.append(
        Case(
            "symlink_etc_passwd",
            "links",
            "a link to /etc/passwd",
            "quarantined",
            ["passwd.txt"],
            ("outside_inbox",),
        )
    )
    (inbox / "dangling.txt").symlink_to(outside / "no_such_file.txt")
    cases.append(
        Case("dangling_link", "links", "a dangling link", "quarantined", ["dangling.txt"], ("dangling_link",))
    )
    (inbox / "0000_link_inside.txt").symlink_to(SEED.name)
    cases.append(
        Case(
            "symlink_inside",
            "links",
            "a link to a seed inside the inbox: a copy",
            "loaded",
            ["0000_link_inside.txt"],
            same_document_as_seed=True,
        )
    )
    # races (tools: the build's hook, see RACE_HOOK)
    add(
        Case(
            "vanishes_before_load",
            "races",
            "removed after discovery, before its load",
            "missing",
            ["zzz_vanishing.txt"],
            unit="辽源市消失测试中心",
        ),
        {"zzz_vanishing.txt": variant("辽源市消失测试中心")},
    )
    add(
        Case(
            "vanishes_after_load",
            "races",
            "loaded, then removed before the build forgets departed files",
            "held_back",
            ["gone_after_load.txt"],
            unit="辽源市离开测试中心",
        ),
        {"gone_after_load.txt": variant("辽源市离开测试中心")},
    )
    add(
        Case(
            "changes_before_load",
            "races",
            "a news text replaced by a disclosure after discovery",
            "loaded",
            ["zzz_changing.txt"],
            unit="辽源市变化测试中心",
        ),
        {"zzz_changing.txt": NEWS},
    )
    return cases


def blank_pages_pdf(pages: int) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# The race: after gone_after_load.txt is loaded, it and zzz_vanishing.txt are removed and zzz_changing.txt is
# rewritten — between the build's discovery of the folder and their own load (or the forgetting of departed
# files).  The hook wraps the asset's loader in the build's own process.
RACE_HOOK = """
import sys
from pathlib import Path
import dagster_project.defs.extraction.assets as assets
changed = Path(sys.argv[1])
load = assets.stage_file
def racing_load(con, path):
    outcome = load(con, path)
    if path.name == "gone_after_load.txt":
        path.unlink()
        (path.parent / "zzz_vanishing.txt").unlink()
        (path.parent / "zzz_changing.txt").write_bytes(changed.read_bytes())
    return outcome
assets.stage_file = racing_load
from dagster_project.cli import main
sys.exit(main(sys.argv[2:]))
"""


# --------------------------------------------------------------------------- one build over it
@dataclass
class Run:
    cases: list[Case]
    returncode: int
    output: str
    seconds: float
    max_rss_mb: float
    warehouse: Path
    published: Path
    baseline: object  # tests.published_warehouse.PublishedWarehouse of the seeds alone
    judged: list[dict] = field(default_factory=list)

    def raw(self, sql: str, params=()) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()

    def published_rows(self, sql: str, params=()) -> list[dict]:
        con = open_published(self.published)
        try:
            cursor = con.execute(sql, list(params))
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row)) for row in cursor.fetchall()]
        finally:
            con.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory, seed_disclosures) -> Run:
    baseline = session_published_warehouse(tmp_path_factory, seed_disclosures)
    root = tmp_path_factory.mktemp("bad_inputs")
    cases = build_corpus(root / "inbox", root / "outside")
    (root / "changed.txt").write_text(variant("辽源市变化测试中心"), encoding="utf-8")
    warehouse = root / "warehouse" / "budget.duckdb"
    env = {key: value for key, value in os.environ.items() if not key.startswith("BUDGET_")}
    env.pop("DAGSTER_HOME", None)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            RACE_HOOK,
            str(root / "changed.txt"),
            "build",
            "--raw-dir",
            str(root / "inbox"),
            "--warehouse",
            str(warehouse),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    seconds = time.monotonic() - started
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    output = result.stdout + result.stderr
    published = warehouse.parent / "published" / "budget_marts.duckdb"
    outcome = Run(cases, result.returncode, output, seconds, rss, warehouse, published, baseline)
    outcome.judged = [judge(outcome, case) for case in cases]
    write_artifact(outcome)
    return outcome


def judge(run: Run, case: Case) -> dict:
    """What happened to the case's entries, and whether it is what the case expects."""
    quarantine = {name: reason for name, reason in run.raw("SELECT file_name, reason FROM raw.quarantine")}
    documents = dict(run.raw("SELECT file_name, document_id FROM raw.documents"))
    document_ids = set(documents.values())
    seed_id = sha256(SEED.read_bytes()).hexdigest()[:16]
    published_units = (
        {row["unit_name"]: row for row in run.published_rows("SELECT * FROM marts.unit_metrics")}
        if run.published.is_file()
        else {}
    )
    statuses, notes = [], []
    crash = partial = silent = False
    for entry in case.entries:
        line = next((ln for ln in run.output.splitlines() if f"] {entry.splitlines()[-1]} …" in ln), "")
        if "FAILED" in line:
            crash = True
        if entry in quarantine:
            status = f"quarantined:{quarantine[entry]}"
            if quarantine[entry] == "extraction_error":
                crash = True
            content_id = case.ids.get(entry)
            if content_id and content_id in document_ids and not case.same_document_as_seed:
                partial = True
                notes.append(f"{entry}: quarantined but in raw.documents")
            if (
                content_id
                and run.raw("SELECT count(*) FROM raw.table_facts WHERE document_id = ?", [content_id])[0][0]
            ):
                partial = True
                notes.append(f"{entry}: quarantined but has raw.table_facts rows")
        elif entry in documents or (case.same_document_as_seed and seed_id in document_ids):
            status = "loaded"
        elif "missing" in line:
            status = "missing"
        else:
            status = "no record"
        statuses.append(status)
    published = published_units.get(case.unit) if case.unit else None
    if case.expect == "loaded":
        right = all(s == "loaded" for s in statuses)
        if case.unit:
            if published is None:
                right = False
                notes.append(f"{case.unit} not published")
            else:
                seed_row = published_units.get(SEED_UNIT, {})
                differ = [k for k in FIGURES if published.get(k) != seed_row.get(k)]
                if differ:
                    silent = True
                    notes.append(
                        "figures differ from the seed's: "
                        + ", ".join(f"{k} {published.get(k)} != {seed_row.get(k)}" for k in differ)
                    )
        if case.same_document_as_seed:
            rows = run.raw("SELECT count(*) FROM raw.documents WHERE document_id = ?", [seed_id])[0][0]
            right = right and rows == 1
            notes.append(f"{rows} raw.documents row(s) for the seed's content")
    elif case.expect == "flagged":
        loaded = all(s == "loaded" for s in statuses)
        ids = [case.ids[e] for e in case.entries]
        kinds = {
            k
            for (k,) in run.raw(
                "SELECT DISTINCT kind FROM raw.extraction_warnings WHERE document_id "
                "IN (SELECT unnest(?::VARCHAR[]))",
                [ids],
            )
        }
        seed_kinds = {
            k
            for (k,) in run.raw(
                "SELECT DISTINCT kind FROM raw.extraction_warnings WHERE document_id = ?", [seed_id]
            )
        }
        seed_issues = published_units.get(SEED_UNIT, {}).get("quality_issue_count") or 0
        flags = sorted(kinds - seed_kinds)
        if flags:
            notes.append(f"warnings: {', '.join(flags)}")
        if published is None:
            notes.append("held back")
        elif (published.get("quality_issue_count") or 0) > seed_issues:
            flags.append("issues")
            notes.append(
                f"{published['quality_issue_count']} quality issue(s), the seed {seed_issues}; "
                f"quality_status {published.get('quality_status')}"
            )
        right = loaded and (bool(flags) or published is None)
        if loaded and not right:
            silent = True
            notes.append(
                f"published as the seed's copy: no warning, {published.get('quality_issue_count')} "
                f"quality issue(s) like the seed; total_expenditure {published['total_expenditure']}"
            )
    elif case.expect == "quarantined":
        right = all(s.startswith("quarantined:") and s.split(":", 1)[1] in case.reasons for s in statuses)
        if case.unit and published is not None:
            silent = True
            notes.append(f"{case.unit} published")
    elif case.expect == "held_back":
        right = published is None and all(
            s == "loaded"
            or s == "missing"
            or (s.startswith("quarantined:") and s.split(":", 1)[1] in case.reasons)
            or (s == "no record" and case.group == "races")
            for s in statuses
        )
        if published is not None:
            silent = True
            notes.append(
                f"published: {published['unit_name']} {published['fiscal_year']} "
                f"total_expenditure {published['total_expenditure']}"
            )
    else:  # missing
        right = all(s in ("missing", "no record") for s in statuses) and published is None
    if any(s == "no record" for s in statuses) and case.expect not in ("missing", "held_back"):
        silent = True
        notes.append("no record: silently ignored")
    right = right and not (crash or partial or silent)
    return {
        "case": case.name,
        "group": case.group,
        "description": case.description,
        "expected": case.expect + (f" ({' | '.join(case.reasons)})" if case.reasons else ""),
        "outcome": ", ".join(sorted(set(statuses))),
        "handled_right": right,
        "crash": crash,
        "partial_write": partial,
        "silent_wrong": silent,
        "notes": "; ".join(notes),
    }


def write_artifact(run: Run) -> None:
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(
        json.dumps(
            {
                "generated_by": "tests/test_bad_inputs.py",
                "command": "uv run pytest tests/test_bad_inputs.py",
                "build": {
                    "returncode": run.returncode,
                    "seconds": round(run.seconds, 1),
                    "max_rss_mb": round(run.max_rss_mb),
                    "traceback_in_output": "Traceback" in run.output,
                    "files": len(run.cases) and sum(len(c.entries) for c in run.cases),
                },
                "cases": run.judged,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


# --------------------------------------------------------------------------- the assertions
def test_build_exits_0_without_traceback(run):
    assert run.returncode == 0, run.output[-6000:]
    assert "Traceback" not in run.output, run.output[-6000:]
    assert "FAILED" not in run.output, run.output[-6000:]


def test_each_case_is_handled_right(run):
    wrong = [j for j in run.judged if not j["handled_right"]]
    assert not wrong, json.dumps(wrong, ensure_ascii=False, indent=2)


@pytest.mark.parametrize(
    "entry",
    [
        "empty.txt",
        "huge.txt",
        "news_copy_a.txt",
        "news_copy_b.txt",
        "new\nline.txt",
        "'; DROP TABLE x;--.txt",
        "subdir",
        "dangling.txt",
    ],
)
def test_one_quarantine_row_per_bad_file(run, entry):
    assert run.raw("SELECT count(*) FROM raw.quarantine WHERE file_name = ?", [entry]) == [(1,)]


def test_no_quarantine_row_twice_and_none_loaded(run):
    assert run.raw("SELECT file_name, count(*) FROM raw.quarantine GROUP BY 1 HAVING count(*) > 1") == []
    assert run.raw("SELECT q.file_name FROM raw.quarantine q JOIN raw.documents d USING (document_id)") == []
    assert (
        run.raw(
            "SELECT DISTINCT q.file_name FROM raw.quarantine q JOIN raw.table_facts f USING (document_id)"
        )
        == []
    )


def test_the_bad_files_leave_the_seeds_unchanged(run):
    """The seeds' unit_metrics, row for row, as a build of the seeds alone publishes them."""
    seeds = {r["document_id"] for r in run.baseline.rows("SELECT document_id FROM marts.unit_metrics")}
    query = "SELECT * FROM marts.unit_metrics WHERE document_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY document_id"
    expected = run.baseline.rows(query, [sorted(seeds)])
    found = run.published_rows(query, [sorted(seeds)])
    assert len(found) == len(expected) == 5
    for want, got in zip(expected, found):
        assert {k: v for k, v in got.items() if k in want} == want


def test_the_tables_are_not_dropped(run):
    """A hostile file name never reached SQL as SQL."""
    assert run.raw("SELECT count(*) FROM raw.documents")[0][0] >= 5
    assert run.raw("SELECT count(*) FROM information_schema.tables WHERE table_name = 'x'") == [(0,)]


def test_the_summary_counts_the_quarantined(run):
    count = run.raw("SELECT count(*) FROM raw.quarantine")[0][0]
    assert f"quarantined: {count}" in run.output or f'"quarantined": {count}' in run.output, run.output[
        -3000:
    ]


def test_limits_are_configurable(tmp_path, monkeypatch):
    from extract import extract_file
    from extract.pipeline import Limits, RejectedDocument

    path = tmp_path / "small.txt"
    path.write_text(variant("辽源市限额测试中心"), encoding="utf-8")
    with pytest.raises(RejectedDocument) as refused:
        extract_file(path, Limits(max_facts=10))
    assert refused.value.reason == "too_many_facts"
    monkeypatch.setenv("BUDGET_MAX_FILE_MB", "0.001")
    with pytest.raises(RejectedDocument) as refused:
        extract_file(path)
    assert refused.value.reason == "file_too_large"
    monkeypatch.setenv("BUDGET_MAX_FILE_MB", "nonsense")
    assert Limits.from_env().max_file_mb == 50


def test_reliability_table_is_current(run):
    """docs/reliability.md is what tools/reliability_table.py makes of this run (regenerate it when this fails:
    ``uv run python -m tools.reliability_table``)."""
    from tools.reliability_table import DOC, render_table, table_in

    assert table_in(DOC.read_text(encoding="utf-8")) == render_table(json.loads(ARTIFACT.read_text("utf-8")))
