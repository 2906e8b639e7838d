"""What the generated code does not implement yet, for the answers given.

Every option is designed and sized, but the runnable pipeline arrives stack by stack
(docs/stacks.md). A chosen component listed here still renders cleanly; the design
documents and `copier copy` say plainly that its code is not generated yet, so nobody
mistakes a sized spec for a working job.
"""

from __future__ import annotations

# component -> what the user gets instead, until the template generates it (a new option
# starts here until it is).
NOT_GENERATED_YET: dict[str, str] = {
    # The API is the consumer's own service, as the BI tool and the ML platform are; what
    # the pipeline owes it is the serving store kept current by the stream (rule V).
    "consumer_realtime_api": (
        "Real-time API serving: the PostgreSQL serving store is designed and priced "
        "(docs/ARCHITECTURE.md, Serving the real-time API), but the feed that upserts the "
        "stream's clean and window topics into it is not generated; the stream writes those "
        "Kafka topics, and the warehouse is loaded on the orchestrator's schedule (hours, "
        "not seconds)."
    ),
}


def not_generated_yet(components: frozenset[str]) -> list[str]:
    return [note for component, note in NOT_GENERATED_YET.items() if component in components]
