"""The project's regular expressions, written for Rust's `regex` (Polars), in Java's syntax.

Spark matches with `java.util.regex`. The grammars of rules.py read the same in both once
`$` is translated, but the patterns of the contracts and of cleaning may use classes that
do not:

* `\\w`, `\\d`, `\\s` and `\\b` are Unicode in Rust. Java has the same Unicode properties
  (`\\p{IsAlphabetic}`...) but from the JVM's Unicode tables: Java 17 has Unicode 13, Rust's
  regex a newer one, so 10,103 letters and 110 digits added since (e.g. U+0870) are words or
  digits only for Rust. Each class is written as Java's properties plus/minus the code
  points the two disagree on, measured once per session by running both engines over every
  code point (`unicode_classes`, about a second).
* `\\b` becomes look-arounds on that word class (Java's `\\b` would use its own tables).
* `$` is the end of the text in Rust, and also "before a final line break" in Java: `\\z`.
* `.` matches any character but `\\n` in Rust, and also not `\\r`, U+0085, U+2028, U+2029 in
  Java: the `(?d)` flag (UNIX_LINES) makes Java's the same.
* Case-insensitive matching is ASCII in Java unless asked: Unicode (`(?u)`) only for a
  pattern with non-ASCII letters, since Java's Unicode folding also matches the dotless and
  the dotted i (U+0131, U+0130) to `i`, which Rust's simple case folding does not; Rust also
  folds the Kelvin sign to `k` and the long s (U+017F) to `s`, Java's ASCII folding does
  not (no pattern of the project folds either).
* `(?P<name>` (Rust and Python) is `(?<name>` in Java; `\\v` is a vertical tab in Rust,
  a class in Java; `[[:alpha:]]` is an ASCII class in Rust, nothing in Java.

Java's engine backtracks, Rust's runs in linear time: rules.py's grammars are made
possessive (`to_java`), free text is redacted by Polars itself (mask.py), and a contract's
`pattern` should stay free of nested quantifiers like `(a+)+`, which Java runs in
exponential time on a hostile value.

tests/test_spark_engine.py runs every pattern of the project in both engines on the texts
that tell them apart, and the classes and boundaries on every code point.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import polars as pl
from pyspark.sql import SparkSession

FLAGS = "(?d)"  # UNIX_LINES: only \n ends a line
UNICODE_CASE = "(?u)"
# Rust's classes by their Unicode definitions, in Java's property names.
JAVA_CLASSES = {
    "w": "\\p{IsAlphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{IsJoin_Control}",
    "d": "\\p{Nd}",
    "s": "\\p{IsWhite_Space}",
}
CLASS_ESCAPES = "wWdDsS"
# Rust's ASCII classes ([[:alpha:]]), as Java class contents.
POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7F",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1F\\x7F",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\x0B\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_POSIX = re.compile(r"\[:(\^?)([a-z]+):\]")
_MULTILINE = re.compile(r"\(\?[a-zA-Z]*m[a-zA-Z-]*[:)]")
_SWAP_GREED = re.compile(r"\(\?[a-zA-Z]*U[a-zA-Z-]*[:)]")
_CASELESS = re.compile(r"\(\?[a-zA-Z]*i[a-zA-Z-]*[:)]")
_COUNTED = re.compile(r"\{\d+(?:,\d*)?\}")
_TEMPLATE_GROUP = re.compile(r"\$\{(\d+)\}|\$(\d+)")
SURROGATES = range(0xD800, 0xE000)
LOW_SURROGATE = "[\\x{DC00}-\\x{DFFF}]"  # seen alone only inside a character, by Java


@dataclass(frozen=True)
class UnicodeClasses:
    """`\\w`, `\\d` and `\\s` of Rust's regex as Java character classes (each with its
    brackets, so it can stand alone or inside another class)."""

    word: str
    digit: str
    space: str

    def escape(self, letter: str) -> str:
        """The Java class of a class escape's letter (`w`, `W`, `d`, ...)."""
        positive = {"w": self.word, "d": self.digit, "s": self.space}[letter.lower()]
        return positive if letter.islower() else f"[^{positive}]"

    def boundary(self, negated: bool) -> str:
        """`\\b` (or `\\B`): a word character on exactly one side (or on both or neither).
        After an empty match Java tries the next UTF-16 unit, which can be the middle of a
        character beyond the BMP, where neither side is a word: `\\B` must not match there."""
        w = self.word
        if negated:
            return f"(?:(?<={w})(?={w})|(?<!{w})(?!{w})(?!{LOW_SURROGATE}))"
        return f"(?:(?<={w})(?!{w})|(?<!{w})(?={w}))"


def to_java(pattern: str, classes: UnicodeClasses, *, possessive: bool = False) -> str:
    """`pattern` (Rust syntax, as Polars reads it) in Java's syntax, matching the same texts.

    With `possessive`, every quantifier outside a class gives nothing back (`+` becomes
    `++`): Java backtracks where Rust never does (its matching takes linear time), so the
    number grammar tried on 100,000 digits and a letter took Java 189 s greedy, 0.2 s
    possessive (50,000: 45 s). Only for patterns where giving back cannot help a match
    (rules.py's grammars: each run of digits is followed by a character it cannot hold);
    the tests compare the possessive forms with Rust's on those long runs."""
    if _SWAP_GREED.search(pattern):  # Rust's (?U) swaps greed; Java's means Unicode classes
        raise ValueError(f"the (?U) flag of {pattern!r} has no Java equivalent")
    multiline = _MULTILINE.search(pattern) is not None
    out: list[str] = [FLAGS]
    if _CASELESS.search(pattern) and not pattern.isascii():
        out.append(UNICODE_CASE)
    depth, i = 0, 0  # depth: nesting of character classes
    after_group = False  # `?` right after `(` opens a group, it is no quantifier
    while i < len(pattern):
        char = pattern[i]
        opens_group, after_group = after_group, char == "(" and depth == 0
        if char == "\\" and i + 1 < len(pattern):
            letter = pattern[i + 1]
            if letter in CLASS_ESCAPES:
                out.append(classes.escape(letter))
            elif letter in "bB" and depth == 0:
                out.append(classes.boundary(negated=letter == "B"))
            elif letter == "v":
                out.append("\\x0B")
            else:
                out.append(char + letter)
            i += 2
            continue
        if char == "[":
            posix = _POSIX.match(pattern, i) if depth else None
            if posix:
                negate, name = posix.groups()
                out.append(f"[{'^' if negate else ''}{POSIX_CLASSES[name]}]")
                i = posix.end()
                continue
            depth += 1
            out.append(char)
            i += 1
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):  # a leading ] is a literal in Rust
                out.append("\\]")
                i += 1
            continue
        if depth:
            if char == "]":
                depth -= 1
            out.append(char)
        elif char == "$" and not multiline:
            out.append("\\z")
        elif possessive and (char in "+*" or (char == "?" and not opens_group)):
            i = _possessive(pattern, i, char, out)
            continue
        elif possessive and (counted := _COUNTED.match(pattern, i)):
            i = _possessive(pattern, counted.end() - 1, counted.group(), out)
            continue
        elif pattern.startswith("(?P<", i):
            out.append("(?<")
            i += 4
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _possessive(pattern: str, i: int, quantifier: str, out: list[str]) -> int:
    """Write `quantifier` (ending at `i`) possessive; the index after it."""
    following = pattern[i + 1 : i + 2]
    if following == "?":
        raise ValueError(f"{pattern!r}: a lazy quantifier cannot be made possessive")
    out.append(quantifier if following == "+" else quantifier + "+")
    return i + 1


def to_java_replacement(template: str) -> str:
    """A Rust replacement template (`${1}`, `$1`) in Java's syntax (`$1`; `\\` and a literal
    `$` escaped)."""
    out: list[str] = []
    last = 0
    for found in _TEMPLATE_GROUP.finditer(template):
        out.append(re.sub(r"([\\$])", r"\\\1", template[last : found.start()]))
        group = found.group(1) or found.group(2)
        if template[found.end() : found.end() + 1].isdigit():
            raise ValueError(f"{template!r}: a digit after ${{{group}}} is ambiguous in Java")
        out.append(f"${group}")
        last = found.end()
    out.append(re.sub(r"([\\$])", r"\\\1", template[last:]))
    return "".join(out)


class JavaRegexes:
    """Rust patterns translated for one Spark session's JVM, each once."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._translated: dict[tuple[str, bool], str] = {}

    @functools.cached_property
    def classes(self) -> UnicodeClasses:
        return unicode_classes(self.spark)

    def __call__(self, pattern: str) -> str:
        """A pattern of a contract, of redaction or cleaning."""
        return self._java(pattern, possessive=False)

    def grammar(self, pattern: str) -> str:
        """One of rules.py's grammars: possessive (see `to_java`)."""
        return self._java(pattern, possessive=True)

    def _java(self, pattern: str, *, possessive: bool) -> str:
        if (pattern, possessive) not in self._translated:
            # Most patterns have no class escapes: nothing to measure for them.
            needs_classes = re.search(r"\\[wWdDsSbB]", pattern) is not None
            classes = self.classes if needs_classes else _NO_CLASSES
            java = to_java(pattern, classes, possessive=possessive)
            self._translated[pattern, possessive] = java
        return self._translated[pattern, possessive]


# For the patterns without class escapes: never asked for a class.
_NO_CLASSES = UnicodeClasses(word="", digit="", space="")


def unicode_classes(spark: SparkSession) -> UnicodeClasses:
    """Rust's `\\w`, `\\d`, `\\s` as Java classes: both engines are run over every Unicode
    scalar value (about a second), and the code points they disagree on are added to or
    taken from Java's class of the same definition."""
    return _unicode_classes(_java_members(spark))


def _java_members(spark: SparkSession) -> dict[str, str]:
    """The code points Java's classes hold, as one string each (one JVM call each)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    text = jvm.java.lang.StringBuilder(_all_characters())  # sent to the JVM once
    found: dict[str, str] = {}
    for letter, members in JAVA_CLASSES.items():
        others = jvm.java.util.regex.Pattern.compile(f"[^{members}]")
        found[letter] = str(others.matcher(text).replaceAll(""))
    return found


def _unicode_classes(java: dict[str, str]) -> UnicodeClasses:
    every = pl.Series(list(_all_characters()), dtype=pl.String)
    built: dict[str, str] = {}
    for letter in "wds":
        rust = set(every.filter(every.str.contains(f"^\\{letter}$")).to_list())
        jvm = set(java[letter])
        built[letter] = _corrected(JAVA_CLASSES[letter], rust - jvm, jvm - rust)
    return UnicodeClasses(word=built["w"], digit=built["d"], space=built["s"])


def _corrected(members: str, missing: set[str], extra: set[str]) -> str:
    """`[<members><missing>&&[^<extra>]]`, the parts that are empty left out."""
    text = f"[{members}{_ranges(missing) if missing else ''}"
    if extra:
        text += f"&&[^{_ranges(extra)}]"
    return text + "]"


def _ranges(members: set[str]) -> str:
    """Code points as a Java class. Java tries a class's ranges one by one: the span from
    the first to the last is checked first, so that older text (all of it below U+0870 for
    Java 17) is decided by one comparison. Beyond the Basic Multilingual Plane characters
    are written as themselves, not escaped: Java then looks behind by code points, not by
    UTF-16 units, where a look-behind holds them (`\\b`)."""
    points = sorted(ord(c) for c in members)
    spans: list[list[int]] = []
    for point in points:
        if spans and spans[-1][1] == point - 1:
            spans[-1][1] = point
        else:
            spans.append([point, point])
    listed = "".join(
        _char(low) if low == high else f"{_char(low)}-{_char(high)}" for low, high in spans
    )
    return f"[{_char(points[0])}-{_char(points[-1])}&&[{listed}]]"


def _char(point: int) -> str:
    return chr(point) if point > 0xFFFF else f"\\x{{{point:X}}}"


@functools.cache
def _all_characters() -> str:
    return "".join(chr(c) for c in range(0x110000) if c not in SURROGATES)
