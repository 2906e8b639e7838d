"""Structured logs on stderr: JSON lines for log shippers (the default), or a console
format for people at a terminal (`PIPELINE_LOG_FORMAT=console`, as in the .env that
`make setup` writes).

Logs leave the restricted zones (log shippers, terminals, CI output), so no event may carry
PII. Code logs counts, names and `safe_error` texts only; as defence in depth every event
value still goes through `redact_pii`, and tracebacks are rendered without local variables
(a frame's locals can hold a whole row).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any

import structlog

from ..config import PIPELINE_NAME
from ..privacy.redaction import redact_text, safe_error, safe_message


def redact_pii(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: emails and phone numbers in any event value (nested included)
    become [email] / [phone]; exception messages are cleaned like `safe_error` does."""
    for key, value in event.items():
        event[key] = _redacted(value)
    return event


def plain_traceback(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor for the console: the traceback's frames, then `safe_error`'s line
    in place of the exception's own message."""
    exc_info = event.pop("exc_info", None)
    error = (
        sys.exc_info()[1]
        if exc_info is True
        else exc_info[1]
        if isinstance(exc_info, tuple)
        else exc_info
    )
    if isinstance(error, BaseException):
        frames = "".join(traceback.format_tb(error.__traceback__))
        event["exception"] = f"Traceback (most recent call last):\n{frames}{safe_error(error)}"
    return event


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        if "exc_type" in value and isinstance(value.get("exc_value"), str):
            # One exception of dict_tracebacks: its message may quote the row it failed on.
            value = {**value, "exc_value": safe_message(value["exc_value"])}
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redacted(v) for v in value]
    return value


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    console = fmt == "console"
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        if console
        else structlog.processors.JSONRenderer()
    )
    tracebacks: structlog.typing.Processor = (
        plain_traceback
        if console
        else structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            tracebacks,
            redact_pii,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(pipeline=PIPELINE_NAME)
