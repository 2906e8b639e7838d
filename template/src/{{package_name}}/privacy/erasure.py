"""Right to erasure (GDPR art. 17): remove one subject from every place the pipeline stored it.

A subject is a customer id or an email address. Their rows are deleted from the warehouse
(silver tables, per-customer features) and from every lake zone (validated, clean,
quarantine, and the raw zone, whose files are rewritten without them); the gold days they
counted in are recomputed. The erasure is recorded in ops.erasures and ops.audit_runs under
the subject's pseudonym only: the audit trail must not keep what it erased.

Which columns identify a subject comes from the contracts: the reference dataset's key, every
column with a foreign key to it, and every column with `format: email`.
The input files in the landing folder belong to the source system: erase there too.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from ..config import PIPELINE_NAME, TRANSFORMATIONS
from ..contracts import Contract
from ..pipeline import Pipeline
from ..sinks.lake import Zone, read_parquet, write_parquet_atomic
from ..sinks.warehouse import Warehouse, quote
from ..transforms.aggregate import GOLD_TABLES
from .keys import pii_key
from .masking import pseudonymise

# Zones holding masked values (matched by token) and zones holding values as received.
MASKED_ZONES: tuple[Zone, ...] = ("validated", "clean")
CLEAR_ZONES: tuple[Zone, ...] = ("quarantine", "raw")


@dataclass
class ErasureReport:
    subject_token: str
    customer_ids: list[str]
    rows_removed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows_removed.values())


@dataclass(frozen=True)
class Subject:
    ids: frozenset[str]
    tokens: frozenset[str]  # pseudonymised emails, as stored after masking
    emails: frozenset[str]  # emails as received (normalised), as stored in raw/quarantine


def token_of(value: str, key: str) -> str:
    """The pseudonym the pipeline stores for `value` (emails are lower-cased before masking)."""
    return str(pl.select(pseudonymise(pl.lit(value.strip().lower()), key)).item())


def subject_columns(contract: Contract) -> tuple[list[str], list[str]]:
    """(id columns, email columns) of a dataset."""
    ids = [
        c.name
        for c in contract.columns
        if (contract.role == "reference" and c.primary_key) or c.references is not None
    ]
    emails = [c.name for c in contract.columns if c.format == "email"]
    return ids, emails


def erase(pipeline: Pipeline, subject_value: str) -> ErasureReport:
    key = pii_key(pipeline.settings)
    subject = _resolve(pipeline, subject_value.strip(), key)
    report = ErasureReport(
        subject_token=token_of(subject_value, key), customer_ids=sorted(subject.ids)
    )
    now = datetime.now(UTC)
    with pipeline.warehouse() as wh, wh.transaction():
        days = _gold_days(pipeline, wh, subject)
        for dataset, contract in pipeline.contracts.items():
            where, params = _sql_predicate(contract, subject)
            if where and wh.table_exists("silver", dataset):
                deleted = wh.execute(f"DELETE FROM silver.{quote(dataset)} WHERE {where}", params)
                report.rows_removed[f"warehouse silver.{dataset}"] = int(deleted[0][0])
        _refresh_gold(wh, subject, days, report)
        for zone in (*MASKED_ZONES, *CLEAR_ZONES):
            for dataset, contract in pipeline.contracts.items():
                condition = _frame_predicate(contract, subject, masked=zone in MASKED_ZONES)
                removed = _rewrite_without(pipeline, zone, dataset, condition)
                if removed:
                    report.rows_removed[f"lake {zone}/{dataset}"] = removed
        wh.execute(
            "INSERT INTO ops.erasures VALUES (?, ?, ?, ?, ?)",
            [
                str(uuid.uuid4()),
                report.subject_token,
                pipeline.settings.user,
                now,
                json.dumps(report.rows_removed),
            ],
        )
        wh.record_run(
            run_id=str(uuid.uuid4()),
            batch_id=None,
            pipeline=PIPELINE_NAME,
            command="erase",
            run_by=pipeline.settings.user,
            started_at=now,
            ended_at=datetime.now(UTC),
            outcome="success",
            counts=report.rows_removed,
        )
    return report


def _resolve(pipeline: Pipeline, value: str, key: str) -> Subject:
    """Every id, token and raw email that belongs to the subject."""
    reference = next((c for c in pipeline.contracts.values() if c.role == "reference"), None)
    ids: set[str] = set() if "@" in value else {value}
    tokens: set[str] = {token_of(value, key)} if "@" in value else set()
    emails: set[str] = {value.lower()} if "@" in value else set()
    if reference is None:
        return Subject(frozenset(ids), frozenset(tokens), frozenset(emails))
    (id_column, *_), email_columns = subject_columns(reference)
    with pipeline.warehouse() as wh:
        if wh.table_exists("silver", reference.dataset) and email_columns:
            email_column = email_columns[0]
            stored = wh.read_silver(reference.dataset)
            match = stored.filter(
                pl.col(id_column).is_in(sorted(ids)) | pl.col(email_column).is_in(sorted(tokens))
            )
            ids |= set(match.get_column(id_column).to_list())
            tokens |= set(match.get_column(email_column).drop_nulls().to_list())
    # Raw rows hold the emails in clear: collect every address the subject used.
    for path in pipeline.lake.files("raw", reference.dataset):
        raw = read_parquet(path)
        for column in email_columns:
            normalised = pl.col(column).str.strip_chars().str.to_lowercase()
            rows = raw.filter(pl.col(id_column).str.strip_chars().is_in(sorted(ids)))
            emails |= set(rows.select(normalised).to_series().drop_nulls().to_list())
    return Subject(frozenset(ids), frozenset(tokens), frozenset(emails))


def _sql_predicate(contract: Contract, subject: Subject) -> tuple[str, list[Any]]:
    id_columns, email_columns = subject_columns(contract)
    clauses: list[str] = []
    params: list[Any] = []
    for columns, values in ((id_columns, subject.ids), (email_columns, subject.tokens)):
        for column in columns:
            if values:
                clauses.append(f"{quote(column)} IN ({', '.join('?' for _ in values)})")
                params += sorted(values)
    return " OR ".join(clauses), params


def _frame_predicate(contract: Contract, subject: Subject, *, masked: bool) -> pl.Expr | None:
    id_columns, email_columns = subject_columns(contract)
    emails = subject.tokens if masked else subject.emails
    conditions = [pl.col(c).str.strip_chars().is_in(sorted(subject.ids)) for c in id_columns]
    conditions += [
        pl.col(c).str.strip_chars().str.to_lowercase().is_in(sorted(emails)) for c in email_columns
    ]
    return pl.any_horizontal(conditions).fill_null(False) if conditions else None


def _rewrite_without(
    pipeline: Pipeline, zone: Zone, dataset: str, condition: pl.Expr | None
) -> int:
    if condition is None:
        return 0
    removed = 0
    for path in pipeline.lake.files(zone, dataset):
        frame = read_parquet(path)
        kept = frame.filter(~condition)
        if kept.height != frame.height:
            removed += frame.height - kept.height
            write_parquet_atomic(kept, path)
    return removed


def _gold_days(pipeline: Pipeline, wh: Warehouse, subject: Subject) -> dict[str, list[Any]]:
    """The gold days the subject's rows counted in (read before the rows are deleted)."""
    days: dict[str, list[Any]] = {}
    if "aggregation" not in TRANSFORMATIONS:
        return days
    for gold in GOLD_TABLES:
        where, params = _sql_predicate(pipeline.contracts[gold.source], subject)
        if where and wh.table_exists("silver", gold.source):
            rows = wh.execute(
                f"SELECT DISTINCT CAST({quote(gold.time_column)} AS DATE) "
                f"FROM silver.{quote(gold.source)} WHERE {where}",
                params,
            )
            days[gold.name] = [row[0] for row in rows]
    return days


def _refresh_gold(
    wh: Warehouse, subject: Subject, days: dict[str, list[Any]], report: ErasureReport
) -> None:
    for gold in GOLD_TABLES:
        touched = days.get(gold.name)
        if touched:
            marks = ", ".join("?" for _ in touched)
            rows = wh.read_silver(
                gold.source, f"CAST({gold.time_column} AS DATE) IN ({marks})", touched
            )
            wh.replace_partitions("gold", gold.name, gold.build(rows), gold.day_column, touched)
    if (
        "ml_features" in TRANSFORMATIONS
        and subject.ids
        and wh.table_exists("gold", "customer_features")
    ):
        marks = ", ".join("?" for _ in subject.ids)
        removed = wh.execute(
            f"DELETE FROM gold.customer_features WHERE customer_id IN ({marks})",
            sorted(subject.ids),
        )
        report.rows_removed["warehouse gold.customer_features"] = int(removed[0][0])
