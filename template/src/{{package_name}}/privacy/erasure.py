"""Right to erasure (GDPR art. 17): remove one subject from every place the pipeline stored it,
and say which places it cannot reach.

A subject is a customer id or an email address. It is resolved to every id and email it used,
from the warehouse and from the raw zone and the quarantine, where rows are kept as received:
a customer row quarantined for a malformed id or email still names the subject.

* warehouse: silver rows deleted (by id, or by email pseudonym), gold days recomputed,
  per-customer features deleted, and the lake's gold snapshots rewritten from them;
* lake: rows removed from every zone. Masked zones (validated, clean) are matched by id and
  pseudonym; the raw zone and the quarantine by id and email as received, ignoring case and
  surrounding spaces, and unparseable lines by any mention. A mention of the subject's email
  in someone else's free text there is replaced by [erased], the row kept;
* texts: batch states, the lineage file, ops.audit_runs.error and ops.quality_results.detail
  never hold row content (see redaction.safe_error); they are still searched and scrubbed.

What it cannot reach is reported, never silently skipped: backups, the source systems (input
files that mention the subject are listed), copies already exported, and files the ingestion
stage quarantined whole (kept byte for byte, so they are listed, not edited).

The erasure is recorded in ops.erasures and ops.audit_runs under the subject's pseudonym
only: the audit trail must not keep what it erased. A subject found nowhere is recorded as
`not_found`, not as erased.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from ..config import PIPELINE_NAME, TRANSFORMATIONS
from ..contracts import Contract
from ..pipeline import Pipeline
from ..sinks.lake import (
    Zone,
    read_parquet,
    scan_parquet,
    write_parquet_atomic,
    write_zone_frame,
)
from ..sinks.warehouse import Warehouse, quote
from ..transforms.aggregate import GOLD_TABLES
from .keys import pii_key
from .masking import pseudonymise

# Zones holding masked values (matched by token) and zones holding values as received.
MASKED_ZONES: tuple[Zone, ...] = ("validated", "clean")
CLEAR_ZONES: tuple[Zone, ...] = ("quarantine", "raw")
ERASED = "[erased]"
# Columns of a raw/quarantine row that hold a whole unparseable line.
RAW_LINE = "_raw_line"
# Text stores in the warehouse: (table, key column, text column).
WAREHOUSE_TEXTS = (("audit_runs", "run_id", "error"), ("quality_results", "run_id", "detail"))
_CHUNK = 8 * 1024 * 1024


@dataclass
class ErasureReport:
    erasure_id: str
    subject_token: str
    customer_ids: list[str]
    # place -> rows (or texts) removed
    rows_removed: dict[str, int] = field(default_factory=dict)
    # places the pipeline cannot reach: someone must erase there by hand
    not_reached: list[str] = field(default_factory=list)
    # files that mention the subject but cannot be edited by the pipeline (part of not_reached)
    files_by_hand: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.rows_removed.values())

    @property
    def found(self) -> bool:
        return self.total > 0 or bool(self.files_by_hand)

    @property
    def outcome(self) -> str:
        return "erased" if self.found else "not_found"


@dataclass(frozen=True)
class Subject:
    ids: frozenset[str]  # upper-cased, trimmed
    tokens: frozenset[str]  # pseudonymised emails, as stored after masking
    emails: frozenset[str]  # emails as received, trimmed and lower-cased

    @property
    def needles(self) -> list[str]:
        """Every value to look for in text, longest first."""
        return sorted(self.ids | self.emails, key=len, reverse=True)


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
    """Remove one subject everywhere the pipeline keeps data, under the run lock: a run
    loading at the same time could otherwise write the subject's rows back."""
    with pipeline.locked("erase"):
        return _erase(pipeline, subject_value)


def _erase(pipeline: Pipeline, subject_value: str) -> ErasureReport:
    key = pii_key(pipeline.settings)
    subject = _resolve(pipeline, subject_value.strip(), key)
    report = ErasureReport(
        erasure_id=str(uuid.uuid4()),
        subject_token=token_of(subject_value, key),
        customer_ids=sorted(subject.ids),
    )
    now = datetime.now(UTC)
    with pipeline.warehouse() as wh, wh.transaction():
        days = _gold_days(pipeline, wh, subject)
        for dataset, contract in pipeline.contracts.items():
            where, params = _sql_predicate(contract, subject)
            if where and wh.table_exists("silver", dataset):
                deleted = wh.execute(f"DELETE FROM silver.{quote(dataset)} WHERE {where}", params)
                _add(report, f"warehouse silver.{dataset}", int(deleted[0][0]))
        _refresh_gold(wh, subject, days, report)
        for zone in (*MASKED_ZONES, *CLEAR_ZONES):
            for dataset, contract in pipeline.contracts.items():
                _erase_from_zone(pipeline, zone, dataset, contract, subject, report)
        _erase_from_lake_tables(pipeline, subject, report)
        _scrub_warehouse_texts(wh, subject, report)
        _rewrite_gold_snapshots(pipeline, wh)
        _scrub_files(_text_files(pipeline), subject, report)
        _list_by_hand(pipeline, subject, report)
        wh.execute(
            "INSERT INTO ops.erasures (erasure_id, subject_token, requested_by, requested_at, "
            "rows_removed, outcome, not_reached) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                report.erasure_id,
                report.subject_token,
                pipeline.settings.user,
                now,
                json.dumps(report.rows_removed),
                report.outcome,
                json.dumps(report.not_reached),
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
            outcome="success" if report.found else "subject_not_found",
            counts=report.rows_removed,
        )
    return report


def _add(report: ErasureReport, place: str, count: int) -> None:
    if count:
        report.rows_removed[place] = report.rows_removed.get(place, 0) + count


# -- who the subject is ----------------------------------------------------------------------
def _resolve(pipeline: Pipeline, value: str, key: str) -> Subject:
    """Every id, token and raw email that belongs to the subject."""
    is_email = "@" in value
    ids: set[str] = set() if is_email else {value.upper()}
    emails: set[str] = {value.lower()} if is_email else set()
    tokens: set[str] = {token_of(value, key)} if is_email else set()
    reference = next((c for c in pipeline.contracts.values() if c.role == "reference"), None)
    if reference is not None:
        (id_column, *_), email_columns = subject_columns(reference)
        with pipeline.warehouse() as wh:
            if wh.table_exists("silver", reference.dataset) and email_columns:
                stored = wh.read_silver(reference.dataset)
                match = stored.filter(
                    _normalised_id(id_column).is_in(sorted(ids))
                    | pl.col(email_columns[0]).is_in(sorted(tokens))
                )
                ids |= {v.strip().upper() for v in match.get_column(id_column).drop_nulls()}
                tokens |= set(match.get_column(email_columns[0]).drop_nulls().to_list())
    # Raw rows and the quarantine hold ids and emails as received: collect every id and
    # address the subject used, until nothing new turns up (a new email may lead to an id).
    clear = [
        (frame, *subject_columns(contract))
        for contract in pipeline.contracts.values()
        for zone in CLEAR_ZONES
        for frame in _frames(pipeline, zone, contract.dataset, subject_columns(contract))
    ]
    while True:
        before = len(ids) + len(emails)
        for frame, id_columns, email_columns in clear:
            if not id_columns or not email_columns:
                continue
            rows = frame.filter(_clear_row_match(id_columns, email_columns, ids, emails))
            for column in id_columns:
                ids |= {
                    v.strip().upper() for v in rows.get_column(column).drop_nulls() if v.strip()
                }
            for column in email_columns:
                emails |= {
                    v.strip().lower() for v in rows.get_column(column).drop_nulls() if v.strip()
                }
        if len(ids) + len(emails) == before:
            break
    tokens |= {token_of(email, key) for email in emails}
    return Subject(frozenset(ids), frozenset(tokens), frozenset(emails))


def _frames(
    pipeline: Pipeline, zone: Zone, dataset: str, columns: tuple[list[str], list[str]]
) -> Iterator[pl.DataFrame]:
    """The zone's id and email columns of a dataset (only those: the raw zone can be big)."""
    wanted = [*columns[0], *columns[1]]
    for path in pipeline.lake.files(zone, dataset):
        scan = scan_parquet(path)
        present = [c for c in wanted if c in scan.collect_schema().names()]
        yield scan.select(present).collect()


def _normalised_id(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars().str.to_uppercase()


def _normalised_email(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase()


def _clear_row_match(
    id_columns: Iterable[str], email_columns: Iterable[str], ids: set[str], emails: set[str]
) -> pl.Expr:
    """A raw or quarantined row of the subject: its id or email, as received."""
    conditions = [_normalised_id(c).is_in(sorted(ids)) for c in id_columns]
    conditions += [_normalised_email(c).is_in(sorted(emails)) for c in email_columns]
    return pl.any_horizontal(conditions).fill_null(False) if conditions else pl.lit(False)


def _mentions(column: str, needles: Iterable[str]) -> pl.Expr:
    """The text of `column` mentions one of `needles` (any case; ids as whole words)."""
    alternatives = [
        rf"\b{re.escape(n)}\b" if re.fullmatch(r"\w+", n) else re.escape(n) for n in needles
    ]
    if not alternatives:
        return pl.lit(False)
    pattern = "(?i)(?:" + "|".join(alternatives) + ")"
    return pl.col(column).str.contains(pattern).fill_null(False)


# -- the lake --------------------------------------------------------------------------------
def _erase_from_zone(
    pipeline: Pipeline,
    zone: Zone,
    dataset: str,
    contract: Contract,
    subject: Subject,
    report: ErasureReport,
) -> None:
    id_columns, email_columns = subject_columns(contract)
    masked = zone in MASKED_ZONES
    if masked and not id_columns and not email_columns:
        return  # masked rows of a dataset without subject columns cannot name the subject
    for path in pipeline.lake.files(zone, dataset):
        frame = read_parquet(path)
        present_ids = [c for c in id_columns if c in frame.columns]
        present_emails = [c for c in email_columns if c in frame.columns]
        if masked:
            conditions = [_normalised_id(c).is_in(sorted(subject.ids)) for c in present_ids]
            conditions += [pl.col(c).is_in(sorted(subject.tokens)) for c in present_emails]
            condition = (
                pl.any_horizontal(conditions).fill_null(False) if conditions else pl.lit(False)
            )
        else:
            condition = _clear_row_match(
                present_ids, present_emails, set(subject.ids), set(subject.emails)
            )
            if RAW_LINE in frame.columns:
                condition = condition | _mentions(RAW_LINE, subject.needles)
        kept = frame.filter(~condition)
        mentions = 0
        if not masked and subject.emails:
            # Someone else's free text naming the subject: the mention goes, the row stays.
            texts = [
                c
                for c, dtype in kept.schema.items()
                if dtype == pl.String and c not in (*present_ids, *present_emails, RAW_LINE)
            ]
            pattern = "(?i)" + "|".join(re.escape(e) for e in sorted(subject.emails))
            if texts:
                mentions = kept.select(
                    pl.sum_horizontal(
                        pl.col(c).str.contains(pattern).fill_null(False) for c in texts
                    )
                    .gt(0)
                    .sum()
                ).item()
                if mentions:
                    kept = kept.with_columns(
                        pl.col(c).str.replace_all(pattern, ERASED) for c in texts
                    )
        removed = frame.height - kept.height
        if removed or mentions:
            # In the zone data's layout: the clean zone of a fact stays in its hour folders.
            write_zone_frame(kept, path, pipeline.lake.partitioned_by(zone, contract))
        _add(report, f"lake {zone}/{dataset}", removed)
        _add(report, f"lake {zone}/{dataset} (mentions in free text)", int(mentions))


def _erase_from_lake_tables(pipeline: Pipeline, subject: Subject, report: ErasureReport) -> None:
    """The lake's tables (Delta) hold clean rows: matched as the clean zone is, by id and
    pseudonym. The table deletes them and the files that held them (sinks/delta.py)."""
    for dataset, contract in pipeline.contracts.items():
        id_columns, email_columns = subject_columns(contract)
        matches = [(c, subject.ids, True) for c in id_columns]
        matches += [(c, subject.tokens, False) for c in email_columns]
        if not matches:
            continue
        deleted = pipeline.erase_from_lake_tables(dataset, matches)
        if deleted is not None:
            _add(report, f"lake tables {dataset}", deleted)


def _rewrite_gold_snapshots(pipeline: Pipeline, wh: Warehouse) -> None:
    """The lake's copies of the gold tables, as they are after the erasure."""
    names = [g.name for g in GOLD_TABLES] if "aggregation" in TRANSFORMATIONS else []
    names += ["customer_features"] if "ml_features" in TRANSFORMATIONS else []
    for table in names:
        snapshot = pipeline.lake.gold_file(table)
        if snapshot.exists() and wh.table_exists("gold", table):
            write_parquet_atomic(wh.query(f"SELECT * FROM gold.{quote(table)}"), snapshot)


# -- texts -----------------------------------------------------------------------------------
def _text_pattern(subject: Subject) -> re.Pattern[str] | None:
    needles = subject.needles
    if not needles:
        return None
    return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)


def _text_files(pipeline: Pipeline) -> list[Path]:
    """Files of the pipeline's own bookkeeping: batch states and the lineage log."""
    files = sorted(pipeline.batches_dir.glob("*.json"))
    lineage = pipeline.settings.lineage_file
    return files + ([lineage] if lineage.exists() else [])


def _scrub_files(paths: Iterable[Path], subject: Subject, report: ErasureReport) -> None:
    pattern = _text_pattern(subject)
    if pattern is None:
        return
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        scrubbed, found = pattern.subn(ERASED, text)
        if found:
            temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            temporary.write_text(scrubbed, encoding="utf-8")
            temporary.replace(path)
            _add(report, f"text {path.parent.name}/{path.name}", found)


def _scrub_warehouse_texts(wh: Warehouse, subject: Subject, report: ErasureReport) -> None:
    pattern = _text_pattern(subject)
    if pattern is None:
        return
    for table, key, column in WAREHOUSE_TEXTS:
        rows = wh.execute(
            f"SELECT {quote(key)}, {quote(column)} FROM ops.{quote(table)} "
            f"WHERE {quote(column)} IS NOT NULL"
        )
        for row_key, text in rows:
            scrubbed, found = pattern.subn(ERASED, str(text))
            if found:
                wh.execute(
                    f"UPDATE ops.{quote(table)} SET {quote(column)} = ? "
                    f"WHERE {quote(key)} = ? AND {quote(column)} = ?",
                    [scrubbed, row_key, text],
                )
                _add(report, f"warehouse ops.{table}.{column}", found)


# -- what the pipeline cannot reach ----------------------------------------------------------
def _list_by_hand(pipeline: Pipeline, subject: Subject, report: ErasureReport) -> None:
    needles = [n.lower().encode() for n in subject.needles]
    quarantined_whole = [
        p for p in sorted((pipeline.lake.root / "quarantine").rglob("*")) if _whole_file(p)
    ]
    inputs = sorted(p for p in pipeline.settings.input_dir.rglob("*") if p.is_file())
    for path in quarantined_whole:
        if _file_mentions(path, needles):
            report.files_by_hand.append(f"lake quarantine file {path} (quarantined whole)")
    for path in inputs:
        if _file_mentions(path, needles):
            report.files_by_hand.append(f"input file {path} (the source system's delivery)")
    report.not_reached = [
        *report.files_by_hand,
        "the source systems that delivered the data: erase there first, or the subject "
        "is loaded again by the next delivery",
        "backups and snapshots of the warehouse and the lake: let them expire within the "
        "retention, or restore-and-erase",
        "copies already exported from the warehouse or the lake (extracts, BI caches, "
        "notebooks, files sent to third parties)",
    ]


def _whole_file(path: Path) -> bool:
    """A file in the quarantine that is not a batch of rows (data.parquet)."""
    return path.is_file() and not (path.name == "data.parquet" or path.name.endswith(".tmp"))


def _file_mentions(path: Path, needles: list[bytes]) -> bool:
    """Does the file contain one of `needles` (lower-cased UTF-8), in any ASCII case?"""
    if not needles:
        return False
    overlap = max(len(n) for n in needles)
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            window = (tail + chunk).lower()
            if any(n in window for n in needles):
                return True
            tail = window[-overlap:]
    return False


# -- the warehouse ---------------------------------------------------------------------------
def _sql_predicate(contract: Contract, subject: Subject) -> tuple[str, list[Any]]:
    id_columns, email_columns = subject_columns(contract)
    clauses: list[str] = []
    params: list[Any] = []
    for columns, values, normalise in (
        (id_columns, subject.ids, "upper(trim({}))"),
        (email_columns, subject.tokens, "{}"),
    ):
        for column in columns:
            if values:
                marks = ", ".join("?" for _ in values)
                clauses.append(f"{normalise.format(quote(column))} IN ({marks})")
                params += sorted(values)
    return " OR ".join(clauses), params


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
            built = gold.build(rows.lazy()).collect()
            wh.replace_partitions("gold", gold.name, built, gold.day_column, touched)
    if (
        "ml_features" in TRANSFORMATIONS
        and subject.ids
        and wh.table_exists("gold", "customer_features")
    ):
        marks = ", ".join("?" for _ in subject.ids)
        removed = wh.execute(
            f"DELETE FROM gold.customer_features WHERE upper(trim(customer_id)) IN ({marks})",
            sorted(subject.ids),
        )
        _add(report, "warehouse gold.customer_features", int(removed[0][0]))
