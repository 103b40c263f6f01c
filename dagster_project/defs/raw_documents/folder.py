"""The raw folder of disclosures (the inbox): which entries count, and the id that names each one.

Every entry of the inbox whose name does not start with ``.`` gets an outcome — loaded, quarantined (with a
reason, ``docs/reliability.md``) or missing — whatever it is: a ``.txt`` or ``.pdf``, a ``.docx``, a directory,
a link.  Nothing dropped into the inbox is silently ignored.  ``listing_digest`` fingerprints the inbox's
listing without reading a byte (what ``raw_folder_sensor`` compares from tick to tick).

The inbox is a confinement boundary: a symbolic link is followed only when its target is inside the inbox
(another file of it); a link out of it (``outside_inbox``), a dangling link (``dangling_link``) and anything
that is not a regular file (``not_a_file``: a directory, a FIFO, a socket, a device) are quarantined without
being opened.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import dagster as dg

from extract.readers.registry import supported_suffixes
from warehouse.files import bytes_sha256, document_id
from warehouse.reasons import DANGLING_LINK, NOT_A_FILE, OUTSIDE_INBOX

DISCLOSURE_SUFFIXES = supported_suffixes()  # what the readers read (extract.readers.registry)

# reason codes of entries that are not opened (raw.quarantine.reason), declared in warehouse.reasons


def inbox_problem(path: Path) -> tuple[str, str] | None:
    """Why the entry ``path`` of the inbox must not be opened — ``(reason, detail)`` — or None for a regular
    file inside the inbox (or an entry that is gone: the caller tells "missing")."""
    inbox = path.parent.resolve()
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # the target is gone, or the links loop
            return DANGLING_LINK, f"a symbolic link to {os.readlink(path)!r}, which does not exist"
        if not target.is_relative_to(inbox):
            return OUTSIDE_INBOX, "a symbolic link to a file outside the raw folder: refused, not read"
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return NOT_A_FILE, "a directory in the raw folder: disclosures are files (not read)"
    if not stat.S_ISREG(mode):
        return NOT_A_FILE, "not a regular file (a FIFO, socket or device): not read"
    return None


def entry_id(path: Path) -> str:
    """The id of an entry whose content is not read: ``name:`` and the first hex digits of the sha256 of its
    name (16 characters like a content hash, but never equal to one)."""
    return "name:" + bytes_sha256(os.fsencode(path.name))[:11]


def document_id_for(path: Path) -> str:
    """The document id of an entry: sha256 of its bytes, first 16 hex digits (as ``extract`` computes it).

    An entry that must not be read (``inbox_problem``) or is over ``BUDGET_MAX_FILE_MB`` gets ``entry_id``
    instead, without a byte read.  Raises ``FileNotFoundError`` when the entry is gone.

    Used for files that fail before ``extract`` has assigned an id (quarantine) and to know which documents
    the folder still holds.
    """
    from extract.pipeline import Limits

    if inbox_problem(path) is not None:
        return entry_id(path)
    if not path.exists():
        raise FileNotFoundError(path)
    if path.stat().st_size > Limits.from_env().max_file_bytes:
        return entry_id(path)
    return document_id(path)


def disclosure_files(raw_dir: Path) -> list[Path]:
    """Every entry of ``raw_dir`` whose name does not start with ``.`` (files of any suffix, directories,
    links), sorted by name: each is loaded or quarantined."""
    if not raw_dir.is_dir():
        return []
    return sorted(path for path in raw_dir.iterdir() if not path.name.startswith("."))


def listing_digest(raw_dir: Path) -> str:
    """A digest of the listing of ``raw_dir``: the name, size and modification time (ns) of every entry of
    ``disclosure_files`` — one ``stat`` each (a link's target's, else the link's own), no byte read."""
    digest = hashlib.sha256()
    for path in disclosure_files(raw_dir):
        try:
            info = path.stat()
        except OSError:  # a dangling link, or gone since the listing
            try:
                info = path.lstat()
            except OSError:
                continue
        name = os.fsencode(path.name)
        digest.update(b"%d:%s\0%d\0%d\n" % (len(name), name, info.st_size, info.st_mtime_ns))
    return digest.hexdigest()[:32]


class RawFolderResource(dg.ConfigurableResource):
    """The folder the disclosures are dropped into (``BUDGET_RAW_DIR``)."""

    path: str

    @property
    def directory(self) -> Path:
        return Path(self.path)

    def files(self) -> list[Path]:
        return disclosure_files(self.directory)

    def listing_digest(self) -> str:
        return listing_digest(self.directory)
