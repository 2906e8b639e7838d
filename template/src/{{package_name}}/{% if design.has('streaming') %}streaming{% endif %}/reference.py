"""Reference data for enriching the stream, as the batch enriches its facts.

The stream's contract names, per foreign key, the reference columns to add
(`events.user_id -> customers.country` becomes `user_country`, contracts.py's `Enrichment`).
Reference records arrive as messages (a compacted topic per reference dataset, or a file of
them for a replay), are validated with their own contract and masked with the batch's
tokens, then kept by key: the fact's foreign key is masked with the same tokens, so masked
values meet as they do in the batch's join. A fact whose reference is unknown gets nulls,
like the batch's left join.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..contracts import Contract
from ..privacy.records import mask_record
from ..rules import RecordChecker, read_json_record
from .core import jsonable


@dataclass
class ReferenceCounts:
    received: int = 0
    stored: int = 0
    rejected: int = 0


class ReferenceData:
    """The reference rows the stream's facts are enriched with, in a mapping the engine
    provides (`"<dataset>|<key>"` -> the enrich columns' values)."""

    def __init__(
        self,
        fact: Contract,
        references: Mapping[str, Contract],
        pii_key: str,
        rows: MutableMapping[str, dict[str, Any]] | None = None,
    ) -> None:
        self.enrichments = tuple(e for e in fact.enrichments if e.reference.dataset in references)
        self.references = {
            name: contract
            for name, contract in references.items()
            if any(e.reference.dataset == name for e in self.enrichments)
        }
        self.checkers = {name: RecordChecker(c) for name, c in self.references.items()}
        self.pii_key = pii_key
        self.rows: MutableMapping[str, dict[str, Any]] = {} if rows is None else rows
        self.counts = ReferenceCounts()

    def update(self, dataset: str, message: str | bytes, now: datetime | None = None) -> str | None:
        """Store one reference record (the latest per key wins); the reasons it was refused,
        by column name only, or None."""
        self.counts.received += 1
        contract = self.references[dataset]
        raw, read_error = read_json_record(message, contract)
        reasons = [read_error] if read_error is not None else []
        record = None
        if raw is not None and not reasons:
            record, reasons = self.checkers[dataset].check(raw, now or datetime.now(UTC))
        if record is None:
            self.counts.rejected += 1
            return "; ".join(reasons)
        masked = jsonable(mask_record(record, contract, self.pii_key))
        for enrichment in self.enrichments:
            ref = enrichment.reference
            if ref.dataset == dataset and masked.get(ref.column) is not None:
                values = {name: masked.get(name) for name in ref.enrich_columns}
                self.rows[f"{dataset}|{masked[ref.column]}"] = values
        self.counts.stored += 1
        return None

    def load(self, dataset: str, path: Path) -> None:
        """A file of reference messages, one per line (a snapshot, or a replay's input)."""
        with path.open("rb") as lines:
            for line in lines:
                if line.strip():
                    self.update(dataset, line)

    def enrich(self, event: dict[str, Any]) -> dict[str, Any]:
        """`event` (masked) with the reference columns added; null where no reference row
        matches."""
        enriched = dict(event)
        for enrichment in self.enrichments:
            ref = enrichment.reference
            key = event.get(enrichment.column)
            found = None if key is None else self.rows.get(f"{ref.dataset}|{key}")
            for name in ref.enrich_columns:
                enriched[enrichment.name(name)] = None if found is None else found.get(name)
        return enriched
