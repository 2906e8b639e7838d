"""What the generated code does not implement yet, for the answers given.

Every option is designed and sized, but the runnable pipeline arrives stack by stack
(docs/stacks.md). A chosen component listed here still renders cleanly; the design
documents and `copier copy` say plainly that its code is not generated yet, so nobody
mistakes a sized spec for a working job.
"""

from __future__ import annotations

# component -> what the user gets instead, until the template generates it. Empty: every
# option the questionnaire offers is generated (a new option starts here until it is).
NOT_GENERATED_YET: dict[str, str] = {}


def not_generated_yet(components: frozenset[str]) -> list[str]:
    return [note for component, note in NOT_GENERATED_YET.items() if component in components]
