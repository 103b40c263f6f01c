"""Render the seed text conversions as PDFs laid out the way bureaus publish them.

``render_seed(seed, out_dir, variants)`` writes ``out_dir/<seed stem>.<variant>.pdf`` for each variant:

* ``ruled`` — reportlab, every table a ruled grid, header rows repeated where a table continues;
* ``unruled`` — reportlab, the same layout with no line at all, header not repeated;
* ``libreoffice`` — tables printed from an .xlsx by LibreOffice Calc, prose by reportlab, joined.

See docs/seed_pdfs.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tools.seed_pdfs.layout import seed_layout
from tools.seed_pdfs.libreoffice_printer import print_libreoffice
from tools.seed_pdfs.reportlab_printer import print_items

VARIANTS = ("ruled", "unruled", "libreoffice")
DEFAULT_SEED_DIR = Path(__file__).resolve().parents[2] / "data" / "raw"


def output_path(out_dir: Path, seed: Path, variant: str) -> Path:
    return out_dir / f"{seed.stem}.{variant}.pdf"


def render_seed(seed: Path, out_dir: Path, variants: tuple[str, ...] = VARIANTS) -> list[Path]:
    """Render one seed text conversion in each variant; returns the PDFs written."""
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise ValueError(f"unknown variant(s) {sorted(unknown)}; choose from {', '.join(VARIANTS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    layout = seed_layout(seed)
    written = []
    for variant in variants:
        out_path = output_path(out_dir, seed, variant)
        if variant == "libreoffice":
            with tempfile.TemporaryDirectory(prefix="seed_pdfs_") as work_dir:
                print_libreoffice(layout, out_path, Path(work_dir))
        else:
            print_items(layout.items, out_path, ruled=variant == "ruled", title=seed.stem)
        written.append(out_path)
    return written


__all__ = ["DEFAULT_SEED_DIR", "VARIANTS", "output_path", "render_seed"]
