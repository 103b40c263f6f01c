"""The ``budget-warehouse`` command (typer; tables by rich, which lines up CJK text).

    budget-warehouse build [--raw-dir DIR] [--warehouse FILE] [-v] [--json]
        load every disclosure of the raw folder, dbt build, publish; print a summary
    budget-warehouse report DOCUMENT [--warehouse FILE] [--json]
        tables, checks, every key figure's source and the identity evidence of one document
    budget-warehouse sql "QUERY" [--published FILE] [--json]
        a query on the PUBLISHED read-only copy of the marts (what the dashboard reads)
    budget-warehouse dbt [--warehouse FILE] ARGS...
        dbt with the build's own absolute --project-dir/--profiles-dir and warehouse
    budget-warehouse export DIR [--published FILE] [--json]
        the open release: Parquet + CSV of every mart, datapackage.json (validated), data dictionary
    budget-warehouse --version

Exit status:

    0    ok (a quarantined document is not a failure of ``build``)
    1    failed: a load, dbt or publishing failed; no warehouse / published file; the query failed;
         the DOCUMENT named is quarantined (it has no report); for ``dbt``: dbt's own non-zero status
    2    usage error; DOCUMENT matches no document, or several (the candidates are listed)
    3    busy: another build holds the warehouse's lock, or another process holds the DuckDB file (both named);
         nothing was changed
    141  the reader of stdout went away (``… | head``): output stopped quietly, as SIGPIPE would (128+13)

``--json`` prints one JSON document on stdout (Decimals as strings); progress and messages go to stderr.
``build`` shows a progress bar on stderr when stderr is a terminal, plain lines otherwise.

``--raw-dir``/``--warehouse``/``--published`` are relative to the working directory; the environment
variables ``BUDGET_RAW_DIR``/``BUDGET_WAREHOUSE``/``BUDGET_PUBLISHED`` (and the defaults) to the repository
root.  ``main(argv)`` returns the exit status (the console script passes it to ``sys.exit``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from warehouse.settings import (
    DEFAULT_RAW_DIR,
    DEFAULT_WAREHOUSE,
    WarehouseSettings,
    dbt_project_dir,
)

OK, FAILED, USAGE, BUSY, BROKEN_PIPE = 0, 1, 2, 3, 141
PROG = "budget-warehouse"
PIPE_WIDTH = 200  # the width of tables written to a pipe or file (a terminal's own width otherwise)

EXIT_STATUS_HELP = (
    "Exit status: 0 ok; 1 failed (load, dbt, publishing, query; DOCUMENT quarantined); "
    "2 usage error, DOCUMENT not found or ambiguous; 3 busy: another build is running or another process holds "
    "the warehouse (named); 141 stdout closed early (… | head)."
)

app = typer.Typer(
    name=PROG,
    help="Chinese budget disclosures (部门预算) → DuckDB → dbt marts, orchestrated by Dagster.",
    epilog="Examples:\n\n"
    "  budget-warehouse build\n\n"
    "  budget-warehouse report 财政局\n\n"
    '  budget-warehouse sql "select unit_name, fiscal_year from marts.unit_metrics"\n\n'
    "  budget-warehouse dbt ls --resource-type seed\n\n" + EXIT_STATUS_HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        help=f"DuckDB file (default $BUDGET_WAREHOUSE or {DEFAULT_WAREHOUSE}).",
        dir_okay=False,
        show_default=False,
    ),
]
PublishedOption = Annotated[
    Path | None,
    typer.Option(
        "--published",
        help="The published file (default $BUDGET_PUBLISHED or <warehouse dir>/published/budget_marts.duckdb).",
        dir_okay=False,
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"{PROG} {package_version()}")
        raise typer.Exit(OK)


def package_version() -> str:
    try:
        return metadata.version(PROG)
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Chinese budget disclosures (部门预算) → DuckDB → dbt marts, orchestrated by Dagster."""


# --------------------------------------------------------------------------- helpers


def _settings(raw_dir: Path | None = None, warehouse: Path | None = None) -> WarehouseSettings:
    settings = WarehouseSettings.from_env()
    if raw_dir:
        settings = dataclasses.replace(settings, raw_dir=raw_dir.resolve())
    if warehouse:
        settings = dataclasses.replace(settings, warehouse_path=warehouse.resolve())
    return settings


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """rich would exit 1; hand the closed pipe to ``_exits`` (status 141) instead."""
        self.quiet = True
        raise BrokenPipeError


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else PIPE_WIDTH
    return _Console(stderr=stderr, width=width, highlight=False, emoji=False, soft_wrap=False)


def _print_json(data: Any) -> None:
    from dagster_project.summary import json_default

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=json_default) + "\n")
    sys.stdout.flush()


def _error(message: str) -> None:
    _console(stderr=True).print(message, markup=False)


def _exits(command):
    """The command's returned status becomes its exit status; output that meets a closed pipe
    (``… | head``) ends the command quietly with status 141."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            status = command(*args, **kwargs)
        except BrokenPipeError:
            _silence_stdout()
            status = BROKEN_PIPE
        raise typer.Exit(status or OK)

    return wrapper


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass


# --------------------------------------------------------------------------- build


@app.command(
    epilog="Examples:\n\n"
    "  budget-warehouse build\n\n"
    "  budget-warehouse build --raw-dir /tmp/raw --warehouse /tmp/wh/budget.duckdb\n\n"
    "  budget-warehouse build --json > build.json\n\n" + EXIT_STATUS_HELP,
)
@_exits
def build(
    raw_dir: Annotated[
        Path | None,
        typer.Option(
            "--raw-dir",
            help=f"Folder of disclosures (default $BUDGET_RAW_DIR or {DEFAULT_RAW_DIR}).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    warehouse: WarehouseOption = None,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Show Dagster's and dbt's log lines.")
    ] = False,
    as_json: JsonOption = False,
) -> int:
    """Load the raw folder into DuckDB, dbt build the marts, publish them; print a summary.

    Progress (a bar when stderr is a terminal, plain lines otherwise) goes to stderr. The summary goes to stdout: documents loaded and quarantined with their reasons, the time of each phase (extract+load / dbt / publish) and, when the build succeeded, the comparison table of marts.unit_metrics. A failed build says so and shows no table (the marts would be the previous build's).
    """
    from dagster_project.build import PlainProgress, RichProgress, build_warehouse
    from dagster_project.summary import summary_dict, summary_renderables

    settings = _settings(
        raw_dir, warehouse
    )  # passed down: dbt gets the warehouse as --vars, not the environment
    err = _console(stderr=True)
    # with --json stdout carries the JSON only: whatever the run prints (dbt's log with -v) goes to stderr
    from dagster_project.defs.build_lock import BuildBusy

    try:
        with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
            if err.is_terminal and not verbose:
                with RichProgress(err) as progress:
                    report = build_warehouse(settings, progress=progress, summary=False, verbose=verbose)
            else:
                progress = PlainProgress(lambda line: err.print(line, markup=False, soft_wrap=True))
                report = build_warehouse(settings, progress=progress, summary=False, verbose=verbose)
    except BuildBusy as busy:
        if as_json:
            _print_json({"error": "busy", "message": str(busy), "holder": busy.holder})
        else:
            _error(str(busy))
        return BUSY
    if as_json:  # the summary, and what the incremental load did (files seen / unchanged / extracted / …)
        _print_json({**summary_dict(report), "incremental": report.incremental()})
    else:
        out = _console()
        for renderable in summary_renderables(report):
            out.print(renderable)
    return OK if report.ok else FAILED


# --------------------------------------------------------------------------- report


@app.command(
    epilog="Examples:\n\n"
    "  budget-warehouse report 财政局                    part of a unit name\n\n"
    "  budget-warehouse report 1a2b3c4d                  a document id prefix\n\n"
    "  budget-warehouse report 2025年部门预算.pdf        a file name\n\n"
    "  budget-warehouse report 财政局 --json | jq .identity\n\n" + EXIT_STATUS_HELP,
)
@_exits
def report(
    document: Annotated[
        str, typer.Argument(help="Document id (or prefix), file name, or part of the unit name.")
    ],
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> int:
    """One document explained: tables, checks, key figures and their sources, identity evidence.

    Sections: tables found / empty / missing (and which fail their own sums); quality rules passed and fired; every key figure with the table line or prose sentence it was read from; Identity: for unit_name, fiscal_year, document_kind, scope and department_name the candidates, the one chosen, its source and why (weights).

    A DOCUMENT that matches several documents lists them and exits 2; one that matches none exits 2; an exact document id or file name wins over partial matches.
    """
    from dagster_project.report import (
        AmbiguousDocument,
        DocumentNotFound,
        DocumentQuarantined,
        collect_report,
        render_candidates,
        render_report,
    )

    path = _settings(warehouse=warehouse).warehouse_path
    if not path.exists():
        return _fail(as_json, f"no warehouse at {path}: run `budget-warehouse build` first", FAILED)
    try:
        data = collect_report(path, document)
    except AmbiguousDocument as exc:
        if as_json:
            _print_json({"error": "ambiguous", "message": str(exc), "candidates": exc.candidates})
        else:
            render_candidates(exc, _console(stderr=True))
        return USAGE
    except DocumentQuarantined as exc:
        return _fail(as_json, str(exc), FAILED, "quarantined")
    except DocumentNotFound as exc:
        return _fail(as_json, str(exc), USAGE, "not_found")
    except Exception as exc:  # e.g. the build holds the file, or the marts are not built yet
        import duckdb

        if not isinstance(exc, duckdb.Error):
            raise
        return _fail(as_json, f"cannot read {path}: {exc}", FAILED)
    if as_json:
        _print_json(data)
    else:
        render_report(data, _console())
    return OK


def _fail(as_json: bool, message: str, status: int, kind: str = "failed") -> int:
    if as_json:
        _print_json({"error": kind, "message": message})
    else:
        _error(message)
    return status


# --------------------------------------------------------------------------- sql


@app.command(
    epilog="Examples:\n\n"
    '  budget-warehouse sql "select count(*) from marts.unit_metrics"\n\n'
    '  budget-warehouse sql "select unit_name, total_expenditure from marts.unit_metrics order by 2 desc"\n\n'
    '  budget-warehouse sql "select * from published.publication" --json\n\n' + EXIT_STATUS_HELP,
)
@_exits
def sql(
    query: Annotated[str, typer.Argument(help="A DuckDB SQL query (the file is read-only).")],
    published: PublishedOption = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> int:
    """Query the PUBLISHED read-only copy of the marts (what the dashboard reads).

    Tables: marts.*, published.documents, published.publication. Never the warehouse a build writes, so it works while a build runs.
    """
    import duckdb

    from dagster_project.publish import open_published

    path = published.resolve() if published else _settings(warehouse=warehouse).published_file
    if not path.exists():
        return _fail(as_json, f"no published marts at {path}: run `budget-warehouse build` first", FAILED)
    try:
        con = open_published(path)
        try:
            cursor = con.execute(query)
            columns = [d[0] for d in cursor.description] if cursor.description else []
            rows = cursor.fetchall() if columns else []
        finally:
            con.close()
    except duckdb.Error as exc:
        return _fail(as_json, f"query failed: {exc}", FAILED)
    if as_json:
        _print_json([dict(zip(columns, row)) for row in rows])
        return OK
    table = Table(box=None if not columns else _box(), show_edge=False)
    for index, name in enumerate(columns):
        numeric = rows and all(
            isinstance(r[index], (int, float)) or _is_decimal(r[index]) for r in rows if r[index] is not None
        )
        table.add_column(name, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    out = _console()
    out.print(table)
    _console(stderr=True).print(f"({len(rows)} row{'s' if len(rows) != 1 else ''} from {path})", markup=False)
    return OK


# --------------------------------------------------------------------------- export


@app.command(
    epilog="Examples:\n\n"
    "  budget-warehouse export release/\n\n"
    "  budget-warehouse export /tmp/budget-2025 --json\n\n"
    "  frictionless validate release/datapackage.json\n\n" + EXIT_STATUS_HELP,
)
@_exits
def export(
    out_dir: Annotated[
        Path, typer.Argument(help="The release folder to write (absent, empty or a previous release).")
    ],
    published: PublishedOption = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> int:
    """Write the open release of the published marts: every mart as Parquet and CSV (exact decimals), a
    Frictionless / Fiscal Data Package datapackage.json (validated) and a data dictionary (docs/release.md)."""
    from dagster_project.export import ExportError, export_release

    path = published.resolve() if published else _settings(warehouse=warehouse).published_file
    try:
        result = export_release(path, out_dir.resolve())
    except ExportError as exc:
        return _fail(as_json, f"export failed: {exc}", FAILED)
    if as_json:
        _print_json(
            {
                "out_dir": str(result.out_dir),
                "datapackage": str(result.datapackage),
                "tables": result.table_rows,
                "phase": result.phase,
            }
        )
        return OK
    table = Table(box=_box(), show_edge=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in result.table_rows.items():
        table.add_row(name, str(count))
    _console().print(table)
    _console(stderr=True).print(f"release written to {result.out_dir} (datapackage valid)", markup=False)
    return OK


def _box():
    from rich import box

    return box.SIMPLE_HEAD


def _is_decimal(value: object) -> bool:
    from decimal import Decimal

    return isinstance(value, Decimal)


# --------------------------------------------------------------------------- dbt


DBT_MANAGED_FLAGS = ("--project-dir", "--profiles-dir")
DBT_WRITING_COMMANDS = ("build", "run", "seed", "snapshot")


@app.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    epilog="Examples:\n\n"
    "  budget-warehouse dbt build\n\n"
    "  budget-warehouse dbt build --select unit_metrics+\n\n"
    "  budget-warehouse dbt ls --resource-type seed\n\n"
    "  budget-warehouse dbt --warehouse /tmp/wh/budget.duckdb test\n\n"
    "  budget-warehouse dbt -- --help                  dbt's own help\n\n" + EXIT_STATUS_HELP,
)
@_exits
def dbt(
    args: Annotated[list[str] | None, typer.Argument(help="dbt's command and its arguments.")] = None,
    warehouse: WarehouseOption = None,
) -> int:
    """Run dbt on the build's project, with the build's absolute --project-dir, --profiles-dir and warehouse.

    What dbt stores in dbt/target (partial_parse.msgpack, manifest.json) therefore never breaks the next budget-warehouse build. The published copy is not refreshed: the next build publishes. Exits with dbt's status.
    """
    args = list(args or [])
    managed = [a for a in args if a.split("=", 1)[0] in DBT_MANAGED_FLAGS]
    if managed:
        _error(f"{PROG} dbt sets {' and '.join(DBT_MANAGED_FLAGS)} itself; drop {', '.join(managed)}")
        return USAGE
    settings = _settings(warehouse=warehouse)
    command = dbt_command(args)
    env = {**os.environ, "BUDGET_WAREHOUSE": str(settings.warehouse_path)}
    try:
        status = subprocess.run(command, cwd=dbt_project_dir(), env=env, check=False).returncode
    except KeyboardInterrupt:
        return 130
    if status == OK and args and args[0] in DBT_WRITING_COMMANDS:
        _error(
            f"(marts rebuilt in {settings.warehouse_path}; the published copy is unchanged until "
            f"`{PROG} build` publishes)"
        )
    return status


def dbt_command(args: Sequence[str]) -> list[str]:
    """The dbt command line: ``dbt ARGS --project-dir P --profiles-dir P`` (P absolute), or plain
    ``dbt ARGS`` for dbt's own flags (``--version``, ``--help``) and no arguments."""
    project = str(dbt_project_dir())
    managed = (
        ["--project-dir", project, "--profiles-dir", project] if args and not args[0].startswith("-") else []
    )
    return [*_dbt_executable(), *args, *managed]


def _dbt_executable() -> list[str]:
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("dbt")
    return [found] if found else [sys.executable, "-m", "dbt.cli.main"]


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    try:
        app(args=list(sys.argv[1:] if argv is None else argv), prog_name=PROG, standalone_mode=True)
    except SystemExit as exc:  # typer ends every run (usage errors: 2) with sys.exit
        code = exc.code
        return code if isinstance(code, int) else (OK if code is None else FAILED)
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE
    return OK


if __name__ == "__main__":
    sys.exit(main())
