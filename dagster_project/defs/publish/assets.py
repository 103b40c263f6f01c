"""``published_marts``: after the dbt marts, a read-only copy of them for the dashboard and BI tools.

The copy is written aside and renamed over the published file (``dagster_project.publish``), so readers of
the published file never block the build and never see a half-done one.  It runs after every dbt asset of
the ``marts`` group; when ``dbt build`` fails the step is skipped and the previous publication stays.

After the copy it writes the open release of that publication (``dagster_project.export``: Parquet, CSV,
datapackage.json, data dictionary) to ``release/`` beside the published file, built in a temporary folder,
validated and renamed into place; an export that fails fails the step (the new publication stays, the
previous release too).
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.build_lock import warehouse_lock
from dagster_project.defs.marts.assets import budget_warehouse_dbt
from dagster_project.defs.pools import DUCKDB_WRITER_POOL
from dagster_project.defs.publish.resource import PublishedMartsResource
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.export import export_release, release_dir

# the build's release validates the first rows of each table (schemas, types, keys); `budget-warehouse
# export` validates every row
RELEASE_VALIDATE_ROWS = 20_000
from dagster_project.publish import PUBLISHED_MARTS_ASSET, publish_marts

MARTS_GROUP = "marts"
PUBLISHED_MARTS_KEY = dg.AssetKey(PUBLISHED_MARTS_ASSET)
MARTS_KEYS = [spec.key for spec in budget_warehouse_dbt.specs if spec.group_name == MARTS_GROUP]


@dg.asset(
    key=PUBLISHED_MARTS_KEY,
    deps=MARTS_KEYS,
    pool=DUCKDB_WRITER_POOL,  # reads the warehouse: not while another step writes it
    group_name="published",
    kinds={"duckdb"},
    description=(
        "发布 — a read-only copy of every marts.* table (plus published.documents, "
        "published.publication and the source files), written aside "
        "and renamed over the published file in one step. The dashboard and BI tools read only this file. "
        "Then the open release beside it (release/: Parquet, CSV, datapackage.json, data dictionary)."
    ),
)
def published_marts(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    raw_folder: RawFolderResource,
    published: PublishedMartsResource,
) -> dg.MaterializeResult:
    with warehouse_lock(Path(duckdb.database)):  # re-entrant: free inside `budget-warehouse build`
        publication = publish_marts(
            Path(duckdb.database), published.file, raw_dir=raw_folder.directory, run_id=context.run.run_id
        )
        context.log.info(
            f"published {publication.published_documents} document(s) to {publication.path} "
            f"({publication.source_files} source file(s))"
        )
        release = export_release(
            publication.path, release_dir(publication.path), validate_rows=RELEASE_VALIDATE_ROWS
        )
        context.log.info(f"wrote the release ({len(release.files)} file(s)) to {release.out_dir}")
    tables = "\n".join(
        ["| table | rows |", "|---|---|"] + [f"| {t} | {n} |" for t, n in publication.table_rows.items()]
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(publication.path)),
            "published_at_utc": dg.MetadataValue.text(publication.published_at.isoformat(timespec="seconds")),
            "published_documents": dg.MetadataValue.int(publication.published_documents),
            "source_files": dg.MetadataValue.int(publication.source_files),
            "tables": dg.MetadataValue.md(tables),
            "release": dg.MetadataValue.path(str(release.out_dir)),
        }
    )
