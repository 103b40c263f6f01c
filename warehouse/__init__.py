"""The warehouse's contracts, shared by dagster_project, dashboard and tools: settings, files, publication, reason codes, the raw layer."""
