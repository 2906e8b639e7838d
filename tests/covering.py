"""A pairwise covering set of the template's on/off options, built from copier.yml.

Every option of the `transformations`, `quality_checks` and `compliance` questions is a
factor with two levels (off, on). A covering array of strength 2 holds, for every two
options, each of their four on/off pairs in at least one row: a bug that needs two options
to show (aggregation without enrichment) is met by some row, at a fraction of the 2**14
combinations. The builder is greedy (AETG): each new row starts from a pair not covered
yet and gives every other factor the level that covers most new pairs; it is seeded, so
the set is the same on every run, and new choices in copier.yml join it automatically.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
# The multiselect questions whose every choice is switched on and off.
OPTION_QUESTIONS = ("transformations", "quality_checks", "compliance")

Row = dict[str, Hashable]
Pair = tuple[tuple[str, Hashable], tuple[str, Hashable]]


def pairs_of(row: Mapping[str, Hashable], names: Sequence[str]) -> set[Pair]:
    return {((a, row[a]), (b, row[b])) for a, b in combinations(names, 2)}


def all_pairs(factors: Mapping[str, Sequence[Hashable]]) -> set[Pair]:
    names = list(factors)
    return {
        ((a, va), (b, vb))
        for a, b in combinations(names, 2)
        for va in factors[a]
        for vb in factors[b]
    }


def covering_array(
    factors: Mapping[str, Sequence[Hashable]],
    required: Iterable[Mapping[str, Hashable]] = (),
    *,
    candidates: int = 30,
    seed: int = 6,
) -> list[Row]:
    """Rows (one level per factor) that hold every pair of levels of every two factors,
    starting with the `required` rows."""
    names = list(factors)
    rows: list[Row] = [dict(row) for row in required]
    uncovered = all_pairs(factors)
    for row in rows:
        uncovered -= pairs_of(row, names)
    rng = random.Random(seed)
    position = {name: i for i, name in enumerate(names)}

    def pair(x: tuple[str, Hashable], y: tuple[str, Hashable]) -> Pair:
        return (x, y) if position[x[0]] < position[y[0]] else (y, x)

    while uncovered:
        best: tuple[int, Row] | None = None
        for _ in range(candidates):
            (a, va), (b, vb) = rng.choice(sorted(uncovered, key=repr))
            row: Row = {a: va, b: vb}
            rest = [n for n in names if n not in row]
            rng.shuffle(rest)
            for name in rest:
                row[name] = max(
                    factors[name],
                    key=lambda level, name=name, row=row: sum(
                        pair((name, level), (other, row[other])) in uncovered for other in row
                    ),
                )
            full = {n: row[n] for n in names}
            new = len(pairs_of(full, names) & uncovered)
            if best is None or new > best[0]:
                best = (new, full)
        assert best is not None
        rows.append(best[1])
        uncovered -= pairs_of(best[1], names)
    return rows


def option_choices(copier_yml: Path = TEMPLATE_ROOT / "copier.yml") -> dict[str, list[str]]:
    """Each option question's choice values, in the questionnaire's order."""
    questions = yaml.safe_load(copier_yml.read_text(encoding="utf-8"))
    return {q: list(questions[q]["choices"].values()) for q in OPTION_QUESTIONS}


def option_answer_sets() -> list[dict[str, Any]]:
    """Answers for a pairwise covering set of the options, the smallest and largest first."""
    choices = option_choices()
    factors = {option: (False, True) for values in choices.values() for option in values}
    required = [dict.fromkeys(factors, False), dict.fromkeys(factors, True)]
    return [
        {question: [v for v in values if row[v]] for question, values in choices.items()}
        for row in covering_array(factors, required)
    ]


def answer_set_id(answers: Mapping[str, Sequence[str]]) -> str:
    """A readable test id: the options that are on, or `none`."""
    return "+".join(v for values in answers.values() for v in values) or "none"
