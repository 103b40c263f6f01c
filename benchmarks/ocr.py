"""Benchmark of OCR: pages/s of ``extract.readers.ocr.ocr_page`` on rasterised real PDFs (docs/ocr.md).

    uv run python benchmarks/ocr.py [--pdf FILE] [--pages 1,7,9] [--dpi 300] [--scan-dpi 300] [--repeats 3]

The PDF (``--pdf``; default: the first PDF of data/raw in name order; docs/benchmarks.md names the one measured) is
cut to ``--pages``, rasterised with pdftoppm at ``--scan-dpi`` and put back together with img2pdf (a PDF of page images, no text layer, like a scan).
Each configuration is then timed ``--repeats`` times on one core (the process pinned to CPU 0, tesseract with
OMP_THREAD_LIMIT=1): ``ocr_page`` alone (render, rules, tesseract, characters) and the whole reader
(``read_pdf_with_routes``, OCR plus routing).  The table gives the median; needs pdftoppm and tesseract + chi_sim.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
DEFAULT_PDF = next(iter(sorted((REPO_ROOT / "data" / "raw").glob("*.pdf"))), None)


def scan_of(source: Path, pages: list[int], dpi: int, work: Path) -> Path:
    import img2pdf
    import pikepdf

    subset = work / "subset.pdf"
    with pikepdf.open(source) as pdf, pikepdf.new() as out:
        for number in pages:
            out.pages.append(pdf.pages[number - 1])
        out.save(subset)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(subset), str(work / "p")], check=True)
    scan = work / "scan.pdf"
    scan.write_bytes(img2pdf.convert([str(p) for p in sorted(work.glob("p-*.png"))]))
    return scan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--pages", default="1,7,9,11,14")
    parser.add_argument("--dpi", default="200,300", help="OCR render resolutions, comma-separated")
    parser.add_argument("--scan-dpi", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    os.environ["OMP_THREAD_LIMIT"] = "1"

    import pypdfium2 as pdfium
    from rich.console import Console
    from rich.table import Table

    import extract.readers.pdf as pdf_reader
    from extract.readers import ocr

    if not ocr.ocr_available():
        sys.exit("tesseract with chi_sim is not installed (make system-deps)")
    pages = [int(p) for p in args.pages.split(",")]
    table = Table(
        title=f"OCR on {args.pdf.name}, pages {args.pages}, scanned at {args.scan_dpi} dpi, 1 core, "
        f"median of {args.repeats}"
    )
    for column in ("path", "OCR dpi", "pages", "seconds", "pages/s", "s/page"):
        table.add_column(column, justify="left" if column == "path" else "right")
    with tempfile.TemporaryDirectory() as tmp:
        scan = scan_of(args.pdf, pages, args.scan_dpi, Path(tmp))
        for dpi in (int(d) for d in args.dpi.split(",")):
            for path in ("ocr_page", "read_pdf"):
                times = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    if path == "ocr_page":
                        document = pdfium.PdfDocument(str(scan))
                        for index in range(len(document)):
                            ocr.ocr_page(document, index, dpi=dpi)
                        document.close()
                    else:
                        original, ocr.DPI = ocr.DPI, dpi
                        try:
                            pdf_reader.read_pdf_with_routes(scan)
                        finally:
                            ocr.DPI = original
                    times.append(time.perf_counter() - start)
                seconds = statistics.median(times)
                table.add_row(
                    path,
                    str(dpi),
                    str(len(pages)),
                    f"{seconds:.2f}",
                    f"{len(pages) / seconds:.2f}",
                    f"{seconds / len(pages):.2f}",
                )
    Console().print(table)


if __name__ == "__main__":
    main()
