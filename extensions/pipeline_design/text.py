"""Free-text answers must be one plain line.

Text answers are written verbatim into TOML, YAML, Markdown, shell and Python
files, each on one line. A line break there ends the value early and turns the
rest into new lines of the file (an invalid pyproject.toml, or an injected key in
docker-compose.yml or an alert rule); an invisible control or formatting
character renders differently from what the reader sees. So any of them is
refused, naming the answer, the character and where it is.
"""

from __future__ import annotations

import unicodedata

# What str.splitlines() and YAML treat as a line break, beyond the Zl/Zp categories.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")

# Format characters that are part of correct spelling: zero-width non-joiner and
# joiner (Persian, Indic scripts, emoji sequences). Every other Cf character (bidi
# overrides, zero-width spaces, BOM, soft hyphen, ...) hides what the text says.
ALLOWED_FORMAT = frozenset("\u200c\u200d")

# unicodedata has no names for control characters; these are the ones people meet.
CONTROL_NAMES = {
    "\x00": "NUL",
    "\t": "TAB",
    "\n": "LINE FEED, \\n",
    "\v": "VERTICAL TAB",
    "\f": "FORM FEED",
    "\r": "CARRIAGE RETURN, \\r",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x85": "NEXT LINE",
}


def describe(char: str) -> str:
    """'U+2028 LINE SEPARATOR': the code point and its name, for messages."""
    name = CONTROL_NAMES.get(char) or unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".rstrip()


def kind_of(char: str) -> str | None:
    """What makes `char` unfit for a one-line answer, or None when it is fine."""
    category = unicodedata.category(char)
    if char in LINE_BREAKS or category in ("Zl", "Zp"):
        return "a line break"
    if char == "\t":
        return "a tab"
    if category == "Cc":
        return "a control character"
    if category == "Cs":
        return "a lone surrogate (not encodable as UTF-8)"
    if category == "Cf" and char not in ALLOWED_FORMAT:
        return "an invisible formatting character"
    return None


def text_problem(key: str, value: str) -> str | None:
    """The message refusing `value` as the answer to `key`, or None when it is one plain line."""
    for position, char in enumerate(value, start=1):
        kind = kind_of(char)
        if kind is None:
            continue
        where = "at the end" if position == len(value) else f"at character {position}"
        fix = "replace it with a space" if char == "\t" else "remove it"
        return (
            f"{key} contains {kind} ({describe(char)}) {where}; the answer is written on one "
            f"line into TOML, YAML, Markdown and shell files: {fix}"
        )
    return None
