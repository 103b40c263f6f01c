"""The raw layer moved to ``warehouse.raw_layer``; this module re-exports it for the code that imports it
from here (``extract`` itself does not write the warehouse)."""

from warehouse.raw_layer import (
    MONEY,
    RAW_DDL,
    Batch,
    Quarantine,
    ensure_raw_schema,
    forget_documents_not_in,
    load_extraction,
    record_quarantine,
    write_batch,
)

__all__ = [
    "MONEY",
    "RAW_DDL",
    "Batch",
    "Quarantine",
    "ensure_raw_schema",
    "forget_documents_not_in",
    "load_extraction",
    "record_quarantine",
    "write_batch",
]
