"""Names derived from the project name."""

from __future__ import annotations

import keyword
import re
import unicodedata

from .reserved import shadowed_by_distribution, shadowed_by_package


def slugify(text: str) -> str:
    """'My Pipeline (v2)!' -> 'my-pipeline-v2': lowercase ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = "-".join(words)
    # A slug must start with a letter (it also names the Python package).
    return slug if slug[:1].isalpha() else f"p-{slug}".rstrip("-")


# The longest slug and package name the validators accept (validation.MAX_NAME_LENGTH).
MAX_NAME_LENGTH = 40


def _shortened(slug: str, limit: int = MAX_NAME_LENGTH) -> str:
    """A slug cut to `limit` characters at a word boundary where there is one."""
    if len(slug) <= limit:
        return slug
    cut = slug[:limit]
    return cut.rsplit("-", 1)[0] if "-" in cut else cut


def project_slug_for(name: str) -> str:
    """The default slug of a name, never a dependency's: 'Polars' -> 'polars-pipeline';
    at most MAX_NAME_LENGTH characters, cut between words."""
    slug = slugify(name)
    if shadowed_by_distribution(slug):
        slug = f"{slug}-pipeline"
    return _shortened(slug)


def package_name_for(slug: str) -> str:
    """'my-pipeline' -> 'my_pipeline'; a name that would shadow a module gets '_pipeline'.

    'polars' -> 'polars_pipeline', 'tests' -> 'tests_pipeline' (see reserved.py).
    """
    name = str(slug).replace("-", "_")
    if shadowed_by_package(name) or keyword.iskeyword(name):
        return f"{name}_pipeline"
    return name
