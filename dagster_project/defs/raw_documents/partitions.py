"""One dynamic partition per disclosure file (partition key = file name, e.g. ``000_report.txt``)."""

import dagster as dg

disclosures = dg.DynamicPartitionsDefinition(name="disclosures")


def sync_disclosure_partitions(instance: dg.DagsterInstance, file_names: list[str]) -> list[str]:
    """Make the partitions exactly the files of the folder; returns the partition keys in their order."""
    known = instance.get_dynamic_partitions(disclosures.name)
    for gone in sorted(set(known) - set(file_names)):
        instance.delete_dynamic_partition(disclosures.name, gone)
    new = [name for name in file_names if name not in known]
    if new:
        instance.add_dynamic_partitions(disclosures.name, new)
    return instance.get_dynamic_partitions(disclosures.name)
