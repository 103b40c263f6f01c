"""The raw folder of disclosures: which files count, and the content hash that names a document."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg

DISCLOSURE_SUFFIXES = (".txt", ".pdf")


def document_id_for(path: Path) -> str:
    """The document id of a file: sha256 of its bytes, first 16 hex digits (as ``extract`` computes it).

    Used for files that fail before ``extract`` has assigned an id (quarantine) and to know which documents
    the folder still holds.
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def disclosure_files(raw_dir: Path) -> list[Path]:
    """The disclosures in ``raw_dir`` (``*.txt``, ``*.pdf``; hidden files skipped), sorted by name."""
    if not raw_dir.is_dir():
        return []
    return sorted(
        path
        for path in raw_dir.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in DISCLOSURE_SUFFIXES
    )


class RawFolderResource(dg.ConfigurableResource):
    """The folder the disclosures are dropped into (``BUDGET_RAW_DIR``); partition key = file name."""

    path: str

    @property
    def directory(self) -> Path:
        return Path(self.path)

    def files(self) -> list[Path]:
        return disclosure_files(self.directory)

    def file_for(self, partition_key: str) -> Path:
        return self.directory / partition_key
