"""CLI: ``python -m tools.seed_pdfs OUT_DIR [--variants ruled,unruled,libreoffice] [SEED ...]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.seed_pdfs import DEFAULT_SEED_DIR, VARIANTS, render_seed


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.seed_pdfs",
        description="Render seed text conversions as PDFs laid out the way bureaus publish them.",
    )
    parser.add_argument("out_dir", type=Path, help="directory for <seed stem>.<variant>.pdf")
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, from {','.join(VARIANTS)} (default: all)",
    )
    parser.add_argument(
        "seeds", nargs="*", type=Path, help=f"seed .txt files (default: every {DEFAULT_SEED_DIR}/*.txt)"
    )
    return parser.parse_intermixed_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
    seeds = args.seeds or sorted(DEFAULT_SEED_DIR.glob("*.txt"))
    if not seeds:
        print(f"no seed .txt files in {DEFAULT_SEED_DIR}", file=sys.stderr)
        return 2
    for seed in seeds:
        for path in render_seed(seed, args.out_dir, variants):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
