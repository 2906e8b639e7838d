"""Masking one record in plain Python: the twin of masking.py (Polars, whole columns) for the
stream jobs, which see one event at a time.

Same key and same value give the same output bytes on both engines: both are checked against
the shared golden vectors in tests/golden/masking.json (tests/test_masking_golden.py).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime

from ..contracts import Contract
from ..rules import Value
from .redaction import redact_text

# An IPv4 address, its first three octets captured (generalised to the /24 network).
IPV4_PATTERN = r"^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$"
_IPV4 = re.compile(IPV4_PATTERN)
# Free text repeats (user agents, page paths): the last redactions are remembered, in this
# process's memory only, as the batch redacts each distinct value once.
REDACTION_CACHE_SIZE = 65_536


@functools.lru_cache(maxsize=REDACTION_CACHE_SIZE)
def redact_value(value: str) -> str:
    """`redaction.redact_text` (`masking.redact`), remembered for repeated values."""
    return redact_text(value)


def pseudonymise_value(value: str, key: str) -> str:
    """HMAC-SHA256 of the UTF-8 value with the key, as lowercase hex (`masking.pseudonymise`)."""
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def generalise_ip_value(value: str) -> str | None:
    """An IPv4 address to its /24 network; anything else to None (`masking.generalise_ip`)."""
    found = _IPV4.match(value)
    return f"{found.group(1)}.0/24" if found else None


def generalise_year_value(value: date) -> date:
    """A date or timestamp to the first moment of its year (`masking.generalise_year`)."""
    if isinstance(value, datetime):
        return datetime(value.year, 1, 1, tzinfo=value.tzinfo or UTC)
    return date(value.year, 1, 1)


def mask_record(
    record: Mapping[str, Value | None], contract: Contract, key: str
) -> dict[str, Value | None]:
    """The record with each column's masking strategy from the contract applied (`mask`)."""
    masked = dict(record)
    for column in contract.pii_columns:
        value = masked.get(column.name)
        if column.masking == "drop":
            masked.pop(column.name, None)
        elif value is None:
            continue
        elif column.masking == "pseudonymise":
            masked[column.name] = pseudonymise_value(str(value), key)
        elif column.masking == "redact":
            masked[column.name] = redact_value(str(value))
        elif column.masking == "generalise_ip":
            masked[column.name] = generalise_ip_value(str(value))
        elif column.masking == "generalise_year" and isinstance(value, date):
            masked[column.name] = generalise_year_value(value)
    return masked
