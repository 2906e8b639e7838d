"""The project's stream settings, from the design (docs/SCALABILITY.md)."""

from __future__ import annotations

from ..config import (
    STREAM_ALLOWED_LATENESS_SECONDS,
    STREAM_DEDUP_TTL_SECONDS,
    STREAM_GROUP_BY,
    STREAM_WINDOW_SECONDS,
)
from .core import StreamSettings


def stream_settings() -> StreamSettings:
    return StreamSettings(
        allowed_lateness_s=STREAM_ALLOWED_LATENESS_SECONDS,
        window_s=STREAM_WINDOW_SECONDS,
        dedup_ttl_s=STREAM_DEDUP_TTL_SECONDS,
        group_by=STREAM_GROUP_BY,
    )
