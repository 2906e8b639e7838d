"""Enrich facts with reference data, following the contracts' foreign keys."""

from __future__ import annotations

import polars as pl

from ..contracts import Contract


def enrich(
    frame: pl.DataFrame, contract: Contract, references: dict[str, pl.DataFrame]
) -> pl.DataFrame:
    """Left-join the `enrichColumns` of each referenced dataset; a missing match stays null.

    `references` holds the current reference rows (this batch's plus the warehouse's), so a
    fact row can be enriched even when its customer arrived in an earlier batch.
    """
    for column in contract.columns:
        ref = column.references
        if ref is None or not ref.enrich_columns or ref.dataset not in references:
            continue
        lookup = (
            references[ref.dataset]
            .select(pl.col(ref.column).alias(column.name), *ref.enrich_columns)
            .unique(subset=column.name, keep="last")
        )
        # orders.customer_id -> customer_country; events.user_id -> user_country
        prefix = column.name.removesuffix("_id")
        prefixed = {name: f"{prefix}_{name}" for name in ref.enrich_columns}
        frame = frame.join(lookup.rename(prefixed), on=column.name, how="left", coalesce=True)
    return frame
