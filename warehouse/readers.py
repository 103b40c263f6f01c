"""The reader registry, re-exported: which file suffixes the readers read (``extract.readers.registry``, which
owns the readers)."""

from extract.readers.registry import reader_format, supported_suffixes

__all__ = ["reader_format", "supported_suffixes"]
