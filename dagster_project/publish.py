"""Publish a read-only copy of the marts for the dashboard and BI tools, atomically.

DuckDB allows one read-write process or many read-only ones per file.  Readers therefore never open the
warehouse the build writes; at the end of every successful build the marts are copied into a NEW DuckDB
file written aside, which then replaces the published file in one ``os.replace``:

    <warehouse dir>/published/.budget_marts-<UTC timestamp>-<pid>.duckdb.tmp   written, checkpointed, closed
    <warehouse dir>/published/budget_marts.duckdb                               ← os.replace (atomic rename)
    <warehouse dir>/published/sources/<document_id>.<txt|pdf>                   the disclosures, by content hash

A reader that has the published file open keeps reading its snapshot (the rename swaps the inode, the old
one lives until its last reader closes it); the next connection sees the new publication.  A reader never
sees a half-written file, and a reader never blocks the build.

The published file holds:

``marts.*``                            every table of the warehouse's ``marts`` schema, as it is
``published.documents``                one row per document of ``raw.documents`` (file name, format, title …) and
                                       ``source_file``: its copy under ``sources/`` (NULL when unavailable)
``published.publication``              one row: when and from what this file was published
``catalogue.marts_columns``            one row per documented column of the marts: its labels (Chinese, English),
                                       display format and description, from the marts' yml ``meta`` in dbt's
                                       manifest (``warehouse.catalogue``)

The reader side of this protocol (``open_published``, ``sources_dir``, ``read_publication``, the schema and table
names) lives in ``warehouse.publication``, which the dashboard imports; this module is the writer.

Every table and column of the published file carries a comment (``duckdb_tables().comment``,
``duckdb_columns().comment``): those of ``marts.*`` are copied from the warehouse, where dbt's ``persist_docs``
wrote the models' yml descriptions; those of ``published.*`` are defined here.  ``dagster_project.export`` builds
the open release (Parquet, CSV, datapackage.json, data dictionary) from them.

``BUDGET_PUBLISHED`` overrides the path of the published file (see ``WarehouseSettings``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.catalogue import COLUMN_NAMES, as_rows, read_manifest_catalogue
from warehouse.files import file_sha256
from warehouse.publication import (  # noqa: F401  (the reader side, re-exported for existing imports)
    CATALOGUE_SCHEMA,
    COLUMN_CATALOGUE,
    COLUMN_CATALOGUE_TABLE,
    MARTS_SCHEMA,
    PUBLISHED_SCHEMA,
    SOURCES_DIR_NAME,
    open_published,
    read_column_catalogue,
    read_publication,
    sources_dir,
)
from warehouse.settings import dbt_project_dir as default_dbt_project_dir

PUBLISHED_MARTS_ASSET = "published_marts"  # the Dagster asset (and step) that calls publish_marts
TMP_SUFFIX = ".duckdb.tmp"

# Comments of the tables publish.py writes itself (the marts' come from the dbt docs in the warehouse).
# published.documents has the columns of raw.documents (described in dbt/models/staging/_sources.yml) and
# source_file; a column not listed here keeps no comment.
PUBLISHED_TABLE_COMMENTS = {
    "documents": (
        "已加载文件 — one row per loaded file (raw.documents), published or held back by an error issue "
        "(see marts.quality_issues.document_published), with its copy under sources/."
    ),
    "publication": "发布记录 — one row: when and from what this file was published.",
}
PUBLISHED_COLUMN_COMMENTS = {
    "documents": {
        "document_id": "文件编号 — content hash of the file (first 16 hex digits of sha256).",
        "file_name": "文件名 — file name in the raw folder.",
        "source_format": "文件格式 — text | pdf.",
        "content_sha256": "内容哈希 — full sha256 of the file's bytes.",
        "unit_name": "单位名称 — the budget unit as printed (the identity evidence's choice; see unit_name_in_marts).",
        "disclosure_id": "公开编号 — the disclosure this file belongs to: marts' document_id (a prose file joins its tables file).",
        "unit_id": "单位标识 — the unit's stable key, as in marts.dim_unit.unit_id.",
        "unit_name_in_marts": "单位名称（汇总口径） — the unit name the marts use (registry spelling, else the normalised name).",
        "fiscal_year": "预算年度 — fiscal year of the budget.",
        "document_kind": "文件类型 — 部门预算 | 单位预算 | 部门决算 | 单位决算 (phase: 预算 budget / 决算 final accounts).",
        "scope": "口径 — 部门 (department, consolidated) | 单位 (single unit).",
        "title": "标题 — title as printed.",
        "extractor_version": "抽取版本 — version of extract/ that produced the rows.",
        "loaded_at": "加载时间 — when the file was loaded (UTC).",
        "department_name": "主管部门 — 预算主管部门 printed on a 单位预算 cover (NULL otherwise).",
        "source_method": "读取方式 — text | pdf | ocr: how the file's text was read.",
        "unit_name_source": "单位名称来源 — the strongest source stating the chosen unit_name (cover, label, file_name …).",
        "unit_name_runner_up": "单位名称次选 — the best other unit name found, when any (see the identity_conflict rule).",
        "fiscal_year_source": "年度来源 — the strongest source stating the chosen fiscal_year.",
        "fiscal_year_runner_up": "年度次选 — the best other fiscal year found, when any.",
        "document_kind_source": "文件类型来源 — the strongest source stating the chosen document_kind.",
        "scope_source": "口径来源 — the strongest source stating the chosen scope.",
        "source_file": "源文件 — its copy under sources/ (<document_id>.<txt|pdf>); NULL when unavailable.",
    },
    "publication": {
        "published_at": "发布时间 — when the file was published (UTC).",
        "source_warehouse": "来源仓库 — path of the warehouse the marts were copied from.",
        "dagster_run_id": "运行编号 — the Dagster run that published it (NULL outside Dagster).",
        "documents": "文件数 — rows of published.documents (published or held back).",
        "published_documents": "发布文件数 — rows of marts.unit_metrics.",
        "marts_tables": "表 — the marts.* tables published.",
    },
}
CATALOGUE_TABLE_COMMENT = (
    "字段目录 — one row per documented column of the marts: labels, display format and description "
    "(from the marts' yml meta)."
)
CATALOGUE_COLUMN_COMMENTS = {
    "table_name": "表 — the marts table (marts.<table_name>).",
    "column_name": "字段 — the column.",
    "position": "序号 — order of the column in the model's yml (0 first).",
    "label_zh": "中文标签 — the Chinese label readers see.",
    "label_en": "英文标签 — the English label.",
    "format": "格式 — money (万元) | share (0–1, shown in %) | percent (a rate, shown in %) | count | text | year.",
    "description": "说明 — the column's description in the model's yml.",
}


class PublishError(RuntimeError):
    """The warehouse has nothing to publish (no marts) or cannot be read."""


@dataclass(frozen=True)
class Publication:
    path: Path
    published_at: datetime  # UTC
    table_rows: dict[str, int] = field(default_factory=dict)  # "marts.unit_metrics" → rows
    source_files: int = 0

    @property
    def published_documents(self) -> int:
        return self.table_rows.get(f"{MARTS_SCHEMA}.unit_metrics", 0)


def publish_marts(
    warehouse_path: Path,
    published_file: Path,
    raw_dir: Path | None = None,
    run_id: str | None = None,
    dbt_project_dir: Path | None = None,
) -> Publication:
    """Copy the marts of ``warehouse_path`` to ``published_file``, atomically; return what was published.

    ``raw_dir``: the folder of disclosures, whose files are copied to ``sources/`` so the dashboard can link a
    figure to its page or line (a file is copied only when its content still matches the loaded document).
    ``dbt_project_dir``: whose manifest holds the column catalogue (default: the settings' dbt project).
    """
    warehouse_path, published_file = Path(warehouse_path), Path(published_file)
    if not warehouse_path.exists():
        raise PublishError(f"no warehouse at {warehouse_path}")
    published_file.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(published_file)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    tmp = published_file.parent / (
        f".{published_file.stem}-{published_at:%Y%m%dT%H%M%S%f}-{os.getpid()}{TMP_SUFFIX}"
    )
    previous_documents = _document_ids(published_file)
    try:
        con = duckdb.connect(str(tmp))
        try:
            warehouse = _attach_warehouse(con, warehouse_path)
            table_rows = _copy_marts(con, warehouse)
            _copy_comments(con, warehouse)
            _write_documents(con, warehouse)
            con.execute(f"DETACH {_ident(warehouse)}")
            copied = _copy_sources(con, raw_dir, sources_dir(published_file))
            _write_publication(con, published_at, warehouse_path, run_id, table_rows)
            _write_column_catalogue(con, dbt_project_dir or default_dbt_project_dir(), table_rows)
            _comment_published(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _fsync(tmp)
        os.replace(tmp, published_file)
        _fsync(published_file.parent)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
    _prune_sources(sources_dir(published_file), keep=_document_ids(published_file) | previous_documents)
    return Publication(
        path=published_file, published_at=published_at, table_rows=table_rows, source_files=copied
    )


def remove_leftovers(published_file: Path) -> list[Path]:
    """Remove what a publisher (or a release export) killed half-way left in the published folder; returns it.

    ``.<stem>-<stamp>-<pid>.duckdb.tmp`` (+ ``.wal``), ``.release-<stamp>-<pid>.tmp`` / ``.old`` (folders of
    ``dagster_project.export``) and ``sources/.<name>.tmp`` (a source copy): each is removed when the process
    named in it is gone (or is this one: a name from an earlier process with a reused pid).  The published
    file and ``release/`` themselves are only ever replaced by a rename, so they are never half-written.
    """
    folder = Path(published_file).parent
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        name = path.name
        if not name.startswith("."):
            continue
        if name.endswith((TMP_SUFFIX, TMP_SUFFIX + ".wal")):
            stem = name.removesuffix(".wal").removesuffix(TMP_SUFFIX)
        elif name.endswith((".tmp", ".old")) and path.is_dir():
            stem = name[: -len(".tmp")]
        else:
            continue
        pid = stem.rsplit("-", 1)[-1]
        if pid.isdigit() and not _process_alive(int(pid)):
            _remove(path)
            removed.append(path)
    sources = sources_dir(published_file)
    if sources.is_dir():
        for path in sources.iterdir():
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                _remove(path)
                removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # written by an earlier process that had this pid: this one is not publishing yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- the copy
def _attach_warehouse(con: duckdb.DuckDBPyConnection, warehouse_path: Path) -> str:
    """ATTACH the warehouse READ_ONLY under the catalog name dbt gave it (the file's stem), so that the dbt
    views, which name their catalog, resolve too.  Returns the catalog name."""
    catalog = warehouse_path.stem
    con.execute(f"ATTACH {_literal(warehouse_path)} AS {_ident(catalog)} (READ_ONLY)")
    return catalog


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def _copy_marts(con: duckdb.DuckDBPyConnection, warehouse: str) -> dict[str, int]:
    tables = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? ORDER BY 1",
            [warehouse, MARTS_SCHEMA],
        ).fetchall()
    ]
    if not tables:
        raise PublishError("the warehouse has no marts: run dbt build first")
    con.execute(f"CREATE SCHEMA {MARTS_SCHEMA}")
    table_rows = {}
    for table in tables:
        name = f"{MARTS_SCHEMA}.{_ident(table)}"
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {_ident(warehouse)}.{name}")
        table_rows[f"{MARTS_SCHEMA}.{table}"] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    return table_rows


def _copy_comments(con: duckdb.DuckDBPyConnection, warehouse: str) -> None:
    """Carry the table and column comments of the warehouse's marts (dbt ``persist_docs``) into the copy.

    ``CREATE TABLE … AS SELECT`` copies no comment.  The texts are read from ``duckdb_tables()`` /
    ``duckdb_columns()`` of the attached warehouse with bound parameters; ``COMMENT ON`` takes no parameter,
    so each text is written as a SQL string literal (``_sql_string``), names as quoted identifiers."""
    target = con.execute("SELECT current_database()").fetchone()[0]
    tables = con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ?",
        [warehouse, MARTS_SCHEMA],
    ).fetchall()
    columns = con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? AND comment IS NOT NULL",
        [warehouse, MARTS_SCHEMA],
    ).fetchall()
    for table, comment in tables:
        if comment is not None:
            _comment_table(con, target, MARTS_SCHEMA, table, comment)
    for table, column, comment in columns:
        _comment_column(con, target, MARTS_SCHEMA, table, column, comment)


def _comment_published(con: duckdb.DuckDBPyConnection) -> None:
    """The comments of ``published.documents`` and ``published.publication`` (columns that exist only)."""
    target = con.execute("SELECT current_database()").fetchone()[0]
    for table, comment in PUBLISHED_TABLE_COMMENTS.items():
        _comment_table(con, target, PUBLISHED_SCHEMA, table, comment)
        present = set(_columns(con, f"{PUBLISHED_SCHEMA}.{_ident(table)}"))
        for column, text in PUBLISHED_COLUMN_COMMENTS.get(table, {}).items():
            if column in present:
                _comment_column(con, target, PUBLISHED_SCHEMA, table, column, text)


def _comment_table(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str, text: str) -> None:
    relation = ".".join(_ident(part) for part in (catalog, schema, table))
    con.execute(f"COMMENT ON TABLE {relation} IS {_sql_string(text)}")


def _comment_column(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str, column: str, text: str
) -> None:
    target = ".".join(_ident(part) for part in (catalog, schema, table, column))
    con.execute(f"COMMENT ON COLUMN {target} IS {_sql_string(text)}")


def _write_documents(con: duckdb.DuckDBPyConnection, warehouse: str) -> None:
    """Every loaded file (``raw.documents``, whatever its columns), and ``source_file``, set when copied."""
    con.execute(f"CREATE SCHEMA {PUBLISHED_SCHEMA}")
    documents = f"{_ident(warehouse)}.raw.documents"
    columns = [_ident(c) for c in _columns(con, documents) if c != "source_file"]
    con.execute(
        f"""CREATE TABLE {PUBLISHED_SCHEMA}.documents AS
            SELECT {", ".join(columns)}, CAST(NULL AS VARCHAR) AS source_file
            FROM {documents} ORDER BY document_id"""
    )
    _add_disclosure_keys(con, warehouse)


def _add_disclosure_keys(con: duckdb.DuckDBPyConnection, warehouse: str) -> None:
    """Each file's disclosure (``disclosure_id``, the ``document_id`` of the marts), its ``unit_id`` and the unit
    name the marts use, so ``published.documents`` joins the marts on the marts' keys and names."""
    present = {
        (row[0], row[1])
        for row in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
            "UNION SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ?",
            [warehouse, warehouse],
        ).fetchall()
    }
    if not {("staging", "stg_source_files"), ("intermediate", "int_documents")} <= present:
        return  # no dbt build yet: the file rows alone
    for column in ("disclosure_id", "unit_id", "unit_name_in_marts"):
        con.execute(f"ALTER TABLE {PUBLISHED_SCHEMA}.documents ADD COLUMN {column} VARCHAR")
    con.execute(
        f"""UPDATE {PUBLISHED_SCHEMA}.documents AS d
            SET disclosure_id = keyed.document_id, unit_id = keyed.unit_id, unit_name_in_marts = keyed.unit_name
            FROM (
                SELECT files.source_document_id, files.document_id, disclosures.unit_id, disclosures.unit_name
                FROM {_ident(warehouse)}.staging.stg_source_files AS files
                JOIN {_ident(warehouse)}.intermediate.int_documents AS disclosures USING (document_id)
            ) AS keyed
            WHERE keyed.source_document_id = d.document_id"""
    )


def _write_publication(
    con: duckdb.DuckDBPyConnection,
    published_at: datetime,
    warehouse_path: Path,
    run_id: str | None,
    table_rows: dict[str, int],
) -> None:
    con.execute(
        f"""CREATE TABLE {PUBLISHED_SCHEMA}.publication (
                published_at TIMESTAMP,          -- UTC
                source_warehouse VARCHAR,
                dagster_run_id VARCHAR,
                documents INTEGER,               -- rows of published.documents (published or held back)
                published_documents INTEGER,     -- rows of marts.unit_metrics
                marts_tables VARCHAR[]
            )"""
    )
    documents = con.execute(f"SELECT count(*) FROM {PUBLISHED_SCHEMA}.documents").fetchone()[0]
    con.execute(
        f"INSERT INTO {PUBLISHED_SCHEMA}.publication VALUES (?, ?, ?, ?, ?, ?)",
        [
            published_at,
            str(warehouse_path),
            run_id,
            documents,
            table_rows.get(f"{MARTS_SCHEMA}.unit_metrics", 0),
            sorted(table_rows),
        ],
    )


def _write_column_catalogue(
    con: duckdb.DuckDBPyConnection, dbt_project_dir: Path, table_rows: dict[str, int]
) -> None:
    """``catalogue.marts_columns``: the catalogue of dbt's manifest, for the marts tables published."""
    published = {name.split(".", 1)[1] for name in table_rows}
    rows = [row for row in as_rows(read_manifest_catalogue(dbt_project_dir)) if row[0] in published]
    con.execute(f"CREATE SCHEMA {CATALOGUE_SCHEMA}")
    con.execute(
        f"""CREATE TABLE {COLUMN_CATALOGUE} (
                table_name VARCHAR NOT NULL,
                column_name VARCHAR NOT NULL,
                position INTEGER NOT NULL,
                label_zh VARCHAR,
                label_en VARCHAR,
                format VARCHAR,
                description VARCHAR,
                PRIMARY KEY (table_name, column_name)
            )"""
    )
    target = con.execute("SELECT current_database()").fetchone()[0]
    _comment_table(con, target, CATALOGUE_SCHEMA, COLUMN_CATALOGUE_TABLE, CATALOGUE_TABLE_COMMENT)
    for column, text in CATALOGUE_COLUMN_COMMENTS.items():
        _comment_column(con, target, CATALOGUE_SCHEMA, COLUMN_CATALOGUE_TABLE, column, text)
    if rows:
        placeholders = ", ".join("?" for _ in COLUMN_NAMES)
        con.executemany(
            f"INSERT INTO {COLUMN_CATALOGUE} ({', '.join(COLUMN_NAMES)}) VALUES ({placeholders})",
            rows,
        )


# --------------------------------------------------------------------------- the source files
def _copy_sources(con: duckdb.DuckDBPyConnection, raw_dir: Path | None, target: Path) -> int:
    """Copy each document's file into ``target`` as ``<document_id><suffix>`` and record it in
    ``published.documents.source_file``.  Files are named by content hash, so an existing copy is the same
    file: it is never rewritten while a reader may follow a link to it, and it is linked without reading the
    inbox again (a build over 10,000 documents publishes without hashing 10,000 files).  A new copy is made
    only when the inbox's file still has the loaded content.  The links are written in one statement."""
    if raw_dir is None:
        return 0
    rows = con.execute(
        f"SELECT document_id, file_name, content_sha256 FROM {PUBLISHED_SCHEMA}.documents"
    ).fetchall()
    target.mkdir(parents=True, exist_ok=True)
    present = {path.name for path in target.iterdir()}
    links: dict[str, list[str]] = {"document_id": [], "source_file": []}
    for document_id, file_name, sha256 in rows:
        source = Path(raw_dir) / file_name
        name = f"{document_id}{source.suffix.lower()}"
        if name not in present:
            if not source.is_file() or file_sha256(source) != sha256:
                continue  # the file left the folder or changed since it was loaded: no link
            partial = target / f".{name}.tmp"
            shutil.copyfile(source, partial)
            os.replace(partial, target / name)
            present.add(name)
        links["document_id"].append(document_id)
        links["source_file"].append(name)
    if links["document_id"]:
        con.register("source_links", pa.table(links))
        con.execute(
            f"UPDATE {PUBLISHED_SCHEMA}.documents SET source_file = source_links.source_file "
            f"FROM source_links WHERE {PUBLISHED_SCHEMA}.documents.document_id = source_links.document_id"
        )
        con.unregister("source_links")
    return len(links["document_id"])


def _prune_sources(target: Path, keep: Iterable[str]) -> None:
    """Remove the copies no publication refers to (those of the current and the previous one stay, for the
    readers that still have the previous one open)."""
    if not target.is_dir():
        return
    keep = set(keep)
    for path in target.iterdir():
        if path.is_file() and not path.name.startswith(".") and path.name.split(".")[0] not in keep:
            path.unlink(missing_ok=True)


def _document_ids(published_file: Path) -> set[str]:
    if not published_file.exists():
        return set()
    try:
        con = open_published(published_file)
    except duckdb.Error:
        return set()
    try:
        return {
            row[0] for row in con.execute(f"SELECT document_id FROM {PUBLISHED_SCHEMA}.documents").fetchall()
        }
    except duckdb.Error:
        return set()
    finally:
        con.close()


def _fsync(path: Path) -> None:
    """Flush a file (or a directory entry) to disk so the rename never exposes an empty file after a crash."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _sql_string(text: str) -> str:
    """A SQL string literal holding ``text`` exactly: DuckDB's standard strings escape only the quote, by
    doubling it (a backslash is an ordinary character).  NUL cannot be stored and is refused."""
    if "\x00" in text:
        raise ValueError("a comment cannot contain NUL")
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
