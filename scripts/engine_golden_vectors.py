"""Write the batch engines' golden vectors (template/tests/golden/engine/*.json).

Run it inside a rendered project's environment, from that project's root:

    cd /tmp/project
    uv run --frozen python /path/to/pipeline-architect/scripts/engine_golden_vectors.py

Inputs are the project's generated sample files (a small, seeded sample with its built-in
defects) plus hand-written hostile lines per dataset; the expectations are what the Polars
engine makes of them. The generated test (tests/test_engine_conformance.py) then holds every
engine to them, and checks them against the plain-Python rules and masking; review the diff
of the JSON files before you commit new expectations.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[1]
OUT = TEMPLATE / "template" / "tests" / "golden" / "engine"
KEY = "golden-key-" + "fedcba9876543210" * 2
NOW = "2025-06-08T12:00:00+00:00"

# Lines no generator writes: every rule kind, whitespace and case variants, timestamps with
# offsets and nanoseconds, numbers at the edges, unicode, control characters, lines the
# reader cannot split, repeated keys with later, equal and earlier event times.
HOSTILE = {
    "customers": [
        " C0000001 ,Ada Lovelace, ADA@Example.COM ,+44 20 7946 0958,1915-12-10,"
        "gb,London, business ,"
        "2025-01-01T00:00:00Z,"
        "2025-06-07T09:00:00Z",
        "C0000002,Bob Stone,bob@example.com,555 0100,1899-12-31,GB,Leeds,consumer,"
        "2025-01-01T00:00:00Z,"
        "2025-06-07T09:00:00+01:00",
        "C0000003,Cé Lia,celia@example.fr,,1990-01-01,FR,Paris,consumer,2025-01-01T00:00:00Z,"
        "2025-06-07T09:00:00Z",
        "C0000009,Future,f@example.fr,,2031-01-01,FR,Paris,consumer,2025-01-01T00:00:00Z,"
        "2025-06-07T09:00:00Z",
        "C0000004,Dee,dee@example,+1 202 555 0147,1990-02-30,US,NYC,regular,"
        "2025-01-01T00:00:00Z,2025-06-07T09:00:00Z",
        "c0000005,Eve,eve@example.com,+1 202 555 0148,1990-01-01,usa,NYC,regular,"
        "2025-01-01T00:00:00Z,"
        "2025-06-07T09:00:00Z",
        "C0000001,Ada Lovelace,ada@example.com,+44 20 7946 0000,1815-12-10,GB,London,vip,"
        "2025-01-01T00:00:00Z,"
        "2025-06-07T10:00:00.000001Z",
        "C0000006,\x07Bell,bell@example.com,+1 202 555 0149,1980-05-05,US,Boston,consumer,"
        "2025-01-01T00:00:00Z,"
        "2025-06-07T09:00:00Z",
        "C0000007,Field,count",
        'C0000008,"Open quote,open@example.com,,1980-05-05,US,Boston,consumer,'
        "2025-01-01T00:00:00Z,2025-06-07T09:00:00Z",
    ],
    "orders": [
        "O000000901,C0000001,paid, 12.345 ,eur,card,2025-06-01T10:00:00.123456789+02:00,"
        "2025-06-01T10:00:01+0200,Ring \t twice or mail a.b@example.org",
        "O000000901,C0000001,shipped,12.35,EUR,card,2025-06-01T10:00:00Z,"
        "2025-06-01T09:00:01.5Z,a later updated_at wins",
        "O000000912,C0000002,paid,1,EUR,card,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z,first",
        "O000000912,C0000002,paid,2,EUR,card,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z,tie: the "
        "line read last wins",
        "O000000902,C0000002,placed,1e400,GBP,card,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z,",
        "O000000903,C0000003,placed,-0.01,GBP,card,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z,",
        "O000000904,C0000003,placed,NaN,GBP,card,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z,",
        'O000000905,C0000003,placed,"12,5",GBP,card,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z,',
        "O000000906,C0000003,PAID,,gbp,card,2025-06-01T10:00:00,0000-01-01T00:00:00Z,",
        "o000000907,C999,paid,5,XXX,card,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z,Café ☕",
        "O000000908,C0000004,refunded,+7.,USD,cash,2025-06-01T23:59:59.9999999-05:00,"
        "2025-06-02T04:59:59.9999999Z,\x01",
        "O000000909,C0000099,paid,.5,usd,card,2025-06-02T00:00:00Z,2025-06-02T00:00:00Z,"
        "no such customer",
        "O000000910,C0000001",
        'O000000911,C0000001,paid,3,EUR,card,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z,"open',
    ],
    "events": [
        '{"event_id": "00000000000000aa", "event_ts": "2025-06-01T10:00:00.1234567z", '
        '"user_id": "C0000001", "session_id": "s1", "event_type": "page_view", '
        '"page_url": "https://shop.example/p?mail=ada@example.com", "ip_address": '
        '"81.2.69.142", "user_agent": "Mozilla/5.0   (X11;\\tLinux)", "duration_ms": " 007 ", '
        '"email": "ADA@example.com"}',
        '{"event_id": "00000000000000aa", "event_ts": "2025-06-01T09:00:00Z", '
        '"user_id": "C0000001", "session_id": "s1", "event_type": "page_view", '
        '"duration_ms": "1"}',
        '{"event_id": "00000000000000ab", "event_ts": "2025-06-01T10:00:00+00:30", '
        '"user_id": "C0000099", "session_id": "s2", "event_type": "search", "ip_address": '
        '"2001:db8::1", "duration_ms": "+5"}',
        '{"event_id": "00000000000000ac", "event_ts": "2025-06-01T10:00:00Z", '
        '"session_id": "s3", "event_type": "checkout", "duration_ms": '
        '"99999999999999999999"}',
        '{"event_id": "00000000000000ad", "event_ts": "2025-06-01T10:00:00Z", '
        '"session_id": "s3", "event_type": "teleport", "duration_ms": "-1"}',
        '{"event_id": "XYZ", "event_ts": "not a time", "event_type": "search"}',
        '{"event_id": {"nested": true}, "event_ts": "2025-06-01T10:00:00Z"}',
        "[1, 2, 3]",
        "{not json",
        "null",
        '{"event_id": "00000000000000ae", "event_ts": "2025-06-01T10:00:00Z", '
        '"user_id": "C0000002", "session_id": "s4", "event_type": "purchase", '
        '"page_url": "call +44 20 7946 0958 on 2025-06-01, v1.2.3, 10.0.0.1, €9.99", '
        '"duration_ms": 12}',
    ],
}

SCENARIOS: dict[str, dict[str, Any]] = {
    # Every transform step; duplicates are the dedup step's to drop.
    "all_steps": {"steps": ["cleaning", "dedup", "enrichment"], "flag_duplicates": False},
    # The sources promise unique keys: validation quarantines the older copies instead.
    "unique_keys_promised": {"steps": ["enrichment"], "flag_duplicates": True},
    # No transform step at all: clean = validated.
    "no_steps": {"steps": [], "flag_duplicates": True},
}


def main() -> None:
    sys.path.insert(0, str(Path.cwd()))
    from tests.engine_vectors import run

    from tests.conftest import CONTRACTS_DIR  # the rendered project's

    package = next(Path("src").iterdir()).name
    contracts_module = __import__(f"{package}.contracts", fromlist=["load_contracts"])
    datagen = __import__(f"{package}.datagen", fromlist=["generate"])
    chunking = __import__(f"{package}.chunking", fromlist=["MemoryBudget"])
    engines = __import__(f"{package}.engines.polars", fromlist=["PolarsEngine"])
    contracts = contracts_module.load_contracts(CONTRACTS_DIR)
    engine = engines.PolarsEngine(chunking.MemoryBudget(64))
    with tempfile.TemporaryDirectory() as folder:
        files = datagen.generate(Path(folder) / "sample", 40, seed=7)
        inputs = {
            dataset: _with_hostile(getattr(files, dataset).read_text("utf-8"), HOSTILE[dataset])
            for dataset in contracts
        }
        OUT.mkdir(parents=True, exist_ok=True)
        for name, scenario in SCENARIOS.items():
            vector = {
                "about": __doc__.splitlines()[0] + f" Scenario: {name}.",
                "now": NOW,
                "key": KEY,
                **scenario,
                "inputs": inputs,
            }
            work = Path(folder) / name
            vector["expect"] = run(engine, vector, contracts, work).data
            path = OUT / f"{name}.json"
            path.write_text(json.dumps(vector, indent=1, ensure_ascii=False) + "\n", "utf-8")
            print(f"wrote {path.relative_to(TEMPLATE)}")


def _with_hostile(text: str, lines: list[str]) -> str:
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
