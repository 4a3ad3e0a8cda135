"""The `seed-graph` flow: load race results into the knowledge graph (what `pitwall seed` does)."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from pitwall.stores.graph import DEFAULT_BATCH_SIZE
from tasks.graph import seed_results


@flow(name="seed-graph")
def seed_graph(data: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> dict[str, int]:
    report = seed_results(data, batch_size)
    log = get_run_logger()
    for rejected in report.rejected:
        log.warning("rejected %s", rejected)
    create_markdown_artifact(
        "\n".join([
            f"# Graph seeded from {data or 'the bundled 2019–2024 results'}",
            "",
            f"{report.rows_written} of {report.rows_read} rows written, {len(report.rejected)} rejected, "
            f"{len(report.merged_heat_races)} merged-heat races kept out of calibration, "
            f"{report.elapsed_seconds:.1f} s.",
            "",
            "| label | count |",
            "|---|---:|",
            *(f"| {label} | {count} |" for label, count in report.counts.items()),
        ]),
        key="graph-seed",
    )
    return report.counts
