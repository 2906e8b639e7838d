"""Retries with exponential backoff for I/O that can fail transiently (files, the warehouse)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

import duckdb
import structlog
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

P = ParamSpec("P")
T = TypeVar("T")

# Worth retrying: a busy file system, a locked DuckDB file. Not worth it: a bad contract or
# corrupt data, which fail the same way every time.
TRANSIENT_ERRORS = (OSError, duckdb.IOException)
ATTEMPTS = 4


def _log_retry(state: RetryCallState) -> None:
    structlog.get_logger(__name__).warning(
        "io_retry",
        call=getattr(state.fn, "__qualname__", str(state.fn)),
        attempt=state.attempt_number,
        error=repr(state.outcome.exception()) if state.outcome else None,
    )


def io_retry(func: Callable[P, T]) -> Callable[P, T]:
    """Retry `func` on transient I/O errors: 4 attempts, waits of 0.5 s, 1 s, 2 s (max 10 s)."""
    return retry(
        retry=retry_if_exception_type(TRANSIENT_ERRORS),
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_exponential(multiplier=0.5, max=10),
        before_sleep=_log_retry,
        reraise=True,
    )(func)
