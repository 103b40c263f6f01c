"""One dynamic partition per arrival batch of the raw folder (``arrivals``), not one per file.

An arrival is a moment at which the folder was found to hold something the raw layer does not: a build
(``budget-warehouse build``) with work to do, a tick of ``raw_folder_sensor`` that saw the listing change, a
nightly run.  Its key is the UTC time it was found, ``20261201T020000Z``; a second arrival within the same
second gets a suffix (``20261201T020000Z-001``), so the keys are unique and sort in the order of arrival.

Materialising an arrival loads whatever the folder holds then that the raw layer does not (new and changed
files, removed files' documents go): re-materialising an old arrival is harmless.  Which file came when is
recorded in the raw layer itself (``raw.documents.file_name``, ``content_sha256``, ``loaded_at``), not in the
partitions: they grow by one per build or sensor tick with changes (a few hundred a year), not per file.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

arrivals = dg.DynamicPartitionsDefinition(name="arrivals")

KEY_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SUFFIX = 999  # arrivals within one second (``-001`` … ``-999``): zero-padded, so the keys still sort


def arrival_key(instance: dg.DagsterInstance, now: datetime | None = None) -> str:
    """A key for an arrival found at ``now`` (default: the current UTC time) that the instance does not hold."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).strftime(KEY_FORMAT)
    key, suffix = moment, 0
    while instance.has_dynamic_partition(arrivals.name, key):
        suffix += 1
        if suffix > MAX_SUFFIX:
            raise RuntimeError(f"more than {MAX_SUFFIX} arrivals registered within {moment}")
        key = f"{moment}-{suffix:03d}"
    return key


def add_arrival(instance: dg.DagsterInstance, now: datetime | None = None) -> str:
    """Register a new arrival partition in ``instance``; returns its key."""
    key = arrival_key(instance, now)
    instance.add_dynamic_partitions(arrivals.name, [key])
    return key
