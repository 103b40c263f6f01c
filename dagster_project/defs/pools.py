"""Concurrency pools.  DuckDB allows one read-write process per file: every step that opens the warehouse
(the raw load, its checks, dbt) claims a slot of ``duckdb_writer``, whose limit is 1 (see
``dagster_project/dagster.yaml``)."""

DUCKDB_WRITER_POOL = "duckdb_writer"
