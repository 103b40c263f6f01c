"""How dbt resources appear in Dagster.

Every table of the dbt source ``raw`` (``raw.documents``, ``raw.tables``, ``raw.table_facts``,
``raw.prose_facts``, ``raw.extraction_warnings``, ``raw.quarantine``) is written by the load asset, so
all of them map to the one asset key ``raw_disclosure``: the graph reads raw_disclosure → staging → marts.
The dbt assets are not partitioned and depend on every partition (every arrival batch) of
``raw_disclosure``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

RAW_SOURCE_NAME = "raw"
RAW_DISCLOSURE_KEY = dg.AssetKey("raw_disclosure")


def _is_raw_source(props: Mapping[str, Any]) -> bool:
    return props.get("resource_type") == "source" and props.get("source_name") == RAW_SOURCE_NAME


class BudgetDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        # several sources collapse onto raw_disclosure
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if _is_raw_source(dbt_resource_props):
            return RAW_DISCLOSURE_KEY
        return super().get_asset_key(dbt_resource_props)

    def get_partition_mapping(
        self, dbt_resource_props: Mapping[str, Any], dbt_parent_resource_props: Mapping[str, Any]
    ) -> dg.PartitionMapping | None:
        if _is_raw_source(dbt_parent_resource_props):
            return dg.AllPartitionMapping()
        return super().get_partition_mapping(dbt_resource_props, dbt_parent_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Group by the folder under ``models/`` (staging, intermediate, marts); seeds go to ``reference``."""
        resource_type = dbt_resource_props.get("resource_type")
        if resource_type == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn") or []
        if resource_type in ("model", "snapshot") and len(fqn) > 2:
            return fqn[1]
        return "transform"
