"""Benchmark of the PDF path: pages/s, documents/s and peak memory per engine, on one core and on two.

    uv run --group bench python benchmarks/pdf_extraction.py [--engines a,b] [--inputs real,rendered]
                                               [--rendered DIR] [--real DIR] [--cores 1,2]

Engines (each run in a fresh subprocess, so its peak RSS is its own):

- ``pdfium-text``      floor of any PDF path: every page's text and character boxes read with pypdfium2
  (PDFium, C++), no table finding;
- ``pdfplumber-chars`` every page's ``page.chars`` (pdfminer parses the page): the parse alone;
- ``pdfplumber``       every page's ``page.extract_tables()`` (default settings);
- ``camelot-lattice``  ``camelot.read_pdf(pages="all", flavor="lattice")`` (default: renders pages, OpenCV);
- ``camelot-vector``   the same with ``engine="vector"`` (ruled lines read from the PDF, no rendering);
- ``camelot-stream``   ``flavor="stream"`` (columns from text alignment);
- ``routed-read``      ``extract.readers.pdf.read_pdf(path)``: the project's reader, each page routed by
  its ruling (tables and prose lines into a ``SourceDocument``);
- ``routed-full``      ``extract.extract_file(path)``: the reader plus the table and prose parsers (facts).

"1 core": the subprocess pinned to CPU 0 (``os.sched_setaffinity``), documents one after the other.
"2 cores": the documents spread over a 2-process ``multiprocessing`` pool pinned to CPUs 0 and 1.
Inputs: the real published PDFs (``../shared/pdfs``) and the five seeds rendered by ``tools.seed_pdfs``
(generated into a temporary directory unless ``--rendered DIR`` is given).  After the table, the routed
path is profiled on one core (cProfile) and its time attributed to where it goes, and the facts it
yields per document are printed next to the facts of the seed's text version.  See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import multiprocessing
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
import warnings
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REAL_DIR = REPO_ROOT.parent / "shared" / "pdfs"
ENGINES = (
    "pdfium-text",
    "pdfplumber-chars",
    "pdfplumber",
    "camelot-lattice",
    "camelot-vector",
    "camelot-stream",
    "routed-read",
    "routed-full",
)
ROUTED_ENGINES = ("routed-read", "routed-full")
TARGET_PAGES = 25  # the target: a 25-page disclosure fully extracted in under 1 s on one core
TARGET_SECONDS = 1.0

# where the routed path's time goes: a function's own time is booked to the first group whose path
# fragment is in its file name; time of the standard library and builtins goes to whoever called them
TIME_GROUPS = (
    ("pdfminer: parsing content streams and fonts", ("/pdfminer/",)),
    ("pdfplumber: table finder (lines, cells)", ("/pdfplumber/table.py",)),
    ("pdfplumber: page objects, words, text lines", ("/pdfplumber/",)),
    ("camelot / playa (stream tables)", ("/camelot/", "/playa/")),
    ("rendering (pypdfium2, OpenCV)", ("pypdfium2", "/cv2/")),
    ("reader: routing, rows, paragraphs (extract/readers)", ("/extract/readers/",)),
    ("parsers: tables, subjects, prose facts (extract/)", ("/extract/",)),
)
OTHER_GROUP = "other (interpreter, libraries not listed)"


# --------------------------------------------------------------------------- engines (run in workers)
def run_engine(engine: str, path: Path) -> dict:
    """Run one engine on one document; returns what it found (for the accuracy columns)."""
    if engine == "pdfium-text":
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(path))
        try:
            chars = 0
            for page in document:
                text_page = page.get_textpage()
                count = text_page.count_chars()
                text_page.get_text_range()
                chars += len([text_page.get_charbox(i) for i in range(count)])
        finally:
            document.close()
        return {"chars": chars}
    if engine == "pdfplumber-chars":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            return {"chars": sum(len(page.chars) for page in pdf.pages)}
    if engine == "pdfplumber":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            tables = sum(len(page.extract_tables()) for page in pdf.pages)
        return {"tables": tables}
    if engine.startswith("camelot-"):
        import camelot

        options = {
            "camelot-lattice": {"flavor": "lattice"},
            "camelot-vector": {"flavor": "lattice", "engine": "vector"},
            "camelot-stream": {"flavor": "stream"},
        }[engine]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables = camelot.read_pdf(str(path), pages="all", suppress_stdout=True, **options)
        return {"tables": tables.n}
    if engine == "routed-read":
        from extract.readers.pdf import read_pdf

        doc = read_pdf(path)
        return {"tables": sum(1 for block in doc.blocks if block.grid is not None)}
    if engine == "routed-full":
        from extract import extract_file

        extraction = extract_file(path)
        return {
            "tables": len(extraction.tables),
            "table_facts": len(extraction.table_facts),
            "prose_facts": len(extraction.prose_facts),
        }
    raise ValueError(f"unknown engine {engine}")


ENGINE_MODULES = {
    "pdfium-text": ("pypdfium2",),
    "pdfplumber-chars": ("pdfplumber",),
    "pdfplumber": ("pdfplumber",),
    "camelot-lattice": ("camelot",),
    "camelot-vector": ("camelot",),
    "camelot-stream": ("camelot",),
    "routed-read": ("extract.readers.pdf",),
    "routed-full": ("extract", "extract.readers.pdf"),
}


def import_engine(engine: str) -> None:
    """Import the engine's libraries before the clock starts (and before a pool forks)."""
    for module in ENGINE_MODULES[engine]:
        importlib.import_module(module)


def timed_document(engine: str, path: str) -> dict:
    start = time.perf_counter()
    try:
        found, error = run_engine(engine, Path(path)), None
    except Exception as exc:  # noqa: BLE001 - a failing document is reported, not fatal
        found, error = {}, f"{type(exc).__name__}: {exc}"
    return {"path": path, "seconds": time.perf_counter() - start, "found": found, "error": error}


def pin_next_core(counter) -> None:
    """Pool initializer: worker n is pinned to CPU n (0, 1)."""
    with counter.get_lock():
        core = counter.value
        counter.value += 1
    os.sched_setaffinity(0, {core % os.cpu_count()})


def run_worker(engine: str, cores: int, paths: list[str]) -> dict:
    try:
        import_engine(engine)
    except ImportError as exc:
        return {"unavailable": f"{type(exc).__name__}: {exc}"}
    if cores == 1:
        os.sched_setaffinity(0, {0})
        start = time.perf_counter()
        documents = [timed_document(engine, path) for path in paths]
        seconds = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    else:
        counter = multiprocessing.Value("i", 0)
        with multiprocessing.get_context("fork").Pool(
            cores, initializer=pin_next_core, initargs=(counter,)
        ) as pool:
            start = time.perf_counter()
            documents = pool.starmap(timed_document, [(engine, path) for path in paths], chunksize=1)
            seconds = time.perf_counter() - start
        peak_kb = max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
    return {"seconds": seconds, "peak_mb": peak_kb / 1024, "documents": documents}


def profile_worker(paths: list[str]) -> dict:
    """The routed full path on one core under cProfile, its time booked to TIME_GROUPS."""
    try:
        import_engine("routed-full")
    except ImportError as exc:
        return {"unavailable": f"{type(exc).__name__}: {exc}"}
    os.sched_setaffinity(0, {0})
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for path in paths:
        timed_document("routed-full", path)
    profiler.disable()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "groups": time_by_group(pstats.Stats(profiler))}


def own_group(filename: str) -> str | None:
    for group, fragments in TIME_GROUPS:
        if any(fragment in filename for fragment in fragments):
            return group
    return None


def time_by_group(stats: pstats.Stats) -> dict[str, float]:
    """Each function's own time, booked to its group; stdlib/builtin time to its callers' groups."""
    raw = stats.stats  # {(file, line, name): (cc, nc, tottime, cumtime, callers)}
    shares_cache: dict[tuple, dict[str, float]] = {}

    def shares(func: tuple, depth: int = 0) -> dict[str, float]:
        group = own_group(func[0])
        if group is not None:
            return {group: 1.0}
        if func in shares_cache:
            return shares_cache[func]
        callers = raw[func][4] if func in raw else {}
        total = sum(entry[2] for entry in callers.values())  # own time spent per caller
        if depth > 20 or not callers or total <= 0:
            return {OTHER_GROUP: 1.0}
        result: dict[str, float] = defaultdict(float)
        for caller, entry in callers.items():
            for group_name, share in shares(caller, depth + 1).items():
                result[group_name] += share * entry[2] / total
        shares_cache[func] = dict(result)
        return shares_cache[func]

    booked: dict[str, float] = defaultdict(float)
    for func, (_, _, tottime, _, _) in raw.items():
        for group, share in shares(func).items():
            booked[group] += tottime * share
    return dict(booked)


def worker_main(args: argparse.Namespace) -> int:
    paths = json.loads(Path(args.worker_input).read_text())
    if args.profile:
        result = profile_worker(paths)
    else:
        result = run_worker(args.worker, args.worker_cores, paths)
    print(json.dumps(result))
    return 0


# --------------------------------------------------------------------------- parent: inputs
def page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def rendered_seeds(directory: Path | None, scratch: Path) -> list[Path]:
    if directory is not None:
        return sorted(directory.glob("*.pdf"))
    sys.path.insert(0, str(REPO_ROOT))
    from tools.seed_pdfs import DEFAULT_SEED_DIR, render_seed

    out_dir = scratch / "rendered"
    print(f"rendering the seeds into {out_dir} …", flush=True)
    for seed in sorted(DEFAULT_SEED_DIR.glob("*.txt")):
        render_seed(seed, out_dir)
    return sorted(out_dir.glob("*.pdf"))


def input_sets(args: argparse.Namespace, scratch: Path) -> dict[str, list[Path]]:
    sets: dict[str, list[Path]] = {}
    if "real" in args.inputs:
        sets["real"] = sorted(args.real.glob("*.pdf"))
        if not sets["real"]:
            print(f"warning: no PDFs in {args.real}", file=sys.stderr)
    if "rendered" in args.inputs:
        sets["rendered"] = rendered_seeds(args.rendered, scratch)
    return {name: paths for name, paths in sets.items() if paths}


def call_worker(scratch: Path, paths: list[Path], engine: str, cores: int, profile: bool = False) -> dict:
    """Run one engine in a fresh subprocess; the longest documents go first (so a 2-process pool is not
    left waiting for one long document started last)."""
    listing = scratch / f"input-{engine}-{cores}-{len(paths)}.json"
    longest_first = sorted(paths, key=lambda path: -page_count(path))
    listing.write_text(json.dumps([str(path) for path in longest_first]))
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        engine,
        "--worker-cores",
        str(cores),
        "--worker-input",
        str(listing),
    ] + (["--profile"] if profile else [])
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    )
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        return {"unavailable": f"worker failed: {result.stderr.strip().splitlines()[-1:]}"}
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- parent: report
def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """A plain table; the first three columns left-aligned, the others right-aligned."""
    widths = [
        max([display_width(headers[i])] + [display_width(row[i]) for row in rows])
        for i in range(len(headers))
    ]
    print("  ".join(pad(h, w, False) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(pad(cell, w, i >= 3) for i, (cell, w) in enumerate(zip(row, widths, strict=True))))


def text_version_facts(pdf: Path) -> str:
    """Facts of the seed's text version, for a rendered seed '<stem>.<variant>.pdf'."""
    sys.path.insert(0, str(REPO_ROOT))
    from extract import extract_file
    from tools.seed_pdfs import DEFAULT_SEED_DIR

    seed = DEFAULT_SEED_DIR / f"{pdf.name.split('.')[0]}.txt"
    if not seed.exists():
        return ""
    extraction = extract_file(seed)
    return f"{len(extraction.table_facts)} / {len(extraction.prose_facts)}"


def report_accuracy(results: dict, pages: dict[str, int]) -> None:
    print("\nRouted full path, per document (1 core): facts found; for a rendered seed, the text version's")
    rows = []
    for set_name, result in results.items():
        for document in result.get("documents", []):
            path = Path(document["path"])
            found = document["found"]
            facts = (
                f"{found.get('table_facts', '-')} / {found.get('prose_facts', '-')}"
                if not document["error"]
                else f"error: {document['error'][:60]}"
            )
            rows.append(
                [
                    set_name,
                    path.name[:48],
                    str(pages[document["path"]]),
                    f"{document['seconds']:.2f}",
                    str(found.get("tables", "-")),
                    facts,
                    text_version_facts(path) if set_name == "rendered" else "",
                ]
            )
    print_table(
        ["inputs", "document", "pages", "seconds", "tables", "table/prose facts", "text version"], rows
    )


def report_profile(profile: dict, total_pages: int) -> None:
    if "unavailable" in profile:
        print(f"\nwhere the time goes: routed path not available ({profile['unavailable']})")
        return
    print(
        f"\nWhere the routed full path's time goes (1 core, cProfile, {total_pages} pages, "
        f"{profile['seconds']:.2f} s under the profiler):"
    )
    groups = profile["groups"]
    total = sum(groups.values()) or 1.0
    rows = [
        [name, "", "", f"{seconds:.2f}", f"{100 * seconds / total:.0f} %"]
        for name, seconds in sorted(groups.items(), key=lambda item: -item[1])
    ]
    print_table(["part", "", "", "seconds", "share"], rows)


def parent_main(args: argparse.Namespace) -> int:
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    cores_list = [int(c) for c in args.cores.split(",") if c.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        print(f"unknown engines {sorted(unknown)}; choose from {', '.join(ENGINES)}", file=sys.stderr)
        return 2
    if len(os.sched_getaffinity(0)) < max(cores_list):
        print(f"only {len(os.sched_getaffinity(0))} CPU(s) available", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="pdf_benchmark_") as scratch_name:
        scratch = Path(scratch_name)
        sets = input_sets(args, scratch)
        pages = {str(path): page_count(path) for paths in sets.values() for path in paths}
        print(
            f"date {time.strftime('%Y-%m-%d')}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
            + ", ".join(
                f"{name}: {len(paths)} PDFs, {sum(pages[str(p)] for p in paths)} pages"
                for name, paths in sets.items()
            ),
            flush=True,
        )
        rows, unavailable, routed_results = [], {}, {}
        for engine in engines:
            for set_name, paths in sets.items():
                for cores in cores_list:
                    result = call_worker(scratch, paths, engine, cores)
                    if "unavailable" in result:
                        unavailable[engine] = result["unavailable"]
                        break
                    total_pages = sum(pages[str(p)] for p in paths)
                    errors = sum(1 for d in result["documents"] if d["error"])
                    seconds = result["seconds"]
                    rows.append(
                        [
                            engine,
                            set_name,
                            str(cores),
                            str(total_pages),
                            str(len(paths)),
                            f"{seconds:.2f}",
                            f"{total_pages / seconds:.1f}",
                            f"{len(paths) / seconds:.2f}",
                            f"{result['peak_mb']:.0f}",
                            str(errors),
                        ]
                    )
                    print("  ".join(rows[-1]), flush=True)
                    if engine == "routed-full" and cores == 1:
                        routed_results[set_name] = result
        print()
        print_table(
            [
                "engine",
                "inputs",
                "cores",
                "pages",
                "docs",
                "seconds",
                "pages/s",
                "docs/s",
                "peak MB",
                "errors",
            ],
            rows,
        )
        for engine, reason in unavailable.items():
            label = "routed path" if engine in ROUTED_ENGINES else engine
            print(f"{label} ({engine}): not available ({reason})")
        for row in rows:
            if row[0] == "routed-full" and row[2] == "1":
                per_page = float(row[5]) / int(row[3])
                verdict = "meets" if per_page * TARGET_PAGES < TARGET_SECONDS else "misses"
                print(
                    f"routed-full, {row[1]}, 1 core: {per_page * TARGET_PAGES:.2f} s for a {TARGET_PAGES}-page "
                    f"disclosure ({verdict} the target of {TARGET_SECONDS:.0f} s)"
                )
        if routed_results:
            report_accuracy(routed_results, pages)
        if "routed-full" in engines and "routed-full" not in unavailable and not args.no_profile:
            all_paths = [path for paths in sets.values() for path in paths]
            report_profile(
                call_worker(scratch, all_paths, "routed-full", 1, profile=True),
                sum(pages[str(p)] for p in all_paths),
            )
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help=f"comma-separated from {','.join(ENGINES)}"
    )
    parser.add_argument("--inputs", default="real,rendered", help="comma-separated from real,rendered")
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL_DIR, help="directory of real PDFs")
    parser.add_argument(
        "--rendered",
        type=Path,
        default=None,
        help="directory of rendered seed PDFs (default: render them now with tools.seed_pdfs)",
    )
    parser.add_argument("--cores", default="1,2", help="comma-separated core counts (default 1,2)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile breakdown")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-cores", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--worker-input", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker:
        try:
            return worker_main(args)
        except Exception:  # noqa: BLE001 - the parent reports the last line
            traceback.print_exc()
            return 1
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
