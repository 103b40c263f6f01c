"""Developer tools of the warehouse (not shipped with the extraction library)."""
