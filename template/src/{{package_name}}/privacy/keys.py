"""The pseudonymisation key: from PIPELINE_PII_KEY, refused when missing or a known default.

Only dev mode (PIPELINE_ENV=dev) may fall back to the built-in development key, so sample
runs work out of the box while a forgotten key can never reach real data.
"""

from __future__ import annotations

from ..config import Settings

DEV_KEY = "dev-only-insecure-pii-key-not-for-real-data"
# Values that appear in docs or .env.example and so are no secret.
KNOWN_DEFAULT_KEYS = frozenset(
    {DEV_KEY, "change-me", "changeme", "replace-me-with-32-random-bytes"}
)
MIN_KEY_LENGTH = 32


class PiiKeyError(RuntimeError):
    """No usable pseudonymisation key outside dev mode."""


def uses_development_key(settings: Settings) -> bool:
    """True when runs pseudonymise with the public DEV_KEY (dev mode without a key of its own)."""
    return settings.env == "dev" and not (settings.pii_key and settings.pii_key.get_secret_value())


def pii_key(settings: Settings) -> str:
    key = settings.pii_key.get_secret_value() if settings.pii_key else ""
    if settings.env == "dev":
        return key or DEV_KEY
    if not key:
        raise PiiKeyError(
            f"PIPELINE_PII_KEY is not set (PIPELINE_ENV={settings.env}). Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'` and keep it in your "
            "secret store, or set PIPELINE_ENV=dev to use the development key on sample data."
        )
    if key in KNOWN_DEFAULT_KEYS:
        raise PiiKeyError("PIPELINE_PII_KEY is a published example value; use a secret key.")
    if len(key) < MIN_KEY_LENGTH:
        raise PiiKeyError(f"PIPELINE_PII_KEY must be at least {MIN_KEY_LENGTH} characters long.")
    return key
