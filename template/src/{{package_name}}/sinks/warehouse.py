"""The DuckDB warehouse: clean tables (silver), gold tables, and the pipeline's own ops tables.

Every batch lands in one transaction: merges, gold recomputation, processed-file records and
counts commit together or not at all, so a crash never leaves half a batch behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ..reliability import io_retry

SCHEMAS = ("silver", "gold", "ops")

OPS_TABLES = {
    # Append-only: the pipeline only ever INSERTs here (SOC 2 evidence of every run).
    "audit_runs": """
        run_id VARCHAR, batch_id VARCHAR, pipeline VARCHAR, command VARCHAR, run_by VARCHAR,
        started_at TIMESTAMPTZ, ended_at TIMESTAMPTZ, outcome VARCHAR, error VARCHAR,
        input_files JSON, counts JSON, quality JSON""",
    "processed_files": """
        sha256 VARCHAR PRIMARY KEY, dataset VARCHAR, path VARCHAR, batch_id VARCHAR,
        loaded_at TIMESTAMPTZ""",
    "dataset_runs": """
        batch_id VARCHAR, dataset VARCHAR, rows_in BIGINT, rows_loaded BIGINT,
        rows_quarantined BIGINT, rows_duplicates BIGINT, recorded_at TIMESTAMPTZ""",
    "quality_results": """
        run_id VARCHAR, batch_id VARCHAR, dataset VARCHAR, check_name VARCHAR, kind VARCHAR,
        severity VARCHAR, passed BOOLEAN, observed DOUBLE, operator VARCHAR, threshold DOUBLE,
        column_name VARCHAR, detail VARCHAR, checked_at TIMESTAMPTZ""",
    "erasures": """
        erasure_id VARCHAR, subject_token VARCHAR, requested_by VARCHAR,
        requested_at TIMESTAMPTZ, rows_removed JSON""",
}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class Warehouse:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = _connect(path)
        self.execute("SET TimeZone = 'UTC'")
        for schema in SCHEMAS:
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for table, columns in OPS_TABLES.items():
            self.execute(f"CREATE TABLE IF NOT EXISTS ops.{table} ({columns})")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        # DuckDB 2 requires each result to be consumed before the next statement.
        return self.con.execute(sql, params or []).fetchall()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
        table = self.con.sql(sql, params=list(params or [])).to_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        # DuckDB names the zone "Etc/UTC"; the pipeline's frames say "UTC". Same instant.
        return frame.with_columns(pl.col(pl.Datetime("us", "Etc/UTC")).dt.convert_time_zone("UTC"))

    @contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        self.execute("BEGIN TRANSACTION")
        try:
            yield self
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def table_exists(self, schema: str, table: str) -> bool:
        rows = self.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        )
        return bool(rows)

    def columns(self, schema: str, table: str) -> list[str]:
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema, table],
        )
        return [row[0] for row in rows]

    def _stage(self, frame: pl.DataFrame, name: str = "incoming") -> str:
        self.con.register(name, frame.to_arrow())
        return name

    def _ensure_table(self, schema: str, table: str, frame: pl.DataFrame) -> None:
        """Create the table from the frame's schema; add columns a newer contract brought."""
        staged = self._stage(frame, "shape")
        target = f"{schema}.{quote(table)}"
        try:
            if not self.table_exists(schema, table):
                self.execute(f"CREATE TABLE {target} AS SELECT * FROM {staged} LIMIT 0")
                return
            existing = set(self.columns(schema, table))
            types = dict(self.execute(f"SELECT column_name, column_type FROM (DESCRIBE {staged})"))
            for name in frame.columns:
                if name not in existing:
                    self.execute(f"ALTER TABLE {target} ADD COLUMN {quote(name)} {types[name]}")
        finally:
            self.con.unregister(staged)

    # -- loads --------------------------------------------------------------------------
    def merge(self, table: str, frame: pl.DataFrame, keys: Sequence[str], event_time: str) -> int:
        """Upsert into silver.<table> on `keys`; an older version never overwrites a newer one."""
        self._ensure_table("silver", table, frame)
        staged = self._stage(frame)
        names = [quote(c) for c in frame.columns]
        on = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in keys)
        newer = f"s.{quote(event_time)} >= t.{quote(event_time)}"
        try:
            rows = self.execute(
                f"MERGE INTO silver.{quote(table)} AS t USING {staged} AS s ON {on} "
                f"WHEN MATCHED AND {newer} THEN UPDATE SET "
                + ", ".join(f"{n} = s.{n}" for n in names)
                + f" WHEN NOT MATCHED THEN INSERT ({', '.join(names)}) "
                f"VALUES ({', '.join('s.' + n for n in names)})"
            )
        finally:
            self.con.unregister(staged)
        return int(rows[0][0]) if rows else 0

    def replace_partitions(
        self, schema: str, table: str, frame: pl.DataFrame, column: str, values: Sequence[Any]
    ) -> None:
        """Delete the rows whose `column` is in `values`, then insert `frame` (same transaction)."""
        self._ensure_table(schema, table, frame)
        if values:
            marks = ", ".join("?" for _ in values)
            self.execute(
                f"DELETE FROM {schema}.{quote(table)} WHERE {quote(column)} IN ({marks})",
                list(values),
            )
        if frame.height:
            staged = self._stage(frame)
            try:
                self.execute(f"INSERT INTO {schema}.{quote(table)} BY NAME SELECT * FROM {staged}")
            finally:
                self.con.unregister(staged)

    def read_silver(self, table: str, where: str = "", params: Sequence[Any] = ()) -> pl.DataFrame:
        if not self.table_exists("silver", table):
            return pl.DataFrame()
        clause = f" WHERE {where}" if where else ""
        return self.query(f"SELECT * FROM silver.{quote(table)}{clause}", list(params))

    # -- ops tables ---------------------------------------------------------------------
    def processed_fingerprints(self) -> set[str]:
        return {row[0] for row in self.execute("SELECT sha256 FROM ops.processed_files")}

    def record_files(self, batch_id: str, files: Sequence[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        for file in files:
            self.execute(
                "INSERT INTO ops.processed_files VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [file["sha256"], file["dataset"], file["path"], batch_id, now],
            )

    def record_counts(self, batch_id: str, counts: dict[str, dict[str, int]]) -> None:
        now = datetime.now(UTC)
        for dataset, c in counts.items():
            self.execute(
                "INSERT INTO ops.dataset_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    batch_id,
                    dataset,
                    c["rows_in"],
                    c["loaded"],
                    c["quarantined"],
                    c["duplicates"],
                    now,
                ],
            )

    def row_count_history(self, dataset: str, limit: int = 30) -> list[int]:
        rows = self.execute(
            "SELECT rows_in FROM ops.dataset_runs WHERE dataset = ? "
            "ORDER BY recorded_at DESC LIMIT ?",
            [dataset, limit],
        )
        return [int(row[0]) for row in rows]

    def record_quality(self, run_id: str, batch_id: str, results: Sequence[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        for r in results:
            self.execute(
                "INSERT INTO ops.quality_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    batch_id,
                    r["dataset"],
                    r["check"],
                    r["kind"],
                    r["severity"],
                    r["passed"],
                    r["observed"],
                    r["operator"],
                    r["threshold"],
                    r["column"],
                    r["detail"],
                    now,
                ],
            )

    def record_run(self, **run: Any) -> None:
        self.execute(
            "INSERT INTO ops.audit_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run["run_id"],
                run["batch_id"],
                run["pipeline"],
                run["command"],
                run["run_by"],
                run["started_at"],
                run["ended_at"],
                run["outcome"],
                run.get("error"),
                json.dumps(run.get("input_files", [])),
                json.dumps(run.get("counts", {})),
                json.dumps(run.get("quality", {})),
            ],
        )

    def last_success_at(self) -> datetime | None:
        rows = self.execute(
            "SELECT max(ended_at) FROM ops.audit_runs WHERE outcome IN ('success', 'no_new_data')"
        )
        value = rows[0][0] if rows else None
        return value if isinstance(value, datetime) else None


@io_retry
def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path))
