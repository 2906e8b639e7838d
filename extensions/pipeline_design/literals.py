"""Answers written into generated source files as string literals of their language.

Jinja's `tojson` is right for JSON only: it escapes characters outside the Basic
Multilingual Plane as UTF-16 surrogate pairs, which TOML refuses and Python reads as two
broken characters. A free-text answer (a name in any script) goes through these instead.
"""

from __future__ import annotations

import json


def toml_str(text: str) -> str:
    """A TOML basic string holding `text`: readable UTF-8, with JSON's escapes (which TOML
    shares) for quotes, backslashes and control characters."""
    return json.dumps(str(text), ensure_ascii=False).replace("\x7f", "\\u007f")


def py_str(text: str) -> str:
    """A double-quoted Python literal holding `text`, in ASCII: other characters as
    lowercase escapes, the form `ruff format` keeps, so no linter flags a look-alike letter."""
    out = []
    for char in str(text):
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def sorted_imports(block: str) -> str:
    """One-line `from module import names` statements in the order ruff's isort keeps them
    (by module), for a block that mixes the package, whose name the user picks, with other
    first-party modules: `from my_pipeline...` sorts before `from orchestration...`, but
    `from zeta...` after it."""
    lines = [line for line in block.strip("\n").splitlines() if line.strip()]
    for line in lines:
        if not line.startswith("from ") or " import " not in line or "(" in line:
            raise ValueError(f"not a one-line from-import: {line!r}")
    return "\n".join(sorted(lines, key=lambda line: line.split()[1]))
