"""Names derived from the project name."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """'My Pipeline (v2)!' -> 'my-pipeline-v2': lowercase ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = "-".join(words)
    # A slug must start with a letter (it also names the Python package).
    return slug if slug[:1].isalpha() else f"p-{slug}".rstrip("-")
