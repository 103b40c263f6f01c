"""Copies of PDFs with their drawing removed: every path object (ruling lines, cell borders, backgrounds).

A real published disclosure without its rules is an unruled table laid out by a real bureau — real fonts,
real cell padding, real header wrapping — so it tests the unruled reader on layouts the rendered seeds do not
have.  Used by tests/test_pdf_unruled.py; from the command line:

    uv run python -m tools.strip_rules OUT_DIR FILE.pdf [FILE.pdf ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


def strip_rules(source: Path, target: Path) -> Path:
    """Write ``source`` to ``target`` without any path object; text and images stay where they are."""
    document = pdfium.PdfDocument(str(source))
    try:
        for index in range(len(document)):
            page = document[index]
            for obj in list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=1)):
                page.remove_obj(obj)
            page.gen_content()
            page.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        document.save(str(target))
    finally:
        document.close()
    return target


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    out_dir = Path(argv[0])
    for name in argv[1:]:
        print(strip_rules(Path(name), out_dir / Path(name).name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
