"""Deployment configuration: deploy/cluster (a Dagster instance and code location for a cluster)."""
