"""Dagster on a cluster: dagster.yaml (queued runs, pools, retries, retention) and definitions.py (celery)."""
