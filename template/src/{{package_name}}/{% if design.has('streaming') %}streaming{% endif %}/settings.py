"""The project's stream settings, from the design (docs/SCALABILITY.md), and the processor
every engine builds from them."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from ..config import (
    STREAM_ALLOWED_LATENESS_SECONDS,
    STREAM_DATASET,
    STREAM_DEDUP_TTL_SECONDS,
    STREAM_GROUP_BY,
    STREAM_REFERENCE_TOPICS,
    STREAM_WINDOW_SECONDS,
    Settings,
)
from ..contracts import load_contracts
from ..privacy.keys import pii_key
from .archive import LakeArchive
from .core import StreamProcessor, StreamSettings, StreamState
from .reference import ReferenceData


def stream_settings() -> StreamSettings:
    return StreamSettings(
        allowed_lateness_s=STREAM_ALLOWED_LATENESS_SECONDS,
        window_s=STREAM_WINDOW_SECONDS,
        dedup_ttl_s=STREAM_DEDUP_TTL_SECONDS,
        group_by=STREAM_GROUP_BY,
    )


def lake_archive(settings: Settings) -> LakeArchive:
    """The lake archive of STREAM_DATASET's clean events, under the data dir."""
    contract = load_contracts(settings.contracts_dir)[STREAM_DATASET]
    return LakeArchive(settings.data_dir, STREAM_DATASET, contract.event_time)


def reference_data(
    settings: Settings, rows: MutableMapping[str, dict[str, Any]] | None = None
) -> ReferenceData | None:
    """The reference data of STREAM_DATASET's enrichments, kept in `rows` (a new dict by
    default); None when enrichment is not among the transformations."""
    if not STREAM_REFERENCE_TOPICS:
        return None
    contracts = load_contracts(settings.contracts_dir)
    references = {name: contracts[name] for name in STREAM_REFERENCE_TOPICS}
    return ReferenceData(contracts[STREAM_DATASET], references, pii_key(settings), rows)


def stream_processor(
    settings: Settings,
    state: StreamState | None = None,
    reference: ReferenceData | None = None,
) -> StreamProcessor:
    """The processor of STREAM_DATASET with the project's contracts and PII key, enriching
    from `reference` (by default its own, empty until fed)."""
    contract = load_contracts(settings.contracts_dir)[STREAM_DATASET]
    reference = reference or reference_data(settings)
    return StreamProcessor(contract, stream_settings(), pii_key(settings), state, reference)
