"""Load a batch of inbox entries: skip what the raw layer already holds, extract the rest on all cores, write
with one writer in a few transactions.

1. ``plan_batch`` hashes each entry (``document_id_for``) and compares it with the raw layer: an entry whose
   bytes are loaded already by the current extractor (``raw.documents.extractor_version``), or quarantined
   already with the same bytes and extractor version, is *unchanged* and is not read.  Everything else is
   read: new files, changed files (same name, other bytes: their old document's rows go, ``replaced``) and
   files an older extractor judged.  Over the whole folder it also names the documents whose file left
   (``removed``).
2. ``prepare_all`` extracts them in a process pool (``BUDGET_EXTRACT_WORKERS`` processes, default one per
   core; 1 = in this process), in the order of the files, at most a few files ahead of the writer.  Workers
   only read and return ``Prepared`` entries; they never open the warehouse.
3. ``BatchWriter`` (the one writer, one DuckDB connection) takes them in order; it re-hashes each file first
   and reads it again if its bytes changed since the worker read it (or says it is gone).  Every
   ``CHUNK_DOCUMENTS`` entries (or ``CHUNK_SECONDS``) it writes one transaction (``warehouse.raw_layer.write_batch``): the new rows,
   the quarantines, the rows of replaced and (in the first chunk) removed documents.  A kill leaves whole
   chunks; the next build skips what they committed.  A chunk the warehouse refuses (a value out of range)
   is written again one document at a time, the refused one quarantined as ``load_rejected``.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Self

import duckdb

from dagster_project.defs.extraction.loading import (
    LOADED,
    MISSING,
    QUARANTINED,
    ROW_ERRORS,
    LoadOutcome,
    Prepared,
    prepare_file,
    write_prepared,
)
from dagster_project.defs.raw_documents.folder import document_id_for
from extract.model import EXTRACTOR_VERSION
from warehouse.raw_layer import Batch, loaded_documents, quarantined_files, write_batch

WORKERS_ENV = "BUDGET_EXTRACT_WORKERS"
CHUNK_DOCUMENTS = 32  # entries per write transaction at most …
CHUNK_SECONDS = 2.0  # … and a transaction at least this often while entries arrive (progress, little lost)
AHEAD_PER_WORKER = 4  # extractions in flight (or done, waiting for the writer) per worker
NOT_READ_PREFIX = "name:"  # ids of entries that are judged without reading them (folder.entry_id)


def extract_workers(environ=None) -> int:
    """``BUDGET_EXTRACT_WORKERS`` (≥ 1), default ``os.cpu_count()``."""
    environ = os.environ if environ is None else environ
    try:
        return max(1, int(environ.get(WORKERS_ENV) or os.cpu_count() or 1))
    except ValueError:
        return os.cpu_count() or 1


@dataclass
class Counters:
    """What a batch did with the entries it was given."""

    seen: int = 0  # entries in scope
    unchanged: int = 0  # skipped: loaded or quarantined already with these bytes and this extractor
    extracted: int = 0  # read and extracted (loaded or quarantined by this batch)
    loaded: int = 0
    quarantined: int = 0
    missing: int = 0  # gone before they could be read
    removed: int = 0  # documents whose file left the folder, rows deleted
    replaced: int = 0  # old documents of changed files, rows deleted
    write_seconds: float = 0.0  # time in the writer's transactions

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        return (
            f"files seen {self.seen}: unchanged (skipped) {self.unchanged}, extracted {self.extracted} "
            f"(loaded {self.loaded}, quarantined {self.quarantined}), missing {self.missing}, "
            f"removed {self.removed}"
        )


@dataclass
class Plan:
    files: list[Path]  # in scope, in order
    ids: dict[str, str]  # file name -> document id of its bytes now ("" when it is gone)
    to_read: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    replaced: dict[str, set[str]] = field(default_factory=dict)  # file name -> old ids whose rows go
    removed: set[str] = field(default_factory=set)  # ids whose file left the folder
    removed_files: list[str] = field(default_factory=list)  # the names those documents were loaded from

    @property
    def has_work(self) -> bool:
        return bool(self.to_read or self.removed)


def plan_batch(con: duckdb.DuckDBPyConnection, files: Iterable[Path], whole_folder: bool) -> Plan:
    """Which of ``files`` must be read; with ``whole_folder``, which documents left the folder."""
    files = list(files)
    ids: dict[str, str] = {}
    for path in files:
        try:
            ids[path.name] = document_id_for(path)
        except OSError:  # gone (or unreadable) since discovery: read it, to say so
            ids[path.name] = ""
    loaded = loaded_documents(con)
    quarantined = quarantined_files(con)
    # a document held by several files (byte-identical copies) belongs to the last of them, as in a build
    # from scratch, where each copy's load replaces the one before
    owner = {document_id: name for name, document_id in sorted(ids.items()) if document_id}
    present = set(owner)
    plan = Plan(files=files, ids=ids)
    for path in files:
        document_id = ids[path.name]
        current = (
            document_id
            and not document_id.startswith(NOT_READ_PREFIX)  # not read anyway: judged again, cheaply
            and (
                loaded.get(document_id) == (owner[document_id], EXTRACTOR_VERSION)
                or quarantined.get(path.name) == (document_id, EXTRACTOR_VERSION)
            )
        )
        if current:
            plan.unchanged.append(path)
            continue
        plan.to_read.append(path)
        old = {i for i, (name, _) in loaded.items() if name == path.name and i != document_id}
        old |= {q for name, (q, _) in quarantined.items() if name == path.name and q != document_id}
        if old - present:
            plan.replaced[path.name] = old - present
    if whole_folder:  # the documents of files that left (a changed file's old document is "replaced")
        plan.removed = set(loaded) - present - set().union(*plan.replaced.values())
        plan.removed_files = sorted(loaded[document_id][0] for document_id in plan.removed)
    return plan


def prepare_all(paths: list[Path], workers: int) -> Iterator[tuple[Path, Prepared]]:
    """``(path, prepare_file(path))`` in the order of ``paths``, extracted by ``workers`` processes."""
    if workers <= 1 or len(paths) <= 1:
        for path in paths:
            yield path, prepare_file(path)
        return
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(paths)), mp_context=multiprocessing.get_context("spawn")
    )
    todo = iter(paths)
    window: deque[tuple[Path, Future]] = deque()
    broken = False
    try:
        for path in todo:
            window.append((path, pool.submit(prepare_file, path)))
            if len(window) >= workers * AHEAD_PER_WORKER:
                break
        while window:
            path, future = window.popleft()
            try:
                prepared = prepare_file(path) if broken else future.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): go on in this process
                broken = True
                prepared = prepare_file(path)
            yield path, prepared
            following = next(todo, None)
            if following is not None:
                window.append((following, None if broken else pool.submit(prepare_file, following)))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class BatchWriter:
    """The one writer: stages prepared entries in file order and writes them in chunks.

    ``on_done(index, total, outcome)`` is told each entry once its chunk is committed.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        plan: Plan,
        workers: int,
        on_done: Callable[[int, int, LoadOutcome], None] | None = None,
        counters: Counters | None = None,
    ):
        self.con = con
        self.plan = plan
        self.on_done = on_done or (lambda index, total, outcome: None)
        self.counters = counters or Counters()
        self.counters.seen = len(plan.files)
        self.counters.unchanged = len(plan.unchanged)
        self._prepared = prepare_all(plan.to_read, workers)
        self._chunk: list[Prepared] = []
        self._removed = set(plan.removed)  # written with the first chunk
        self._done = 0
        self._flushed = time.monotonic()
        self.outcomes: list[LoadOutcome] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.flush()
        finally:
            self._prepared.close()  # stops the pool

    def stage(self, path: Path) -> None:
        """Take the extraction of ``path`` (the next file of the plan), check the file still holds those
        bytes (else read it again here), and add it to the chunk."""
        expected, prepared = next(self._prepared)
        if expected != path:
            raise RuntimeError(f"the writer expected {expected.name}, was given {path.name}")
        if not prepared.still_current(path):  # replaced or removed since the worker read it
            prepared = prepare_file(path)
        self._chunk.append(prepared)
        if len(self._chunk) >= CHUNK_DOCUMENTS or time.monotonic() - self._flushed >= CHUNK_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not (self._chunk or self._removed):
            return
        started = time.monotonic()
        chunk, self._chunk = self._chunk, []
        replaced = set().union(*(self.plan.replaced.get(p.file_name, set()) for p in chunk))
        batch = Batch(replaced=replaced, removed=self._removed)
        for prepared in chunk:
            prepared.into(batch)
        try:
            write_batch(self.con, batch)
            written = chunk
        except ROW_ERRORS:  # one document's rows refused: write them one by one, quarantine that one
            write_batch(self.con, Batch(removed=self._removed))
            written = [write_prepared(self.con, p, self.plan.replaced.get(p.file_name, set())) for p in chunk]
        self.counters.removed += len(self._removed)
        self.counters.replaced += len(replaced)
        self._removed = set()
        self._flushed = time.monotonic()
        self.counters.write_seconds += self._flushed - started
        total = len(self.plan.to_read)
        for prepared in written:
            outcome = prepared.outcome()
            self._done += 1
            self.counters.extracted += outcome.status != MISSING
            self.counters.loaded += outcome.status == LOADED
            self.counters.quarantined += outcome.status == QUARANTINED
            self.counters.missing += outcome.status == MISSING
            self.outcomes.append(outcome)
            self.on_done(self._done, total, outcome)


def stage_file(writer: BatchWriter, path: Path) -> None:
    """One file into the batch (the asset's per-file step)."""
    writer.stage(path)


def stored_outcomes(
    con: duckdb.DuckDBPyConnection, paths: list[Path], ids: dict[str, str]
) -> list[LoadOutcome]:
    """The outcomes of unchanged entries as the raw layer records them (they were not read again)."""
    if not paths:
        return []
    wanted = sorted({ids[p.name] for p in paths})
    documents = {
        row[0]: row[1:]
        for row in con.execute(
            """
            SELECT d.document_id, d.unit_name, d.fiscal_year, d.document_kind,
                   (SELECT count(*) FROM raw.tables t WHERE t.document_id = d.document_id),
                   (SELECT count(*) FROM raw.table_facts f WHERE f.document_id = d.document_id),
                   (SELECT count(*) FROM raw.prose_facts p WHERE p.document_id = d.document_id),
                   (SELECT count(*) FROM raw.extraction_warnings w WHERE w.document_id = d.document_id)
            FROM raw.documents d WHERE d.document_id IN (SELECT unnest(?::VARCHAR[]))
            """,
            [wanted],
        ).fetchall()
    }
    quarantine = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT file_name, document_id, reason, detail FROM raw.quarantine "
            "WHERE file_name IN (SELECT unnest(?::VARCHAR[]))",
            [[p.name for p in paths]],
        ).fetchall()
    }
    outcomes = []
    for path in paths:
        document_id = ids[path.name]
        if path.name in quarantine and quarantine[path.name][0] == document_id:
            _, reason, detail = quarantine[path.name]
            outcomes.append(
                LoadOutcome(path.name, QUARANTINED, document_id=document_id, reason=reason, detail=detail)
            )
        elif document_id in documents:
            unit, year, kind, tables, table_facts, prose_facts, warnings = documents[document_id]
            outcomes.append(
                LoadOutcome(
                    path.name,
                    LOADED,
                    document_id=document_id,
                    unit_name=unit,
                    fiscal_year=year,
                    document_kind=kind,
                    table_count=tables,
                    table_fact_count=table_facts,
                    prose_fact_count=prose_facts,
                    warning_count=warnings,
                )
            )
    return outcomes
