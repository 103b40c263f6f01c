"""Extract one disclosure and write it to the raw layer — or quarantine it (隔离) with the reason.

A document that is not a budget disclosure, cannot be read, or trips the parser is *quarantined*: its
earlier rows are dropped and ``raw.quarantine`` says why (the codes: ``warehouse.reasons``).  That is an outcome, not a failure: one bad
file never stops the load of the others.  Only a failure of the warehouse itself raises.

``prepare_file`` reads and judges a file without the warehouse (what the extraction workers run);
``write_prepared`` / ``warehouse.raw_layer.write_batch`` write; ``load_disclosure_file`` is both, for one file.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from dagster_project.defs.raw_documents.folder import document_id_for, entry_id, inbox_problem
from extract import extract_file
from extract.identity import IdentityNotFound
from extract.model import Extraction, NotABudgetDisclosure, UnreadableDocument
from extract.pipeline import RejectedDocument
from warehouse.raw_layer import Batch, Quarantine, forget_documents_not_in, write_batch
from warehouse.reasons import (  # noqa: F401 — re-exported: the reason codes were declared here before
    DANGLING_LINK,
    EMPTY_FILE,
    EXTRACTION_ERROR,
    FILE_TOO_LARGE,
    FISCAL_YEAR_NOT_FOUND,
    LOAD_REJECTED,
    NOT_A_BUDGET_DISCLOSURE,
    NOT_A_FILE,
    OUTSIDE_INBOX,
    REASON_CODES,
    REPEATED_TABLES,
    TOO_MANY_FACTS,
    TOO_MANY_PAGES,
    UNIT_NOT_FOUND,
    UNREADABLE_DOCUMENT,
    UNSUPPORTED_FORMAT,
)

LOADED = "loaded"
QUARANTINED = "quarantined"
MISSING = "missing"

# what the warehouse refuses of a document's rows (a constraint, a value out of range such as an amount over
# DECIMAL(20, 6), a bad string): that document is quarantined, the load goes on
ROW_ERRORS = (duckdb.IntegrityError, duckdb.DataError, duckdb.InvalidInputException)


@dataclass(frozen=True)
class LoadOutcome:
    """What happened to one file; becomes the asset's materialization metadata."""

    file_name: str
    status: str  # loaded | quarantined | missing
    document_id: str = ""
    unit_name: str = ""
    fiscal_year: int | None = None
    document_kind: str = ""
    table_count: int = 0
    table_fact_count: int = 0
    prose_fact_count: int = 0
    warning_count: int = 0
    reason: str = ""
    detail: str = ""

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value not in ("", None)}

    def summary(self) -> str:
        if self.status == LOADED:
            facts = self.table_fact_count + self.prose_fact_count
            return f"loaded ({self.unit_name}, {self.fiscal_year}, {facts} facts)"
        if self.status == QUARANTINED:
            return f"quarantined: {self.reason} — {self.detail}"
        return "missing: the file left the raw folder"


@dataclass
class Prepared:
    """One entry of the inbox, read and judged without the warehouse: an extraction, a quarantine or gone.

    Picklable: extraction workers return it to the one writer.  ``document_id`` is the id of the bytes that
    were read (the writer compares it with the file's bytes when it writes, ``still_current``).
    """

    file_name: str
    status: str  # loaded | quarantined | missing
    document_id: str = ""
    extraction: Extraction | None = None
    reason: str = ""
    detail: str = ""

    def still_current(self, path: Path) -> bool:
        """The entry still holds what was read (a file replaced or removed since is read again)."""
        try:
            return document_id_for(path) == self.document_id
        except OSError:
            return self.status == MISSING

    def outcome(self) -> LoadOutcome:
        if self.status == QUARANTINED:
            return LoadOutcome(
                file_name=self.file_name,
                status=QUARANTINED,
                document_id=self.document_id,
                reason=self.reason,
                detail=self.detail,
            )
        if self.status == MISSING or self.extraction is None:
            return LoadOutcome(file_name=self.file_name, status=MISSING)
        extraction = self.extraction
        doc = extraction.document
        return LoadOutcome(
            file_name=self.file_name,
            status=LOADED,
            document_id=doc.document_id,
            unit_name=doc.unit_name,
            fiscal_year=doc.fiscal_year,
            document_kind=doc.document_kind,
            table_count=len(extraction.tables),
            table_fact_count=len(extraction.table_facts),
            prose_fact_count=len(extraction.prose_facts),
            warning_count=len(extraction.warnings),
        )

    def into(self, batch: Batch) -> None:
        if self.status == LOADED and self.extraction is not None:
            batch.extractions.append(self.extraction)
        elif self.status == QUARANTINED:
            batch.quarantines.append(Quarantine(self.file_name, self.document_id, self.reason, self.detail))


def prepare_file(path: Path) -> Prepared:
    """Read and extract ``path`` — or judge it quarantined, or gone — without touching the warehouse.

    Never raises for anything about the file — a link out of the raw folder, a directory, a file that is
    gone or changes while it is read, a reader or parser bug: each is an outcome.
    """
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return Prepared(file_name=path.name, status=MISSING)
    problem = inbox_problem(path)
    if problem is not None:  # not opened: a link out of the raw folder, a dangling link, a directory …
        return _quarantined(path, *problem, document_id=entry_id(path))
    try:
        extraction = extract_file(path)
    except FileNotFoundError:  # removed between discovery and reading
        return Prepared(file_name=path.name, status=MISSING)
    except RejectedDocument as exc:  # refused: unsupported format, empty, over a limit
        return _quarantined(path, exc.reason, str(exc))
    except NotABudgetDisclosure as exc:
        return _quarantined(path, NOT_A_BUDGET_DISCLOSURE, str(exc))
    except IdentityNotFound as exc:  # a disclosure whose unit or year cannot be established
        return _quarantined(path, exc.reason, str(exc))
    except UnreadableDocument as exc:
        return _quarantined(path, UNREADABLE_DOCUMENT, str(exc))
    except Exception as exc:  # noqa: BLE001 — a parser bug is this document's problem, not the load's
        return _quarantined(path, EXTRACTION_ERROR, _describe(exc))
    return Prepared(
        file_name=path.name, status=LOADED, document_id=extraction.document.document_id, extraction=extraction
    )


def write_prepared(
    con: duckdb.DuckDBPyConnection, prepared: Prepared, replaced: set[str] = frozenset()
) -> Prepared:
    """Write one prepared entry in its own transaction; rows the warehouse refuses quarantine it instead
    (returned: what was written)."""
    batch = Batch(replaced=set(replaced))
    prepared.into(batch)
    try:
        write_batch(con, batch)
    except ROW_ERRORS as exc:
        prepared = Prepared(
            file_name=prepared.file_name,
            status=QUARANTINED,
            document_id=prepared.document_id,
            reason=LOAD_REJECTED,
            detail=_describe(exc),
        )
        batch = Batch(replaced=set(replaced))
        prepared.into(batch)
        write_batch(con, batch)
    return prepared


def load_disclosure_file(con: duckdb.DuckDBPyConnection, path: Path) -> LoadOutcome:
    """Extract ``path`` and replace its rows in the raw layer, or quarantine it (one file, one transaction).

    Never raises for anything about the file; only a failure of the warehouse itself raises.
    """
    return write_prepared(con, prepare_file(path)).outcome()


def forget_departed_documents(con: duckdb.DuckDBPyConnection, files: Iterable[Path]) -> list[str]:
    """Drop documents (and quarantine rows) whose file is no longer in the raw folder; returns their ids.

    ``files`` are the entries found when the build started: one removed since is gone like any other.
    """
    present: dict[str, str] = {}
    for path in files:
        try:
            present[path.name] = document_id_for(path)
        except OSError:  # removed (or made unreadable) since discovery: it left the folder
            continue
    return forget_documents_not_in(con, set(present.values()), set(present))


def _quarantined(path: Path, reason: str, detail: str, document_id: str | None = None) -> Prepared:
    if document_id is None:
        try:
            document_id = document_id_for(path)
        except OSError:  # removed while it was being read
            return Prepared(file_name=path.name, status=MISSING)
    return Prepared(
        file_name=path.name, status=QUARANTINED, document_id=document_id, reason=reason, detail=detail
    )


def _describe(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {Path(frame[0].filename).name}:{frame[0].lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"
