"""A hand-written DuckDB baseline of the pipeline's stages: what plain SQL does with the same work.

    uv run python benchmarks/baseline_duckdb.py INPUT_DIR OUT_DIR

It reads the default datasets (customers.csv, orders.csv, events.jsonl) and applies the rules
of contracts/*.odcs.yaml, written out here by hand as SQL, without the pipeline's framework:
no contract loading, batch state, run lock, quality gate, audit trail, lineage or metrics.
benchmarks/bench_pipeline.py runs it next to the pipeline on the same files.

    extract   input files -> OUT_DIR/lake/raw/<dataset>.parquet, every value as text
    validate  raw rows checked -> OUT_DIR/lake/quarantine/<dataset>.parquet with `_reason`;
              the typed good rows stay in DuckDB (unmasked PII never reaches a later zone)
    mask      typed rows, PII masked -> OUT_DIR/lake/validated/<dataset>.parquet
    dedup     cleaned (as transforms/clean.py), latest row per key by event time
    enrich    facts left-joined with their customer's country and segment
              -> OUT_DIR/lake/clean/<dataset>.parquet
    load      MERGE into silver.<dataset> of OUT_DIR/warehouse.duckdb (a newer row wins)
    gold      daily_orders and daily_events recomputed for the days the run touched; load and
              gold are one transaction, committed here; then the gold snapshots in the lake

Each stage is timed on its own. The last line on stdout is one JSON object:
{"stage_seconds": {stage: seconds}, "rows": {dataset: {rows_in, loaded, quarantined,
duplicates}}}. DuckDB runs with its default threads and memory limit.

Where it knowingly differs from the pipeline (none of it changes what the generated data loads):
* DuckDB's CSV reader lets a quoted value span lines; the pipeline reads one record per line
  (an unbalanced quote fails its line only).
* A JSON line with an object or array as a value is quarantined as `nested_value`; the
  pipeline names the columns (`nested_value:page_url`).
* A CSV header that is not the contract's columns stops the run; the pipeline quarantines
  the file whole and goes on.
* RE2's `\\w` and `\\s` are ASCII only (the pipeline's Rust regexes are Unicode), so the
  redaction of free text can differ on non-ASCII text.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# The public development key of privacy/keys.py: with PIPELINE_PII_KEY unset the pseudonyms
# are the ones a dev-mode pipeline run writes, so the two outputs can be compared row by row.
DEV_KEY = "dev-only-insecure-pii-key-not-for-real-data"
UNIT_SEPARATOR = "\x1f"  # no JSON line holds one unescaped: each line reads as one value

# The contracts' columns in contract order (a CSV header must list exactly these).
COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id",
        "full_name",
        "email",
        "phone",
        "birth_date",
        "country",
        "city",
        "segment",
        "signup_ts",
        "updated_at",
    ),
    "orders": (
        "order_id",
        "customer_id",
        "status",
        "amount",
        "currency",
        "payment_method",
        "order_ts",
        "updated_at",
        "delivery_notes",
    ),
    "events": (
        "event_id",
        "event_ts",
        "user_id",
        "session_id",
        "event_type",
        "page_url",
        "ip_address",
        "user_agent",
        "duration_ms",
        "email",
    ),
}
FILES = {"customers": "customers.csv", "orders": "orders.csv", "events": "events.jsonl"}
# dataset -> (key, event-time column): the latest version of a key wins.
KEYS = {
    "customers": ("customer_id", "updated_at"),
    "orders": ("order_id", "updated_at"),
    "events": ("event_id", "event_ts"),
}
MAX_EVENT_BYTES = 65_536  # events' maxRecordBytes: a longer line is quarantined
MAX_CSV_RECORD_BYTES = 1_048_576  # the contracts' default maxRecordBytes
LINEAGE = "_batch_id, _source, _source_row, _ingested_at"

# -- Rules as SQL macros -------------------------------------------------------------------
# ISO 8601 with a zone ("Z", "+02", "+0200", "+02:00"), optional fractions: a naive timestamp
# is refused, as validate.py does (guessing its zone would shift events silently).
ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)"
CONTROL_CHARACTERS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
IPV4 = r"^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$"
# privacy/redaction.py's patterns, restated for RE2 (which, like Rust's regex, has no
# look-around): emails, then dates shielded with a private-use mark so that no phone number
# runs across one, then phone numbers, then the marks removed.
EMAIL = r"\w[\w.%+'-]*(?:@|%40)(?:[\w%-]+\.)+[^\W\d_]{2,}"
MARK = "\ue000"
_YEAR, _MONTH, _DAY = r"(?:1[89]|20)\d{2}", r"(?:0?[1-9]|1[0-2])", r"(?:0?[1-9]|[12]\d|3[01])"
DATE = rf"(^|\D)({_YEAR}[.-]{_MONTH}[.-]{_DAY}|{_DAY}[.-]{_MONTH}[.-]{_YEAR})(\D|$)"
_SEPARATOR = r"(?:(?:[ .()-]|%2[089]){0,2}|\+(?:%2[089])?|%2[089]\+)"
PHONE = (
    rf"(^|[^\w.#%+/{MARK}-])("
    rf"(?:\+|%2[Bb]|00)\(?[1-9](?:{_SEPARATOR}\d){{6,14}}"  # international, E.164
    rf"|\(?0[1-9](?:{_SEPARATOR}\d){{7,11}}"  # national, with a trunk 0
    r"|\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}"  # North American
    r")\b"
)


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def hmac_pads(key: str) -> tuple[str, str]:
    """HMAC-SHA256's inner and outer key pads, as hex (RFC 2104: a key longer than the
    64-byte block is hashed first). DuckDB has sha256 but no HMAC: the macro below builds it."""
    raw = key.encode()
    if len(raw) > 64:
        raw = hashlib.sha256(raw).digest()
    block = raw.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block).hex(), bytes(b ^ 0x5C for b in block).hex()


def macros(key: str) -> list[str]:
    """The rules as SQL macros; temporary, so that none is stored in the warehouse file."""
    inner, outer = hmac_pads(key)
    whitespace = " || ".join(f"chr({code})" for code in (32, 9, 10, 11, 12, 13))
    return [
        # Normalised text: trimmed, empty as null (the contract's case is applied by the caller).
        # Trimming copies the value: only the few that start or end with whitespace are.
        f"""CREATE TEMP MACRO txt(v) AS nullif(
            CASE WHEN regexp_matches(v, '^\\s|\\s$') THEN trim(v, {whitespace}) ELSE v END, '')""",
        f"""CREATE TEMP MACRO as_timestamp(t) AS
            CASE WHEN regexp_full_match(t, {sql_text(ISO_TIMESTAMP)})
            THEN TRY_CAST(t AS TIMESTAMPTZ) END""",
        # DuckDB would round '12.5' to 13 and read '1e3' as 1000: only whole numbers are.
        """CREATE TEMP MACRO as_integer(t) AS
            CASE WHEN regexp_full_match(t, '[+-]?[0-9]+') THEN TRY_CAST(t AS BIGINT) END""",
        "CREATE TEMP MACRO as_date(t) AS CAST(try_strptime(t, '%Y-%m-%d') AS DATE)",
        # One rule: its reason where it failed, else NULL (concat_ws skips NULLs; a NULL
        # condition, from a NULL value, is no failure).
        "CREATE TEMP MACRO rule(failed, reason) AS CASE WHEN failed THEN reason END",
        f"""CREATE TEMP MACRO control_characters(v, name) AS rule(
            regexp_matches(v, {sql_text(CONTROL_CHARACTERS)}), 'control_character:' || name)""",
        # The plausible window of dates and timestamps (contracts.py's defaults: not before
        # 1900, at most `days` after now).
        """CREATE TEMP MACRO out_of_range(v, days) AS
            NOT v BETWEEN TIMESTAMPTZ '1900-01-01 00:00:00+00'
                AND get_current_timestamp() + to_days(CAST(days AS INTEGER))""",
        # PII masking (privacy/masking.py): HMAC-SHA256 hex, IPv4 to its /24, free text redacted.
        f"""CREATE TEMP MACRO pseudonymise(v) AS
            sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode(v))))""",
        f"""CREATE TEMP MACRO generalise_ip(v) AS
            CASE WHEN regexp_matches(v, {sql_text(IPV4)})
            THEN regexp_replace(v, {sql_text(IPV4)}, '\\1.0/24') END""",
        f"""CREATE TEMP MACRO redact(v) AS replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(v, {sql_text(EMAIL)}, '[email]', 'g'),
                    {sql_text(DATE)}, '\\1{MARK}\\2{MARK}\\3', 'g'),
                {sql_text(PHONE)}, '\\1[phone]', 'g'),
            '{MARK}', '')""",
        # transforms/clean.py: free text on one line, without runs of spaces.
        "CREATE TEMP MACRO tidy(v) AS trim(regexp_replace(v, '\\s+', ' ', 'g'))",
    ]


# -- Validation, one query per dataset ------------------------------------------------------
# `parsed` holds each column's normalised text (t_*) and typed value (v_*); the outer query
# lists every failed rule, in contract column order. A line the reader could not parse fails
# for that reason alone. The result keeps both, for the quarantine and for the typed rows.
CHECK_CUSTOMERS = """
CREATE TEMP TABLE checked_customers AS
WITH parsed AS (
    SELECT
        *,
        txt(customer_id) AS t_customer_id,
        lower(txt(email)) AS t_email,
        txt(phone) AS t_phone,
        txt(birth_date) AS t_birth_date,
        as_date(txt(birth_date)) AS v_birth_date,
        upper(txt(country)) AS t_country,
        txt(city) AS t_city,
        txt(segment) AS t_segment,
        txt(signup_ts) AS t_signup_ts,
        as_timestamp(txt(signup_ts)) AS v_signup_ts,
        txt(updated_at) AS t_updated_at,
        as_timestamp(txt(updated_at)) AS v_updated_at
    FROM read_parquet({raw})
)
SELECT
    *,
    coalesce(_read_error, concat_ws('; ',
        control_characters(customer_id, 'customer_id'),
        rule(t_customer_id IS NULL, 'missing:customer_id'),
        rule(NOT regexp_matches(t_customer_id, '^C[0-9]{{7}}$'), 'pattern:customer_id'),
        control_characters(full_name, 'full_name'),
        control_characters(email, 'email'),
        rule(t_email IS NULL, 'missing:email'),
        rule(NOT regexp_matches(t_email, '^[^@\\s]+@[^@\\s]+\\.[a-z]{{2,}}$'), 'pattern:email'),
        control_characters(phone, 'phone'),
        control_characters(birth_date, 'birth_date'),
        rule(t_birth_date IS NOT NULL AND v_birth_date IS NULL, 'bad_type:birth_date'),
        -- birth_date: maxFutureDays 0, so not after today
        rule(
            NOT v_birth_date BETWEEN DATE '1900-01-01' AND current_date,
            'out_of_range:birth_date'
        ),
        control_characters(country, 'country'),
        rule(t_country IS NULL, 'missing:country'),
        rule(NOT regexp_matches(t_country, '^[A-Z]{{2}}$'), 'pattern:country'),
        control_characters(city, 'city'),
        control_characters(segment, 'segment'),
        rule(t_segment IS NULL, 'missing:segment'),
        rule(t_segment NOT IN ('consumer', 'business', 'vip'), 'invalid:segment'),
        control_characters(signup_ts, 'signup_ts'),
        rule(t_signup_ts IS NULL, 'missing:signup_ts'),
        rule(t_signup_ts IS NOT NULL AND v_signup_ts IS NULL, 'bad_type:signup_ts'),
        rule(out_of_range(v_signup_ts, 1), 'out_of_range:signup_ts'),
        control_characters(updated_at, 'updated_at'),
        rule(t_updated_at IS NULL, 'missing:updated_at'),
        rule(t_updated_at IS NOT NULL AND v_updated_at IS NULL, 'bad_type:updated_at'),
        rule(out_of_range(v_updated_at, 1), 'out_of_range:updated_at')
    )) AS _reason
FROM parsed
"""
VALID_CUSTOMERS = f"""
CREATE TEMP VIEW valid_customers AS
SELECT
    t_customer_id AS customer_id,
    txt(full_name) AS full_name,
    t_email AS email,
    t_phone AS phone,
    v_birth_date AS birth_date,
    t_country AS country,
    t_city AS city,
    t_segment AS segment,
    v_signup_ts AS signup_ts,
    v_updated_at AS updated_at,
    {LINEAGE}
FROM checked_customers
WHERE _reason = ''
"""

CHECK_ORDERS = """
CREATE TEMP TABLE checked_orders AS
WITH parsed AS (
    SELECT
        *,
        txt(order_id) AS t_order_id,
        txt(customer_id) AS t_customer_id,
        txt(status) AS t_status,
        txt(amount) AS t_amount,
        TRY_CAST(txt(amount) AS DOUBLE) AS v_amount,
        upper(txt(currency)) AS t_currency,
        txt(order_ts) AS t_order_ts,
        as_timestamp(txt(order_ts)) AS v_order_ts,
        txt(updated_at) AS t_updated_at,
        as_timestamp(txt(updated_at)) AS v_updated_at
    FROM read_parquet({raw})
)
SELECT
    *,
    coalesce(_read_error, concat_ws('; ',
        control_characters(order_id, 'order_id'),
        rule(t_order_id IS NULL, 'missing:order_id'),
        rule(NOT regexp_matches(t_order_id, '^O[0-9]{{9}}$'), 'pattern:order_id'),
        control_characters(customer_id, 'customer_id'),
        rule(t_customer_id IS NULL, 'missing:customer_id'),
        rule(NOT regexp_matches(t_customer_id, '^C[0-9]{{7}}$'), 'pattern:customer_id'),
        control_characters(status, 'status'),
        rule(t_status IS NULL, 'missing:status'),
        rule(
            t_status NOT IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'),
            'invalid:status'
        ),
        control_characters(amount, 'amount'),
        rule(t_amount IS NULL, 'missing:amount'),
        rule(t_amount IS NOT NULL AND v_amount IS NULL, 'bad_type:amount'),
        -- 'inf', 'NaN' and '1e400' all parse as doubles; none is an amount
        rule(NOT isfinite(v_amount), 'non_finite:amount'),
        rule(v_amount < 0, 'below_minimum:amount'),
        control_characters(currency, 'currency'),
        rule(t_currency IS NULL, 'missing:currency'),
        rule(t_currency NOT IN ('EUR', 'GBP', 'USD'), 'invalid:currency'),
        control_characters(payment_method, 'payment_method'),
        control_characters(order_ts, 'order_ts'),
        rule(t_order_ts IS NULL, 'missing:order_ts'),
        rule(t_order_ts IS NOT NULL AND v_order_ts IS NULL, 'bad_type:order_ts'),
        rule(out_of_range(v_order_ts, 1), 'out_of_range:order_ts'),
        control_characters(updated_at, 'updated_at'),
        rule(t_updated_at IS NULL, 'missing:updated_at'),
        rule(t_updated_at IS NOT NULL AND v_updated_at IS NULL, 'bad_type:updated_at'),
        rule(out_of_range(v_updated_at, 1), 'out_of_range:updated_at'),
        control_characters(delivery_notes, 'delivery_notes')
    )) AS _reason
FROM parsed
"""
VALID_ORDERS = f"""
CREATE TEMP VIEW valid_orders AS
SELECT
    t_order_id AS order_id,
    t_customer_id AS customer_id,
    t_status AS status,
    v_amount AS amount,
    t_currency AS currency,
    txt(payment_method) AS payment_method,
    v_order_ts AS order_ts,
    v_updated_at AS updated_at,
    txt(delivery_notes) AS delivery_notes,
    {LINEAGE}
FROM checked_orders
WHERE _reason = ''
"""

CHECK_EVENTS = """
CREATE TEMP TABLE checked_events AS
WITH parsed AS (
    SELECT
        *,
        txt(event_id) AS t_event_id,
        txt(event_ts) AS t_event_ts,
        as_timestamp(txt(event_ts)) AS v_event_ts,
        txt(user_id) AS t_user_id,
        txt(session_id) AS t_session_id,
        txt(event_type) AS t_event_type,
        txt(duration_ms) AS t_duration_ms,
        as_integer(txt(duration_ms)) AS v_duration_ms
    FROM read_parquet({raw})
)
SELECT
    *,
    coalesce(_read_error, concat_ws('; ',
        control_characters(event_id, 'event_id'),
        rule(t_event_id IS NULL, 'missing:event_id'),
        rule(NOT regexp_matches(t_event_id, '^[0-9a-f]{{16,64}}$'), 'pattern:event_id'),
        control_characters(event_ts, 'event_ts'),
        rule(t_event_ts IS NULL, 'missing:event_ts'),
        rule(t_event_ts IS NOT NULL AND v_event_ts IS NULL, 'bad_type:event_ts'),
        rule(out_of_range(v_event_ts, 1), 'out_of_range:event_ts'),
        control_characters(user_id, 'user_id'),
        rule(NOT regexp_matches(t_user_id, '^C[0-9]{{7}}$'), 'pattern:user_id'),
        control_characters(session_id, 'session_id'),
        rule(t_session_id IS NULL, 'missing:session_id'),
        control_characters(event_type, 'event_type'),
        rule(t_event_type IS NULL, 'missing:event_type'),
        rule(
            t_event_type NOT IN (
                'page_view', 'search', 'add_to_cart', 'checkout', 'purchase', 'newsletter_signup'
            ),
            'invalid:event_type'
        ),
        control_characters(page_url, 'page_url'),
        control_characters(ip_address, 'ip_address'),
        control_characters(user_agent, 'user_agent'),
        control_characters(duration_ms, 'duration_ms'),
        rule(t_duration_ms IS NOT NULL AND v_duration_ms IS NULL, 'bad_type:duration_ms'),
        rule(v_duration_ms < 0, 'below_minimum:duration_ms'),
        control_characters(email, 'email')
    )) AS _reason
FROM parsed
"""
VALID_EVENTS = f"""
CREATE TEMP VIEW valid_events AS
SELECT
    t_event_id AS event_id,
    v_event_ts AS event_ts,
    t_user_id AS user_id,
    t_session_id AS session_id,
    t_event_type AS event_type,
    txt(page_url) AS page_url,
    txt(ip_address) AS ip_address,
    txt(user_agent) AS user_agent,
    v_duration_ms AS duration_ms,
    lower(txt(email)) AS email,
    {LINEAGE}
FROM checked_events
WHERE _reason = ''
"""
VALIDATION = {
    "customers": (CHECK_CUSTOMERS, VALID_CUSTOMERS),
    "orders": (CHECK_ORDERS, VALID_ORDERS),
    "events": (CHECK_EVENTS, VALID_EVENTS),
}

# -- Masking, cleaning, gold ----------------------------------------------------------------
# Each contract column's masking strategy; full_name is `drop`, city `none`.
MASKED = {
    "customers": """
        SELECT
            customer_id,
            pseudonymise(email) AS email,
            pseudonymise(phone) AS phone,
            CAST(date_trunc('year', birth_date) AS DATE) AS birth_date,
            country, city, segment, signup_ts, updated_at, {lineage}
        FROM valid_customers""",
    "orders": """
        SELECT * REPLACE (redact(delivery_notes) AS delivery_notes) FROM valid_orders""",
    "events": """
        SELECT * REPLACE (
            redact(page_url) AS page_url,
            generalise_ip(ip_address) AS ip_address,
            redact(user_agent) AS user_agent,
            pseudonymise(email) AS email
        )
        FROM valid_events""",
}
# transforms/clean.py: free text tidied, amounts to cents, timestamps to milliseconds.
CLEANED = {
    "customers": """
        SELECT * REPLACE (
            date_trunc('millisecond', signup_ts) AS signup_ts,
            date_trunc('millisecond', updated_at) AS updated_at
        )""",
    "orders": """
        SELECT * REPLACE (
            round(amount, 2) AS amount,
            date_trunc('millisecond', order_ts) AS order_ts,
            date_trunc('millisecond', updated_at) AS updated_at,
            tidy(delivery_notes) AS delivery_notes
        )""",
    "events": """
        SELECT * REPLACE (
            date_trunc('millisecond', event_ts) AS event_ts,
            tidy(page_url) AS page_url,
            tidy(user_agent) AS user_agent
        )""",
}
# transforms/aggregate.py; cancelled and refunded orders are not revenue.
GOLD = {
    "daily_orders": (
        "orders",
        "order_ts",
        "order_date",
        """
        SELECT
            CAST(order_ts AS DATE) AS order_date,
            customer_country,
            currency,
            count(*) AS orders,
            round(coalesce(sum(amount) FILTER (WHERE status IN ('placed', 'paid', 'shipped',
                'delivered')), 0), 2) AS revenue,
            count(*) FILTER (WHERE status NOT IN ('placed', 'paid', 'shipped', 'delivered'))
                AS cancelled_orders,
            count(DISTINCT customer_id) AS customers
        FROM silver.orders
        WHERE CAST(order_ts AS DATE) IN (SELECT day FROM touched_days)
        GROUP BY ALL""",
    ),
    "daily_events": (
        "events",
        "event_ts",
        "event_date",
        """
        SELECT
            CAST(event_ts AS DATE) AS event_date,
            event_type,
            user_country,
            count(*) AS events,
            count(DISTINCT session_id) AS sessions,
            count(DISTINCT user_id) AS signed_in_users,
            -- half to even, as Polars rounds
            round_even(avg(duration_ms), 1) AS avg_duration_ms
        FROM silver.events
        WHERE CAST(event_ts AS DATE) IN (SELECT day FROM touched_days)
        GROUP BY ALL""",
    ),
}


@dataclass
class Baseline:
    con: duckdb.DuckDBPyConnection
    input_dir: Path
    lake: Path
    batch_id: str = field(default_factory=lambda: "duckdb-" + uuid.uuid4().hex[:12])
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def zone(self, zone: str, dataset: str) -> str:
        """The zone's Parquet file of a dataset, as a SQL literal (its folder created)."""
        path = self.lake / zone / f"{dataset}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        return sql_text(str(path))

    def sql(self, query: str) -> None:
        # Consume every result: DuckDB runs the next statement only after the previous one.
        self.con.execute(query).fetchall()

    def scalar(self, query: str) -> int:
        row = self.con.execute(query).fetchone()
        assert row is not None
        return int(row[0])

    def count(self, dataset: str, key: str, value: int) -> None:
        self.counts.setdefault(dataset, {})[key] = value

    # -- stages ----------------------------------------------------------------------------
    def extract(self) -> None:
        for dataset in ("customers", "orders"):
            self.extract_csv(dataset)
        self.extract_json_lines("events")

    def extract_csv(self, dataset: str) -> None:
        path = self.input_dir / FILES[dataset]
        columns = COLUMNS[dataset]
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = [name.strip() for name in next(csv.reader([handle.readline()]))]
        if header != list(columns):
            raise SystemExit(f"{path}: the header is not the contract's columns {columns}")
        types = ", ".join(f"{sql_text(name)}: 'VARCHAR'" for name in columns)
        # Rows DuckDB cannot split into the header's columns go to a rejects table instead of
        # failing the read; they become raw rows with `_read_error`, as in the pipeline.
        self.sql(f"""
            CREATE TEMP TABLE raw_{dataset} AS
            SELECT
                *,
                {sql_text(self.batch_id)} AS _batch_id,
                {sql_text(path.name)} AS _source,
                -- the line number (the header is line 1) while no blank line or value
                -- spanning lines comes before: DuckDB counts rows, not lines
                CAST(ordinality AS BIGINT) + 1 AS _source_row,
                get_current_timestamp() AS _ingested_at,
                CAST(NULL AS VARCHAR) AS _raw_line,
                CAST(NULL AS VARCHAR) AS _read_error
            FROM read_csv(
                {sql_text(str(path))},
                columns = {{{types}}}, header = true, auto_detect = false,
                delim = ',', quote = '"', escape = '"',
                max_line_size = {MAX_CSV_RECORD_BYTES},
                store_rejects = true,
                rejects_table = 'rejects_{dataset}', rejects_scan = 'scans_{dataset}'
            ) WITH ORDINALITY""")
        self.sql(f"""
            INSERT INTO raw_{dataset} BY NAME
            SELECT
                {sql_text(self.batch_id)} AS _batch_id,
                {sql_text(path.name)} AS _source,
                CAST(line AS BIGINT) AS _source_row,
                get_current_timestamp() AS _ingested_at,
                any_value(csv_line) AS _raw_line,
                -- the pipeline's names for DuckDB's error types
                string_agg(DISTINCT CASE error_type
                    WHEN 'MISSING COLUMNS' THEN 'field_count'
                    WHEN 'TOO MANY COLUMNS' THEN 'field_count'
                    WHEN 'UNQUOTED VALUE' THEN 'unbalanced_quote'
                    WHEN 'LINE SIZE OVER MAXIMUM' THEN 'oversized_record'
                    ELSE lower(CAST(error_type AS VARCHAR))
                END, '; ') AS _read_error
            FROM rejects_{dataset}
            GROUP BY line""")
        self.sql(f"COPY raw_{dataset} TO {self.zone('raw', dataset)} (COMPRESSION zstd)")
        self.count(dataset, "rows_in", self.scalar(f"SELECT count(*) FROM raw_{dataset}"))
        self.sql(f"DROP TABLE raw_{dataset}")

    def extract_json_lines(self, dataset: str) -> None:
        path = self.input_dir / FILES[dataset]
        columns = COLUMNS[dataset]
        paths = "[" + ", ".join(sql_text(f"$.{name}") for name in columns) + "]"
        values = ", ".join(f"value[{i}] AS {name}" for i, name in enumerate(columns, start=1))
        # Each line is read as one text value (no quote character, a separator no line holds),
        # then parsed as JSON once for all columns. CASE evaluates a branch only for the rows
        # that reach it, so the JSON functions never see a line that is not valid JSON. A line
        # over maxRecordBytes is still read whole (up to 1 GiB; DuckDB allocates no buffer that
        # large), to be quarantined with its text.
        self.sql(f"""
            COPY (
                WITH lines AS (
                    SELECT line, CAST(ordinality AS BIGINT) AS _source_row
                    FROM read_csv(
                        {sql_text(str(path))},
                        columns = {{'line': 'VARCHAR'}}, header = false, auto_detect = false,
                        delim = {sql_text(UNIT_SEPARATOR)}, quote = '', escape = '',
                        max_line_size = 1073741824
                    ) WITH ORDINALITY
                    -- blank lines are skipped (a regex stops at the first other character;
                    -- trimming would copy every line)
                    WHERE regexp_matches(line, '[^ \t\r\x0b\x0c]')
                ),
                read AS (
                    SELECT
                        line,
                        _source_row,
                        CASE
                            WHEN strlen(line) > {MAX_EVENT_BYTES} THEN 'oversized_record'
                            WHEN NOT json_valid(line) THEN 'unparseable_json'
                            WHEN json_type(line) <> 'OBJECT' THEN 'not_an_object'
                            WHEN list_has_any(json_type(line, {paths}), ['OBJECT', 'ARRAY'])
                                THEN 'nested_value'
                        END AS _read_error
                    FROM lines
                ),
                parsed AS (
                    SELECT
                        *,
                        CASE WHEN _read_error IS NULL THEN json_extract_string(line, {paths})
                        END AS value
                    FROM read
                )
                SELECT
                    {values},
                    {sql_text(self.batch_id)} AS _batch_id,
                    {sql_text(path.name)} AS _source,
                    _source_row,
                    get_current_timestamp() AS _ingested_at,
                    CASE WHEN _read_error IS NOT NULL THEN line END AS _raw_line,
                    _read_error
                FROM parsed
            ) TO {self.zone("raw", dataset)} (COMPRESSION zstd)""")
        raw = self.zone("raw", dataset)
        self.count(dataset, "rows_in", self.scalar(f"SELECT count(*) FROM read_parquet({raw})"))

    def validate(self) -> None:
        for dataset, (check, valid) in VALIDATION.items():
            self.sql(check.format(raw=self.zone("raw", dataset)))
            quarantine = ", ".join(COLUMNS[dataset])
            self.sql(f"""
                COPY (
                    SELECT
                        {quarantine}, {LINEAGE}, _raw_line, _read_error, _reason,
                        get_current_timestamp() AS _quarantined_at
                    FROM checked_{dataset}
                    WHERE _reason <> ''
                ) TO {self.zone("quarantine", dataset)} (COMPRESSION zstd)""")
            self.sql(valid)
            bad = self.scalar(f"SELECT count(*) FROM checked_{dataset} WHERE _reason <> ''")
            self.count(dataset, "quarantined", bad)

    def mask(self) -> None:
        for dataset, query in MASKED.items():
            masked = query.format(lineage=LINEAGE)
            self.sql(f"COPY ({masked}) TO {self.zone('validated', dataset)} (COMPRESSION zstd)")
            self.sql(f"DROP VIEW valid_{dataset}")
            self.sql(f"DROP TABLE checked_{dataset}")

    def dedup(self) -> None:
        for dataset, cleaned in CLEANED.items():
            key, event_time = KEYS[dataset]
            # Latest event time wins; ties go to the row read last (transforms/dedup.py).
            self.sql(f"""
                CREATE TEMP TABLE deduped_{dataset} AS
                WITH cleaned AS (
                    {cleaned} FROM read_parquet({self.zone("validated", dataset)})
                )
                SELECT * FROM cleaned
                QUALIFY row_number() OVER (
                    PARTITION BY {key} ORDER BY {event_time} DESC, _source DESC, _source_row DESC
                ) = 1""")
            valid = self.scalar(
                f"SELECT count(*) FROM read_parquet({self.zone('validated', dataset)})"
            )
            loaded = self.scalar(f"SELECT count(*) FROM deduped_{dataset}")
            self.count(dataset, "duplicates", valid - loaded)
            self.count(dataset, "loaded", loaded)

    def enrich(self) -> None:
        # This run's customers over the warehouse's: a fact can join a customer loaded before.
        earlier = ""
        if self.table_exists("silver", "customers"):
            earlier = """
                UNION ALL
                SELECT customer_id, country, segment FROM silver.customers
                WHERE customer_id NOT IN (SELECT customer_id FROM deduped_customers)"""
        self.sql(f"""
            CREATE TEMP TABLE customer_lookup AS
            SELECT customer_id, country, segment FROM deduped_customers {earlier}""")
        self.sql(f"COPY deduped_customers TO {self.zone('clean', 'customers')} (COMPRESSION zstd)")
        for dataset, column, prefix in (
            ("orders", "customer_id", "customer"),
            ("events", "user_id", "user"),
        ):
            self.sql(f"""
                COPY (
                    SELECT facts.*, c.country AS {prefix}_country, c.segment AS {prefix}_segment
                    FROM deduped_{dataset} AS facts
                    LEFT JOIN customer_lookup AS c ON c.customer_id = facts.{column}
                ) TO {self.zone("clean", dataset)} (COMPRESSION zstd)""")
        for dataset in COLUMNS:
            self.sql(f"DROP TABLE deduped_{dataset}")
        self.sql("DROP TABLE customer_lookup")

    def load(self) -> None:
        """MERGE on the key; an older version never overwrites a newer one (as the pipeline's
        warehouse). The transaction stays open: gold commits it, so a batch lands whole."""
        self.sql("BEGIN TRANSACTION")
        self.sql("CREATE SCHEMA IF NOT EXISTS silver")
        for dataset, (key, event_time) in KEYS.items():
            clean = f"read_parquet({self.zone('clean', dataset)})"
            self.sql(f"CREATE TABLE IF NOT EXISTS silver.{dataset} AS FROM {clean} LIMIT 0")
            self.sql(f"""
                MERGE INTO silver.{dataset} AS t
                USING {clean} AS s
                ON t.{key} = s.{key}
                WHEN MATCHED AND s.{event_time} >= t.{event_time} THEN UPDATE
                WHEN NOT MATCHED THEN INSERT""")

    def gold(self) -> None:
        """Recompute the gold rows of every day this run touched, from all silver rows, so
        late events and re-sent orders update the right day; then commit."""
        try:
            self.sql("CREATE SCHEMA IF NOT EXISTS gold")
            for table, (source, time_column, day_column, query) in GOLD.items():
                self.sql(f"""
                    CREATE OR REPLACE TEMP TABLE touched_days AS
                    SELECT DISTINCT CAST({time_column} AS DATE) AS day
                    FROM read_parquet({self.zone("clean", source)})""")
                self.sql(f"CREATE TABLE IF NOT EXISTS gold.{table} AS {query} LIMIT 0")
                self.sql(f"""
                    DELETE FROM gold.{table}
                    WHERE {day_column} IN (SELECT day FROM touched_days)""")
                self.sql(f"INSERT INTO gold.{table} BY NAME {query}")
            self.sql("COMMIT")
        except BaseException:
            self.sql("ROLLBACK")
            raise
        for table in GOLD:
            self.sql(f"COPY gold.{table} TO {self.zone('gold', table)} (COMPRESSION zstd)")

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(
            self.con.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                [schema, table],
            ).fetchall()
        )

    def reconcile(self) -> None:
        """rows_in = loaded + quarantined + duplicates, as the pipeline checks before loading."""
        for dataset, c in self.counts.items():
            accounted = c["loaded"] + c["quarantined"] + c["duplicates"]
            if c["rows_in"] != accounted:
                raise SystemExit(f"{dataset}: {c['rows_in']} rows in but {accounted} accounted for")


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 3)
        print(f"{name:<9} {self.seconds[name]:8.3f} s", file=sys.stderr)


def connect(warehouse: Path, key: str) -> duckdb.DuckDBPyConnection:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    # Days and "now" in UTC, as the pipeline; threads and memory_limit stay DuckDB's defaults.
    con.execute("SET TimeZone = 'UTC'")
    for macro in macros(key):
        con.execute(macro)
    return con


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "input_dir", type=Path, help="folder with customers.csv, orders.csv, events.jsonl"
    )
    parser.add_argument("out_dir", type=Path, help="lake zones and warehouse.duckdb go here")
    args = parser.parse_args(argv)
    input_dir: Path = args.input_dir
    out_dir: Path = args.out_dir
    missing = [name for name in FILES.values() if not (input_dir / name).is_file()]
    if missing:
        parser.error(f"{input_dir} has no {', '.join(missing)}")

    key = os.environ.get("PIPELINE_PII_KEY") or DEV_KEY
    watch = Stopwatch()
    with connect(out_dir / "warehouse.duckdb", key) as con:
        run = Baseline(con, input_dir, out_dir / "lake")
        for name, stage in (
            ("extract", run.extract),
            ("validate", run.validate),
            ("mask", run.mask),
            ("dedup", run.dedup),
            ("enrich", run.enrich),
            ("load", run.load),
            ("gold", run.gold),
        ):
            if name == "load":
                run.reconcile()  # before anything is written to the warehouse
            with watch.stage(name):
                stage()
    print(json.dumps({"stage_seconds": watch.seconds, "rows": run.counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
