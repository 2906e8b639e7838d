"""Enrich facts with reference data, following the contracts' foreign keys."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..contracts import Contract


@dataclass(frozen=True)
class Lookup:
    """One foreign key's reference columns: a row per key, ready to left-join."""

    column: str  # the fact's foreign key, e.g. orders.customer_id
    rows: pl.DataFrame  # the key (under the fact's column name) and the prefixed columns


def lookups(contract: Contract, references: dict[str, pl.DataFrame]) -> list[Lookup]:
    """The `enrichColumns` of each dataset the contract references, one row per key (the
    last wins). Built once per dataset and batch, then joined to every chunk.

    `references` holds the current reference rows (this batch's plus the warehouse's), so a
    fact row can be enriched even when its customer arrived in an earlier batch.
    """
    found: list[Lookup] = []
    for enrichment in contract.enrichments:
        ref = enrichment.reference
        if ref.dataset not in references:
            continue
        rows = (
            references[ref.dataset]
            .select(pl.col(ref.column).alias(enrichment.column), *ref.enrich_columns)
            .unique(subset=enrichment.column, keep="last")
            .rename({name: enrichment.name(name) for name in ref.enrich_columns})
        )
        found.append(Lookup(enrichment.column, rows))
    return found


def enrich_with(frame: pl.DataFrame, found: list[Lookup]) -> pl.DataFrame:
    """Left-join each lookup's columns; a missing match stays null."""
    for lookup in found:
        frame = frame.join(lookup.rows, on=lookup.column, how="left", coalesce=True)
    return frame


def enrich(
    frame: pl.DataFrame, contract: Contract, references: dict[str, pl.DataFrame]
) -> pl.DataFrame:
    """Left-join the `enrichColumns` of each referenced dataset; a missing match stays null."""
    return enrich_with(frame, lookups(contract, references))
