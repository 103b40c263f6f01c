"""Extract one disclosure and write it to the raw layer — or quarantine it (隔离) with the reason.

A document that is not a budget disclosure, cannot be read, or trips the parser is *quarantined*: its
earlier rows are dropped and ``raw.quarantine`` says why.  That is an outcome, not a failure: one bad
file never stops the load of the others.  Only a failure of the warehouse itself raises.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from dagster_project.defs.raw_documents.folder import (
    DANGLING_LINK,
    NOT_A_FILE,
    OUTSIDE_INBOX,
    document_id_for,
    entry_id,
    inbox_problem,
)
from extract import extract_file
from extract.identity import FISCAL_YEAR_NOT_FOUND, UNIT_NOT_FOUND, IdentityNotFound
from extract.load import forget_documents_not_in, load_extraction, record_quarantine
from extract.model import NotABudgetDisclosure, UnreadableDocument
from extract.pipeline import (
    EMPTY_FILE,
    FILE_TOO_LARGE,
    REPEATED_TABLES,
    TOO_MANY_FACTS,
    TOO_MANY_PAGES,
    UNSUPPORTED_FORMAT,
    RejectedDocument,
)

LOADED = "loaded"
QUARANTINED = "quarantined"
MISSING = "missing"

# reason codes stored in raw.quarantine.reason (the list, with what each means: docs/reliability.md)
NOT_A_BUDGET_DISCLOSURE = "not_a_budget_disclosure"
UNREADABLE_DOCUMENT = "unreadable_document"
EXTRACTION_ERROR = "extraction_error"
LOAD_REJECTED = "load_rejected"
REASON_CODES = (
    # the entry is not opened (dagster_project.defs.raw_documents.folder)
    OUTSIDE_INBOX,
    DANGLING_LINK,
    NOT_A_FILE,
    # refused before or after reading (extract.pipeline.RejectedDocument; limits: extract.pipeline.Limits)
    EMPTY_FILE,
    UNSUPPORTED_FORMAT,
    FILE_TOO_LARGE,
    TOO_MANY_PAGES,
    TOO_MANY_FACTS,
    REPEATED_TABLES,
    # read, and found wanting
    UNREADABLE_DOCUMENT,
    NOT_A_BUDGET_DISCLOSURE,
    UNIT_NOT_FOUND,
    FISCAL_YEAR_NOT_FOUND,
    # a parser bug, or rows the warehouse refused
    EXTRACTION_ERROR,
    LOAD_REJECTED,
)


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


def load_disclosure_file(con: duckdb.DuckDBPyConnection, path: Path) -> LoadOutcome:
    """Extract ``path`` and replace its rows in the raw layer, or quarantine it.

    Never raises for anything about the file — a link out of the raw folder, a directory, a file that is
    gone or changes while it is read, a reader or parser bug: each is an outcome.  Only a failure of the
    warehouse itself raises.
    """
    if not (path.exists() or path.is_symlink()):
        return LoadOutcome(file_name=path.name, status=MISSING)
    problem = inbox_problem(path)
    if problem is not None:  # not opened: a link out of the raw folder, a dangling link, a directory …
        return _quarantine(con, path, *problem, document_id=entry_id(path))
    try:
        extraction = extract_file(path)
    except FileNotFoundError:  # removed between discovery and reading
        return LoadOutcome(file_name=path.name, status=MISSING)
    except RejectedDocument as exc:  # refused: unsupported format, empty, over a limit
        return _quarantine(con, path, exc.reason, str(exc))
    except NotABudgetDisclosure as exc:
        return _quarantine(con, path, NOT_A_BUDGET_DISCLOSURE, str(exc))
    except IdentityNotFound as exc:  # a disclosure whose unit or year cannot be established
        return _quarantine(con, path, exc.reason, str(exc))
    except UnreadableDocument as exc:
        return _quarantine(con, path, UNREADABLE_DOCUMENT, str(exc))
    except Exception as exc:  # noqa: BLE001 — a parser bug is this document's problem, not the load's
        return _quarantine(con, path, EXTRACTION_ERROR, _describe(exc))
    try:
        load_extraction(con, extraction)
    except (duckdb.IntegrityError, duckdb.DataError, duckdb.InvalidInputException) as exc:  # the rows, not
        # the warehouse: a constraint, a value out of range (an amount over DECIMAL(20, 6)), a bad string
        return _quarantine(con, path, LOAD_REJECTED, _describe(exc))
    doc = extraction.document
    return LoadOutcome(
        file_name=path.name,
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


def _quarantine(
    con: duckdb.DuckDBPyConnection, path: Path, reason: str, detail: str, document_id: str | None = None
) -> LoadOutcome:
    if document_id is None:
        try:
            document_id = document_id_for(path)
        except OSError:  # removed while it was being read
            return LoadOutcome(file_name=path.name, status=MISSING)
    record_quarantine(con, path.name, document_id, reason, detail)
    return LoadOutcome(
        file_name=path.name, status=QUARANTINED, document_id=document_id, reason=reason, detail=detail
    )


def _describe(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {Path(frame[0].filename).name}:{frame[0].lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"
