"""The Dagster deployment for a cluster (deploy/cluster, docs/scaling.md): its code location passes
``dagster definitions validate``, its instance config passes Dagster's schema.  Needs the optional group
``cluster`` (dagster-celery, dagster-postgres): ``uv sync --group cluster`` or ``make validate-cluster``."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "deploy" / "cluster"
MISSING = [m for m in ("dagster_celery", "dagster_postgres") if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"the optional dependency group `cluster` is not installed ({', '.join(MISSING)} missing): "
    "uv sync --group cluster, or make validate-cluster",
)


def test_cluster_definitions_pass_dagster_validate(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "deploy.cluster.definitions"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "Validation successful for code location deploy.cluster.definitions" in output


def test_cluster_definitions_run_the_load_on_celery_and_dbt_on_the_lake():
    from deploy.cluster.definitions import DBT_POOL, LAKE_WRITER_POOL, RUN_POOL_TAG, defs

    load = defs.resolve_job_def("load_disclosures_cluster")
    assert load.executor_def.name == "budget_celery_executor"
    assert load.tags[RUN_POOL_TAG] == "writer"
    marts = defs.resolve_job_def("build_marts_cluster")
    assert marts.tags[RUN_POOL_TAG] == "dbt"
    pools = {node.definition.pool for node in load.graph.node_dict.values()} | {
        node.definition.pool for node in marts.graph.node_dict.values()
    }
    assert pools == {LAKE_WRITER_POOL, DBT_POOL}
    assert defs.resources["dbt"].target == "ducklake"


def test_cluster_instance_config_passes_dagsters_schema():
    from dagster._core.instance.config import dagster_instance_config

    config, _ = dagster_instance_config(str(CLUSTER))
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    runs = config["concurrency"]["runs"]
    assert runs["max_concurrent_runs"] == 16
    limits = {(t["key"], t["value"]): t["limit"] for t in runs["tag_concurrency_limits"]}
    assert limits == {("budget/pool", "writer"): 8, ("budget/pool", "dbt"): 1}
    assert config["run_retries"]["enabled"] and config["run_retries"]["max_retries"] == 2
    assert config["retention"]["sensor"]["purge_after_days"]["skipped"] == 1
