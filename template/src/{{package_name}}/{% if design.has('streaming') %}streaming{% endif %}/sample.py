"""Sample event streams for replays and tests, with what a correct replay must count.

The events arrive in time order with a little jitter (less than a second, so within any
allowed lateness), and the generator injects known numbers of malformed messages, events
re-delivered at once (duplicates) and events far older than the watermark (late). It knows
what the processor must count without running it: the replay tests compare the two.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from .core import StreamSettings

EVENT_TYPES = ("page_view", "search", "add_to_cart", "checkout", "purchase", "newsletter_signup")
EVENT_WEIGHTS = (0.55, 0.15, 0.12, 0.08, 0.06, 0.04)
MALFORMED_RATE = 0.02
DUPLICATE_RATE = 0.03
LATE_RATE = 0.02
JITTER_S = 0.5  # out of order by less than this; the allowed lateness is at least 1 s
START = datetime(2025, 6, 7, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StreamSample:
    messages: list[str]
    expected: dict[str, int]  # received, clean, dead_letter, late, duplicates, windows_closed


def sample_stream(n: int, settings: StreamSettings, seed: int = 7) -> StreamSample:
    """`n` messages, about two a second from START."""
    rng = random.Random(seed)  # noqa: S311 (sample data, not a secret)
    messages: list[str] = []
    expected = dict.fromkeys(
        ("received", "clean", "dead_letter", "late", "duplicates", "windows_closed"), 0
    )
    windows: set[tuple[int, str]] = set()
    clock = START.timestamp()
    newest = -math.inf  # the latest event time a replay has seen: the watermark follows it
    while len(messages) < n:
        clock += rng.uniform(0.05, 0.95)
        roll = rng.random()
        if roll < MALFORMED_RATE:
            messages.append(_malformed(rng, clock))
            expected["dead_letter"] += 1
        elif roll < MALFORMED_RATE + LATE_RATE and expected["clean"] > 0:
            # Older than the watermark (the newest event time less the allowed lateness).
            old = newest - settings.allowed_lateness_s - rng.uniform(1, 600)
            messages.append(json.dumps(_event(rng, old)))
            expected["late"] += 1
        else:
            event_time = clock - rng.uniform(0, JITTER_S)
            event = _event(rng, event_time)
            messages.append(json.dumps(event))
            expected["clean"] += 1
            newest = max(newest, event_time)
            start = math.floor(event_time / settings.window_s)
            windows.add((start, str(event["event_type"])))
            if rng.random() < DUPLICATE_RATE and len(messages) < n:
                messages.append(json.dumps(event))  # re-delivered, as Kafka may
                expected["duplicates"] += 1
    expected["received"] = len(messages)
    expected["windows_closed"] = len(windows)
    return StreamSample(messages, expected)


# Reference rows for the first KNOWN_CUSTOMERS of the CUSTOMERS the events name: the events
# of the others find no reference row and are enriched with nulls.
CUSTOMERS = 500
KNOWN_CUSTOMERS = 450
COUNTRIES = ("DE", "FR", "GB", "ES", "IT", "NL")
SEGMENTS = ("consumer", "business", "vip")


def sample_references(seed: int = 7) -> list[str]:
    """Customer reference messages (the compacted topic's content) for the sample events."""
    rng = random.Random(seed)  # noqa: S311 (sample data, not a secret)
    signup = _timestamp(START.timestamp() - 86_400 * 30)
    return [
        json.dumps(
            {
                "customer_id": f"C{number:07d}",
                "full_name": f"Customer {number}",
                "email": f"customer{number}@example.com",
                "phone": None,
                "birth_date": None,
                "country": rng.choice(COUNTRIES),
                "city": None,
                "segment": rng.choice(SEGMENTS),
                "signup_ts": signup,
                "updated_at": signup,
            }
        )
        for number in range(1, KNOWN_CUSTOMERS + 1)
    ]


def _timestamp(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _event(rng: random.Random, event_time: float) -> dict[str, object]:
    customer = rng.randrange(1, CUSTOMERS)
    signed_in = rng.random() < 0.6
    return {
        "event_id": f"{rng.getrandbits(128):032x}",
        "event_ts": _timestamp(event_time),
        "user_id": f"C{customer:07d}" if signed_in else None,
        "session_id": f"s-{rng.randrange(1, 200)}",
        "event_type": rng.choices(EVENT_TYPES, EVENT_WEIGHTS)[0],
        "page_url": rng.choice(["/", "/search?q=shoes", "/cart", f"/product/{customer}"]),
        "ip_address": f"81.2.{rng.randrange(256)}.{rng.randrange(256)}",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "duration_ms": rng.randrange(0, 60_000),
        "email": f"customer{customer}@example.com" if signed_in and rng.random() < 0.3 else None,
    }


def _malformed(rng: random.Random, event_time: float) -> str:
    event = _event(rng, event_time)
    match rng.randrange(3):
        case 0:
            return json.dumps(event)[:-20]  # cut short: not JSON
        case 1:
            return json.dumps({**event, "event_type": None})  # a required field missing
        case _:
            return json.dumps({**event, "event_ts": "07/06/2025 08:00"})  # not ISO 8601
