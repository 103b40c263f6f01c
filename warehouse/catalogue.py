"""The column catalogue of the marts: per column, its Chinese and English label and how it is shown.

Declared once, in the marts' yml (``config: meta: {label_zh, label_en, format}`` of each column), read here from
dbt's manifest, and written by the publish step into the published file (``catalogue.marts_columns``), where
the dashboard reads it (``warehouse.publication.read_column_catalogue``).  The build summary reads the manifest.

``format`` is one of ``FORMATS``: ``money`` (万元, DECIMAL), ``share`` (a part of a whole, 0–1, shown in percent),
``percent`` (a rate that may pass 1, shown in percent), ``count`` (whole number), ``text``, ``year``.
"""

from __future__ import annotations

import json
from dataclasses import astuple, dataclass, fields
from pathlib import Path

FORMATS = ("money", "share", "percent", "count", "text", "year")
NUMERIC_FORMATS = ("money", "share", "percent", "count", "year")
MARTS_SCHEMA = "marts"


@dataclass(frozen=True)
class CatalogueColumn:
    table_name: str
    column_name: str
    position: int  # order of the column in the model's yml
    label_zh: str | None
    label_en: str | None
    format: str | None
    description: str | None


COLUMN_NAMES = tuple(f.name for f in fields(CatalogueColumn))


def manifest_path(dbt_project_dir: Path) -> Path:
    """The manifest ``dbt parse`` writes (``DbtProject.manifest_path``): ``<project>/target/manifest.json``."""
    return Path(dbt_project_dir) / "target" / "manifest.json"


def catalogue_from_manifest(manifest: dict, schema: str = MARTS_SCHEMA) -> list[CatalogueColumn]:
    """Every documented column of the models built into ``schema`` (their yml ``meta``; None where a column has
    none), by table, in yml order.  A ``format`` outside ``FORMATS`` raises ``ValueError``."""
    rows: list[CatalogueColumn] = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or (node.get("config") or {}).get("schema") != schema:
            continue
        for position, (name, column) in enumerate((node.get("columns") or {}).items()):
            meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
            fmt = meta.get("format")
            if fmt is not None and fmt not in FORMATS:
                raise ValueError(f"{node['name']}.{name}: format {fmt!r} is not one of {FORMATS}")
            rows.append(
                CatalogueColumn(
                    table_name=node.get("alias") or node["name"],
                    column_name=name,
                    position=position,
                    label_zh=meta.get("label_zh"),
                    label_en=meta.get("label_en"),
                    format=fmt,
                    description=column.get("description") or None,
                )
            )
    return sorted(rows, key=lambda r: (r.table_name, r.position))


def read_manifest_catalogue(dbt_project_dir: Path) -> list[CatalogueColumn]:
    """The catalogue of the project's manifest; empty when there is no manifest yet."""
    path = manifest_path(dbt_project_dir)
    if not path.exists():
        return []
    return catalogue_from_manifest(json.loads(path.read_text(encoding="utf-8")))


def as_rows(catalogue: list[CatalogueColumn]) -> list[tuple]:
    return [astuple(column) for column in catalogue]
