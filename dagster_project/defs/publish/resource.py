"""The ``published`` resource: where the read-only copy of the marts is written."""

from pathlib import Path

import dagster as dg


class PublishedMartsResource(dg.ConfigurableResource):
    """The published DuckDB file (``BUDGET_PUBLISHED``, default ``<warehouse dir>/published/budget_marts.duckdb``)."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path)
