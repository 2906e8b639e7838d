"""OpenLineage run events (START, COMPLETE, FAIL) for every batch.

By default they are appended to a JSON-lines file (settings.lineage_file). Set
OPENLINEAGE_URL (or OPENLINEAGE_CONFIG) to send them to Marquez or any other backend with the
client's own configuration instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    RunFacet,
    error_message_run,
    output_statistics_output_dataset,
)
from openlineage.client.transport.file import FileConfig, FileTransport

from ..config import PIPELINE_NAME

PRODUCER = f"https://example.invalid/{PIPELINE_NAME}"


def _client(lineage_file: Path) -> OpenLineageClient:
    if os.environ.get("OPENLINEAGE_URL") or os.environ.get("OPENLINEAGE_CONFIG"):
        return OpenLineageClient()
    lineage_file.parent.mkdir(parents=True, exist_ok=True)
    config = FileConfig(log_file_path=str(lineage_file), append=True)
    return OpenLineageClient(transport=FileTransport(config))


class Lineage:
    def __init__(self, lineage_file: Path, warehouse_file: Path) -> None:
        self.client = _client(lineage_file)
        self.warehouse_namespace = f"duckdb://{warehouse_file.resolve()}"

    def emit(
        self,
        state: RunState,
        run_id: str,
        job: str,
        inputs: Sequence[str] = (),
        outputs: Mapping[str, int] | None = None,
        error: str | None = None,
    ) -> None:
        facets: dict[str, RunFacet] = {}
        if error:
            facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=error, programmingLanguage="python"
            )
        event = RunEvent(
            eventType=state,
            eventTime=datetime.now(UTC).isoformat(),
            run=Run(runId=run_id, facets=facets),
            job=Job(namespace=PIPELINE_NAME, name=job),
            producer=PRODUCER,
            inputs=[InputDataset(namespace="file", name=path) for path in inputs],
            outputs=[
                OutputDataset(
                    namespace=self.warehouse_namespace,
                    name=f"silver.{table}",
                    outputFacets={
                        "outputStatistics": (
                            output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                                rowCount=rows
                            )
                        )
                    },
                )
                for table, rows in (outputs or {}).items()
            ],
        )
        self.client.emit(event)
