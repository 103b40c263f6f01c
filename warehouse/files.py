"""A file's content hash and the document id derived from it: the one definition (no dependencies).

``document_id`` = the first 16 hex digits of the sha256 of the file's bytes: the key of ``raw.documents``,
computed by the readers (``extract.readers``), the raw folder (``dagster_project.defs.raw_documents.folder``)
and the publisher (which checks a source file still matches before copying it).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

DOCUMENT_ID_LENGTH = 16
CHUNK_BYTES = 1 << 20


def bytes_sha256(data: bytes) -> str:
    """The sha256 of ``data``, as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """The sha256 of the file's bytes, as 64 hex digits (read in chunks of 1 MiB)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def id_of_digest(sha256: str) -> str:
    """The document id of a content hash: its first 16 hex digits."""
    return sha256[:DOCUMENT_ID_LENGTH]


def document_id(path: Path) -> str:
    """The document id of a file: the first 16 hex digits of the sha256 of its bytes."""
    return id_of_digest(file_sha256(path))
