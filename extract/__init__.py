"""Extraction library for Chinese budget disclosures (部门预算): no Dagster here, the assets call it.

``extract_file(path)`` reads one disclosure and returns an ``Extraction`` (see ``extract.model``).
"""

from extract.model import Extraction, NotABudgetDisclosure, UnreadableDocument
from extract.pipeline import extract_document, extract_file, read_document

__all__ = [
    "Extraction",
    "NotABudgetDisclosure",
    "UnreadableDocument",
    "extract_document",
    "extract_file",
    "read_document",
]
