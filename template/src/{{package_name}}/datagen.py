"""Synthetic input files with the shape (and the defects) of the real feeds.

Vectorised with numpy and Polars expressions, so ten million rows take seconds, not an hour
of Faker calls. Every defect the pipeline must survive is injected at a fixed rate, and at
least once, so even the small sample in data/sample exercises every path:

* duplicates: events re-delivered as-is, orders and customers re-sent with a later `updated_at`
* late events: event times days before the rest of the batch
* malformed rows: wrong types, values outside the allowed set, unparseable JSON lines
* nulls in required fields
* PII in every shape the contracts mask: names, emails, phones, IPs, birth dates, free text

With `formats`, a slice of orders and events arrives in each chosen input format besides CSV
and JSON lines (gzip-compressed, Parquet, nested JSON), as another delivery of the same feed:
the slice's rows leave the plain file, so the rows and their defects are the same whatever
the formats.

All people are fictional: emails use the reserved example.* domains, UK phones the Ofcom
drama range (07700 900xxx) and US phones 555-01xx.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Mia",
    "Mateo",
    "Isla",
    "Leo",
    "Freya",
    "Hugo",
    "Ella",
    "Arthur",
    "Chloe",
    "Finn",
    "Lena",
    "Jonas",
    "Clara",
    "Paul",
    "Ines",
    "Louis",
    "Alice",
    "Jules",
    "Nora",
    "Milan",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Garcia",
    "Lopez",
    "Martinez",
    "Rossi",
    "Russo",
    "Jansen",
    "Devries",
    "Murphy",
    "Kelly",
    "Novak",
    "Silva",
]
DOMAINS = ("example.com", "example.org", "example.net")
COUNTRIES = ("GB", "DE", "FR", "NL", "IE", "ES", "US")
CITIES = {
    "GB": "London",
    "DE": "Berlin",
    "FR": "Lyon",
    "NL": "Utrecht",
    "IE": "Dublin",
    "ES": "Valencia",
    "US": "Austin",
}
SEGMENTS = ("consumer", "business", "vip")
ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "refunded")
CURRENCIES = ("EUR", "GBP", "USD")
PAYMENT_METHODS = ("card", "paypal", "bank_transfer")
EVENT_TYPES = ("page_view", "search", "add_to_cart", "checkout", "purchase", "newsletter_signup")
EVENT_WEIGHTS = (0.55, 0.15, 0.12, 0.08, 0.06, 0.04)
PAGES = ("/", "/search", "/product/{n}", "/cart", "/checkout", "/account")
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
)
NOTES = (
    "Leave at the door",
    "Call {phone} on arrival",
    "Gift: please send the receipt to {email}",
    "Ring twice",
    "",
)

# Share of rows that carry each defect (each also appears at least once).
DUPLICATE_RATE = 0.05
LATE_RATE = 0.03
MALFORMED_RATE = 0.02
NULL_REQUIRED_RATE = 0.01
# Share of the orders and events each chosen input format takes, from the end of the feed.
FORMAT_SLICE = 0.07


@dataclass(frozen=True)
class GeneratedFiles:
    customers: Path
    orders: Path
    events: Path
    rows: dict[str, int]
    # The slices written in the other chosen formats (the three files above lack their rows).
    format_files: tuple[Path, ...] = field(default=())


def generate(
    out_dir: Path,
    rows: int,
    *,
    seed: int = 42,
    end: datetime | None = None,
    formats: Collection[str] = (),
) -> GeneratedFiles:
    """Write events.jsonl (`rows` events), orders.csv (rows/2) and customers.csv (rows/4),
    with a slice of orders and events in each of `formats` that is not CSV or JSON lines."""
    if rows < 20:
        raise ValueError("rows must be at least 20, so that every defect fits")
    rng = np.random.default_rng(seed)
    end = end or datetime(2025, 6, 8, tzinfo=UTC)
    out_dir.mkdir(parents=True, exist_ok=True)

    customers = _customers(rng, max(rows // 4, 20), end)
    orders = _orders(rng, rows // 2, customers, end)
    events = _events(rng, rows, customers, end)

    rows_of = {"customers": customers.height, "orders": orders.height, "events": events.height}
    orders, events, format_files = _format_slices(out_dir, orders, events, formats)
    files = GeneratedFiles(
        customers=out_dir / "customers.csv",
        orders=out_dir / "orders.csv",
        events=out_dir / "events.jsonl",
        rows=rows_of,
        format_files=format_files,
    )
    customers.write_csv(files.customers)
    orders.write_csv(files.orders)
    # One JSON document per line; the column already holds the finished line.
    events.write_csv(files.events, include_header=False, quote_style="never")
    return files


def _pick(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Row indices that get a defect: `rate` of the rows, and at least one."""
    return np.sort(rng.choice(n, size=max(1, round(n * rate)), replace=False))


def _timestamps(rng: np.random.Generator, n: int, end: datetime, days: int) -> pl.Series:
    start = np.datetime64(end.replace(tzinfo=None) - timedelta(days=days), "us")
    offsets = rng.integers(0, days * 86_400, n).astype("timedelta64[s]").astype("timedelta64[us]")
    return pl.Series(start + offsets)


def _iso(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ids(prefix: str, n: int, width: int) -> pl.Expr:
    return pl.lit(prefix) + pl.int_range(1, n + 1).cast(pl.String).str.zfill(width)


def _digits(values: np.ndarray) -> pl.Expr:
    return pl.lit(pl.Series(values)).cast(pl.String)


def _set_at(frame: pl.DataFrame, column: str, rows: np.ndarray, value: str | None) -> pl.DataFrame:
    return _replace_at(frame, column, rows, pl.lit(value, dtype=pl.String))


def _replace_at(frame: pl.DataFrame, column: str, rows: np.ndarray, value: pl.Expr) -> pl.DataFrame:
    mask = np.zeros(frame.height, dtype=bool)
    mask[rows] = True
    return frame.with_columns(
        pl.when(pl.Series(mask)).then(value).otherwise(pl.col(column)).alias(column)
    )


def _phones(rng: np.random.Generator, n: int) -> pl.Expr:
    uk = pl.lit("+44 7700 900") + _digits(rng.integers(100, 1000, n))
    us = pl.lit("+1 555-01") + _digits(rng.integers(10, 100, n))
    return pl.when(pl.lit(pl.Series(rng.random(n) < 0.7))).then(uk).otherwise(us)


def _choice(
    rng: np.random.Generator, values: tuple[str, ...], n: int, **kwargs: object
) -> pl.Series:
    # Sampling indices keeps numpy away from (slow) unicode arrays at ten million rows.
    index = rng.choice(len(values), n, **kwargs)  # type: ignore[call-overload]
    return pl.Series(values, dtype=pl.String).gather(index)


def _customers(rng: np.random.Generator, n: int, end: datetime) -> pl.DataFrame:
    country = _choice(rng, COUNTRIES, n)
    frame = pl.DataFrame(
        {
            "first": _choice(rng, tuple(FIRST_NAMES), n),
            "last": _choice(rng, tuple(LAST_NAMES), n),
            "country": country,
            "birth_date": pl.Series(
                np.datetime64("1950-01-01", "D") + rng.integers(0, 55 * 365, n)
            ).cast(pl.Date),
            "signup_ts": _timestamps(rng, n, end, 900),
        }
    ).select(
        customer_id=_ids("C", n, 7),
        full_name=pl.concat_str("first", "last", separator=" "),
        email=pl.concat_str(
            pl.col("first").str.to_lowercase(),
            pl.lit("."),
            pl.col("last").str.to_lowercase(),
            _digits(rng.integers(1, 1000, n)),
            pl.lit("@"),
            pl.lit(_choice(rng, DOMAINS, n)),
        ),
        phone=_phones(rng, n),
        birth_date=pl.col("birth_date").cast(pl.String),
        country="country",
        city=pl.col("country").replace_strict(CITIES),
        segment=pl.lit(_choice(rng, SEGMENTS, n, p=(0.7, 0.25, 0.05))),
        signup_ts=_iso("signup_ts"),
        updated_at=_iso("signup_ts"),
    )
    # Real feeds are untidy: mixed case and stray spaces in emails, for cleaning to fix.
    frame = _replace_at(
        frame,
        "email",
        _pick(rng, n, 0.1),
        pl.lit(" ") + pl.col("email").str.to_titlecase(),
    )
    # Re-sent customers: a later version of the row (upgraded segment).
    resent = frame[_pick(rng, n, DUPLICATE_RATE)].with_columns(
        segment=pl.lit("vip"), updated_at=pl.lit(end.strftime("%Y-%m-%dT%H:%M:%SZ"))
    )
    frame = pl.concat([frame, resent])
    frame = _set_at(frame, "birth_date", _pick(rng, frame.height, MALFORMED_RATE), "31/02/1990")
    return _set_at(frame, "customer_id", _pick(rng, frame.height, NULL_REQUIRED_RATE), None)


def _orders(
    rng: np.random.Generator, n: int, customers: pl.DataFrame, end: datetime
) -> pl.DataFrame:
    ids = customers.get_column("customer_id").drop_nulls().unique(maintain_order=True)
    order_ts = _timestamps(rng, n, end, 7)
    frame = pl.DataFrame(
        {
            "customer_id": ids.gather(rng.integers(0, ids.len(), n)),
            "order_ts": order_ts,
            "updated_at": order_ts
            + pl.Series(rng.integers(0, 3_600_000_000, n)).cast(pl.Duration("us")),
            "amount": np.round(rng.lognormal(3.5, 0.8, n), 2),
            "notes": _choice(rng, NOTES, n),
        }
    ).select(
        order_id=_ids("O", n, 9),
        customer_id="customer_id",
        status=pl.lit(_choice(rng, ORDER_STATUSES, n, p=(0.15, 0.2, 0.25, 0.3, 0.06, 0.04))),
        amount=pl.col("amount").cast(pl.String),
        currency=pl.lit(_choice(rng, CURRENCIES, n, p=(0.6, 0.3, 0.1))),
        payment_method=pl.lit(_choice(rng, PAYMENT_METHODS, n)),
        order_ts=_iso("order_ts"),
        updated_at=_iso("updated_at"),
        delivery_notes=pl.col("notes")
        .str.replace("{phone}", _phones(rng, n), literal=True)
        .str.replace(
            "{email}",
            pl.lit("buyer.") + pl.col("customer_id").str.to_lowercase() + pl.lit("@example.com"),
            literal=True,
        ),
    )
    # Status updates re-send the order with a later updated_at: the latest must win.
    updates = frame[_pick(rng, n, DUPLICATE_RATE)].with_columns(
        status=pl.lit("delivered"),
        updated_at=pl.lit((end + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")),
    )
    frame = pl.concat([frame, updates])
    total = frame.height
    frame = _set_at(frame, "amount", _pick(rng, total, MALFORMED_RATE), "twelve")
    frame = _set_at(frame, "status", _pick(rng, total, MALFORMED_RATE), "teleported")
    frame = _set_at(frame, "currency", _pick(rng, total, MALFORMED_RATE), "EURO")
    return _set_at(frame, "customer_id", _pick(rng, total, NULL_REQUIRED_RATE), None)


def _events(
    rng: np.random.Generator, n: int, customers: pl.DataFrame, end: datetime
) -> pl.DataFrame:
    known_customers = customers.filter(pl.col("customer_id").is_not_null())
    who = rng.integers(0, known_customers.height, n)
    event_ts = _timestamps(rng, n, end, 1).to_numpy().copy()
    late = _pick(rng, n, LATE_RATE)
    event_ts[late] -= rng.integers(2 * 86_400, 5 * 86_400, late.size).astype("timedelta64[s]")
    event_type = _choice(rng, EVENT_TYPES, n, p=EVENT_WEIGHTS)
    frame = pl.DataFrame(
        {
            "customer_id": known_customers.get_column("customer_id").gather(who),
            "customer_email": known_customers.get_column("email").gather(who),
            "event_type": event_type,
            "event_ts": pl.Series(event_ts),
            "page": _choice(rng, PAGES, n),
        }
    ).select(
        event_id=pl.concat_str(
            _digits(rng.integers(10**17, 10**18, n, dtype=np.int64)),
            _digits(rng.integers(10**13, 10**14, n, dtype=np.int64)),
        ),
        event_ts=_iso("event_ts"),
        # 40% of the traffic is anonymous.
        user_id=pl.when(pl.lit(pl.Series(rng.random(n) < 0.6))).then("customer_id"),
        session_id=pl.lit("s-") + _digits(rng.integers(0, max(n // 6, 1), n)),
        event_type="event_type",
        page_url=pl.col("page").str.replace("{n}", _digits(rng.integers(1, 500, n)), literal=True),
        ip_address=_ips(rng, n),
        user_agent=pl.lit(_choice(rng, USER_AGENTS, n)),
        duration_ms=_digits(rng.integers(50, 60_000, n)),
        # Only newsletter sign-ups carry an email address.
        email=pl.when(pl.col("event_type") == "newsletter_signup").then("customer_email"),
    )
    # At-least-once delivery: some events arrive twice, byte for byte.
    frame = pl.concat([frame, frame[_pick(rng, n, DUPLICATE_RATE)]])
    total = frame.height
    frame = _set_at(frame, "event_ts", _pick(rng, total, MALFORMED_RATE), "yesterday")
    frame = _set_at(frame, "duration_ms", _pick(rng, total, MALFORMED_RATE), "fast")
    frame = _set_at(frame, "event_id", _pick(rng, total, NULL_REQUIRED_RATE), None)
    lines = frame.select(line=_json_line(frame.columns, numeric={"duration_ms"}))
    # A producer crash mid-write leaves a truncated, unparseable line.
    broken = _pick(rng, total, MALFORMED_RATE / 2)
    return _replace_at(lines, "line", broken, pl.col("line").str.slice(0, 40))


def _ips(rng: np.random.Generator, n: int) -> pl.Expr:
    first = rng.choice((81, 86, 92, 145, 176, 212), n)
    rest = rng.integers(1, 255, (3, n))
    return pl.concat_str([_digits(first), *(_digits(part) for part in rest)], separator=".")


def _json_line(columns: list[str], *, numeric: set[str]) -> pl.Expr:
    """One JSON object per row, built with string expressions (no per-row Python)."""
    parts: list[pl.Expr] = []
    for index, name in enumerate(columns):
        value = pl.col(name).cast(pl.String)
        encoded = pl.lit('"') + value.str.replace_all(r'(["\\])', r"\$1") + pl.lit('"')
        if name in numeric:
            # Numbers stay bare; a value that is not a number is written as the string it is.
            is_number = value.str.contains(r"^-?\d+(\.\d+)?$")
            encoded = pl.when(is_number).then(value).otherwise(encoded)
        separator = "{" if index == 0 else ", "
        parts += [pl.lit(f'{separator}"{name}": '), encoded.fill_null(pl.lit("null"))]
    return pl.concat_str([*parts, pl.lit("}")])


def _format_slices(
    out_dir: Path, orders: pl.DataFrame, events: pl.DataFrame, formats: Collection[str]
) -> tuple[pl.DataFrame, pl.DataFrame, tuple[Path, ...]]:
    """Write a slice of the orders (raw text) and of the events (JSON lines) in each chosen
    format; the orders and events left for the plain files."""
    written: list[Path] = []
    size = max(1, round(orders.height * FORMAT_SLICE))
    if "compressed_logs" in formats:
        orders, part = orders.head(-size), orders.tail(size)
        written.append(_write_gzip(out_dir / "orders-archive.csv.gz", part.write_csv().encode()))
        events, lines = events.head(-size), events.tail(size)
        text = "\n".join(lines.get_column("line")) + "\n"
        written.append(_write_gzip(out_dir / "events-archive.jsonl.gz", text.encode()))
    if "parquet" in formats:
        orders, part = orders.head(-size), orders.tail(size)
        part.write_parquet(out_dir / "orders-export.parquet")
        events, lines = events.head(-size), events.tail(size)
        # A line cut short by a producer crash has no columns: it stays in the JSON lines.
        whole = pl.col("line").str.ends_with("}")
        events = pl.concat([events, lines.filter(~whole)])
        _event_columns(lines.filter(whole)).write_parquet(out_dir / "events-export.parquet")
        written += [out_dir / "orders-export.parquet", out_dir / "events-export.parquet"]
    if "nested_json" in formats:
        orders, part = orders.head(-size), orders.tail(size)
        part.select(line=_nested_order()).write_csv(
            out_dir / "orders-api.jsonl", include_header=False, quote_style="never"
        )
        written.append(out_dir / "orders-api.jsonl")
    return orders, events, tuple(written)


def _write_gzip(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data, mtime=0))  # no timestamp: the same seed, same bytes
    return path


def _event_columns(lines: pl.DataFrame) -> pl.DataFrame:
    """JSON lines as columns of text, as the reader keeps them."""
    schema = pl.Struct(dict.fromkeys(json.loads(lines.item(0, "line")), pl.String))
    return lines.select(pl.col("line").str.json_decode(schema)).unnest("line")


def _nested_order() -> pl.Expr:
    """An order as the shop's API sends it: the values the contract's `sourcePath`s name."""
    return pl.struct(
        "order_id",
        "status",
        pl.struct(id="customer_id").alias("customer"),
        pl.struct("amount", "currency").alias("total"),
        pl.concat_list(pl.struct(method="payment_method")).alias("payments"),
        "order_ts",
        "updated_at",
        pl.struct(notes="delivery_notes").alias("delivery"),
    ).struct.json_encode()
