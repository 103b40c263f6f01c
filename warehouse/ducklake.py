"""DuckLake: the raw layer in a lake whose catalog is a SQLite file (one machine) or a PostgreSQL database
(many machines), and whose data are Parquet files in a folder.  Several extraction workers then commit at once.

The DuckDB extensions come from PyPI packages (``duckdb-ext-ducklake``, ``-sqlite``, ``-postgres``), never from
the network at run time: :func:`extension_directory` finds the folder the packages installed, each connection
loads the extensions from their files there.

The lake is attached as ``budget`` (``LAKE``) and made the default catalog, so ``raw.<table>`` resolves in it:
``extract.load.load_extraction`` writes one document in one transaction, unchanged.  DuckLake has no PRIMARY KEY
or UNIQUE constraints, so the lake's tables are created from ``extract.load.RAW_DDL`` minus those
(:func:`lake_ddl`); ``RAW_DDL`` itself is then a no-op there (``IF NOT EXISTS``).

Settings (environment): ``BUDGET_STORAGE=duckdb|ducklake`` (default ``duckdb``: the DuckDB file of
``BUDGET_WAREHOUSE``), ``BUDGET_DUCKLAKE_CATALOG`` (``sqlite:/path/catalog.sqlite`` or
``postgres:dbname=… host=127.0.0.1 port=… user=…``), ``BUDGET_DUCKLAKE_DATA`` (the Parquet folder).
dbt builds the marts in the lake with the ``ducklake`` target of ``dbt/profiles.yml``:
``python -m warehouse.ducklake dbt build`` (or :func:`dbt_env` for the variables it reads).  See docs/scaling.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from extract.load import RAW_DDL

STORAGE_ENV = "BUDGET_STORAGE"
CATALOG_ENV = "BUDGET_DUCKLAKE_CATALOG"
DATA_ENV = "BUDGET_DUCKLAKE_DATA"
# read by the dbt profile's ducklake target (config_options.extension_directory); set by dbt_env()
EXTENSIONS_ENV = "BUDGET_DUCKDB_EXTENSIONS"

STORAGES = ("duckdb", "ducklake")
LAKE = "budget"
DBT_TARGET = "ducklake"
ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt"

# extension name (as LOAD knows it) → the PyPI package that ships its file
EXTENSION_PACKAGES = {
    "ducklake": "duckdb-ext-ducklake",
    "sqlite_scanner": "duckdb-ext-sqlite",
    "postgres_scanner": "duckdb-ext-postgres",
}
CATALOG_EXTENSIONS = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}

# a writer whose commit lost a race with another writer's (DuckLake's optimistic concurrency) tries again
COMMIT_ATTEMPTS = 8


def storage() -> str:
    """``duckdb`` (the default: one DuckDB file) or ``ducklake``, from ``BUDGET_STORAGE``."""
    value = os.environ.get(STORAGE_ENV, "duckdb").strip().lower() or "duckdb"
    if value not in STORAGES:
        raise ValueError(f"{STORAGE_ENV}={value!r}: expected one of {', '.join(STORAGES)}")
    return value


@dataclass(frozen=True)
class LakeSettings:
    catalog: str  # 'sqlite:/path/catalog.sqlite' | 'postgres:dbname=… host=…'
    data_path: Path

    def __post_init__(self) -> None:
        if self.catalog_kind not in CATALOG_EXTENSIONS:
            raise ValueError(
                f"DuckLake catalog {self.catalog!r}: expected sqlite:/path/file or postgres:<libpq connection string>"
            )

    @classmethod
    def from_env(cls) -> LakeSettings:
        missing = [name for name in (CATALOG_ENV, DATA_ENV) if not os.environ.get(name)]
        if missing:
            raise ValueError(f"{STORAGE_ENV}=ducklake needs {' and '.join(missing)} (docs/scaling.md)")
        return cls(os.environ[CATALOG_ENV], Path(os.environ[DATA_ENV]).resolve())

    @property
    def catalog_kind(self) -> str:
        return self.catalog.split(":", 1)[0].lower()

    def env(self) -> dict[str, str]:
        """The environment that names this lake (for a writer process or dbt)."""
        return {
            STORAGE_ENV: "ducklake",
            CATALOG_ENV: self.catalog,
            DATA_ENV: str(self.data_path),
            EXTENSIONS_ENV: str(extension_directory()),
        }


def extension_file(name: str) -> Path:
    """The ``.duckdb_extension`` file the PyPI package of extension ``name`` installed."""
    package = EXTENSION_PACKAGES[name]
    try:
        files = importlib.metadata.files(package) or []
    except importlib.metadata.PackageNotFoundError as error:
        raise RuntimeError(f"the DuckDB extension {name} needs the package {package} (uv sync)") from error
    wanted = f"{name}.duckdb_extension"
    found = [Path(str(f.locate())) for f in files if f.name == wanted]
    if not found:
        raise RuntimeError(f"{package} ships no {wanted}")
    path = found[0]
    built_for = path.parent.parent.name  # extensions/v1.4.4/linux_amd64/<name>.duckdb_extension
    if built_for != f"v{duckdb.__version__}":
        raise RuntimeError(
            f"{package} holds {name} built for DuckDB {built_for}, but DuckDB is v{duckdb.__version__}"
        )
    return path


def extension_directory() -> Path:
    """The folder to give DuckDB as ``extension_directory`` (it looks in ``<dir>/v<version>/<platform>/``)."""
    return extension_file("ducklake").parents[2]


def connect(settings: LakeSettings) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the lake attached as ``budget`` and in use (``raw.documents`` is the lake's).

    The catalog's schema is created on first use; the Parquet folder too."""
    settings.data_path.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={
            "extension_directory": str(extension_directory()),
            "autoinstall_known_extensions": False,
        }
    )
    try:
        for name in ("ducklake", CATALOG_EXTENSIONS[settings.catalog_kind]):
            con.execute(f"LOAD '{_sql_string(str(extension_file(name)))}'")
        con.execute(
            f"ATTACH 'ducklake:{_sql_string(settings.catalog)}' AS {LAKE} "
            f"(DATA_PATH '{_sql_string(str(settings.data_path))}/')"
        )
        con.execute(f"USE {LAKE}")
    except Exception:
        con.close()
        raise
    return con


@contextmanager
def lake(settings: LakeSettings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(settings or LakeSettings.from_env())
    try:
        yield con
    finally:
        con.close()


def lake_ddl(ddl: str = RAW_DDL) -> str:
    """The raw layer's DDL without what DuckLake does not support (PRIMARY KEY / UNIQUE constraints)."""
    ddl = re.sub(r",\s*(PRIMARY KEY|UNIQUE)\s*\([^)]*\)", "", ddl)
    return re.sub(r"\s+(PRIMARY KEY|UNIQUE)\b", "", ddl)


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw layer in the lake (idempotent: a second writer's call changes nothing)."""
    _retrying(lambda: con.execute(lake_ddl()))


def init_lake(settings: LakeSettings) -> None:
    """Create the lake (its catalog tables, the raw layer): once, before several writers attach at the same
    time (two first attaches of one PostgreSQL catalog race to create its tables; the loser fails)."""
    with lake(settings) as con:
        ensure_raw_schema(con)


def load_document(con: duckdb.DuckDBPyConnection, path: Path):
    """Extract one file and commit it to the lake in one transaction, or quarantine it with its reason: the
    DuckDB path's own per-file load (``load_disclosure_file``), on the lake.  Returns its ``LoadOutcome``.

    A commit that loses a race with another writer's (DuckLake's optimistic concurrency) is tried again."""
    from dagster_project.defs.extraction.loading import load_disclosure_file

    return _retrying(lambda: load_disclosure_file(con, Path(path)))


def commit_prepared(con: duckdb.DuckDBPyConnection, prepared, replaced: set[str] = frozenset()):
    """Commit one extracted entry (``loading.Prepared``) to the lake in one transaction, with the rows of the
    ``replaced`` documents (a changed file's old ones) going in it; returns its ``LoadOutcome``.  Retried like
    ``load_document``."""
    from dagster_project.defs.extraction.loading import write_prepared

    return _retrying(lambda: write_prepared(con, prepared, set(replaced)).outcome())


def remove_documents(con: duckdb.DuckDBPyConnection, document_ids: set[str]) -> None:
    """Delete the rows of ``document_ids`` (documents whose file left the folder) in one commit."""
    from warehouse.raw_layer import Batch, write_batch

    if document_ids:
        _retrying(lambda: write_batch(con, Batch(removed=set(document_ids))))


def load_files(settings: LakeSettings, files: Iterable[Path]) -> dict[str, str]:
    """One writer: every file into the lake, one transaction each.  File name → outcome."""
    with lake(settings) as con:
        ensure_raw_schema(con)
        return {Path(f).name: load_document(con, Path(f)).status for f in files}


def _retrying(action):
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            return action()
        except duckdb.TransactionException:
            if attempt == COMMIT_ATTEMPTS:
                raise
            time.sleep(0.05 * 2**attempt)


def dbt_env(settings: LakeSettings) -> dict[str, str]:
    """The process environment for dbt on the ``ducklake`` target of ``dbt/profiles.yml``."""
    return {**os.environ, **settings.env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def dbt_command(args: list[str], workdir: Path | None = None) -> list[str]:
    """``dbt <args>`` on the ducklake target, with the absolute project and profiles dirs."""
    command = [
        sys.executable,
        "-m",
        "dbt.cli.main",
        *args,
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target",
        DBT_TARGET,
    ]
    if workdir is not None:
        command += ["--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")]
    return command


# --------------------------------------------------------------------------- a PostgreSQL catalog to try it on
# Debian's `postgresql` package (make system-deps) puts its programs in /usr/lib/postgresql/<major>/bin.
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def postgres_bin_dir() -> Path | None:
    """The folder of pg_ctl / initdb (PATH first, then Debian's), or None when PostgreSQL is not installed."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent  # a link (e.g. in /usr/local/bin) to the real folder
    found = sorted(Path("/").glob(POSTGRES_BIN_GLOB.lstrip("/")), key=lambda p: int(p.parent.name))
    return next((d for d in reversed(found) if (d / "pg_ctl").exists()), None)


@contextmanager
def local_postgres(database: str = "budget_lake") -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 (a free port, a temporary data folder), stopped and removed
    on exit; yields the DuckLake catalog string ``postgres:dbname=… host=127.0.0.1 port=… user=postgres``.

    PostgreSQL refuses to run as root: as root, its programs run as the ``postgres`` user (runuser)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("pg_ctl not found: install Debian's postgresql package (make system-deps)")
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise PermissionError("running as root, and no runuser to start PostgreSQL as the postgres user")
        as_user = [runuser, "-u", "postgres", "--"]
    home = Path(tempfile.mkdtemp(prefix="budget-postgres-"))
    data = home / "data"
    if as_user:
        shutil.chown(home, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, text=True, timeout=120)

    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -k {home} -c fsync=off"
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(home / "server.log"),
            "-w",
            "start",
        )
        try:
            run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database)
            yield f"postgres:dbname={database} host=127.0.0.1 port={port} user=postgres"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _sql_string(value: str) -> str:
    return value.replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.ducklake",
        description=f"The raw layer in a DuckLake named by {CATALOG_ENV} and {DATA_ENV} (docs/scaling.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="extract FILES and commit each to the lake (one writer)")
    load.add_argument("files", nargs="+", type=Path)
    dbt = commands.add_parser("dbt", help="dbt on the ducklake target, e.g. `dbt build`")
    dbt.add_argument("args", nargs=argparse.REMAINDER)
    commands.add_parser(
        "init", help="create the lake's catalog and raw layer (once, before parallel writers)"
    )
    commands.add_parser("env", help="print the variables that name the lake for dbt (export lines)")
    options = parser.parse_args(argv)
    settings = LakeSettings.from_env()
    if options.command == "load":
        for name, outcome in load_files(settings, options.files).items():
            print(f"{outcome}\t{name}")
        return 0
    if options.command == "init":
        init_lake(settings)
        print(f"DuckLake ready: catalog {settings.catalog}, data {settings.data_path}")
        return 0
    if options.command == "env":
        for key, value in settings.env().items():
            print(f"export {key}='{value}'")
        return 0
    return subprocess.run(
        dbt_command(options.args or ["build"]), env=dbt_env(settings), check=False
    ).returncode


if __name__ == "__main__":
    sys.exit(main())
