"""The `formats` answer in the rendered project: the formats the reader accepts
(`config.INPUT_FORMATS`), the sample files of each chosen format (the same rows as the plain
slices they replace, so the sample's counts do not depend on the answer), and the orders
contract's nested-JSON paths. The generated project's own tests (tests/test_input_formats.py)
read and run every format; the e2e tier runs them in the presets that choose them.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from rendering import render

EVERY = ["csv", "json", "nested_json", "parquet", "compressed_logs"]
CASES: dict[str, list[str]] = {
    "plain": ["csv", "json"],
    "every": EVERY,
    "json-only": ["json"],
    "parquet-and-gzip": ["parquet", "compressed_logs"],
}
# Each chosen format's sample files, and the plain slice each replaces otherwise.
SLICES = {
    "compressed_logs": {
        "orders-archive.csv.gz": "orders-archive.csv",
        "events-archive.jsonl.gz": "events-archive.jsonl",
    },
    "parquet": {
        "orders-export.parquet": "orders-export.csv",
        "events-export.parquet": "events-export.jsonl",
    },
    "nested_json": {"orders-api.jsonl": "orders-api.csv"},
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {
        name: render(tmp_path_factory.mktemp(name), data={"formats": formats})
        for name, formats in CASES.items()
    }


def _input_formats(project: Path) -> list[str]:
    config = next((project / "src").glob("*/config.py")).read_text()
    for node in ast.parse(config).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "INPUT_FORMATS":
            assert node.value is not None
            return list(ast.literal_eval(node.value))
    raise AssertionError("config.py has no INPUT_FORMATS")


@pytest.mark.parametrize("case", list(CASES))
def test_the_reader_accepts_the_chosen_formats(rendered: dict[str, Path], case: str):
    assert _input_formats(rendered[case]) == sorted(CASES[case])


@pytest.mark.parametrize("case", list(CASES))
def test_the_sample_has_each_chosen_format_instead_of_its_plain_slice(
    rendered: dict[str, Path], case: str
):
    sample = rendered[case] / "data/sample"
    names = {path.name for path in sample.iterdir()}
    assert {"customers.csv", "orders.csv", "events.jsonl"} <= names
    for answer, slices in SLICES.items():
        for chosen, plain in slices.items():
            assert (chosen in names, plain in names) == (
                (True, False) if answer in CASES[case] else (False, True)
            ), (answer, chosen)


def _rows(path: Path) -> list[dict[str, Any]]:
    """A CSV or JSON-lines sample slice's rows (CSV values as text, JSON as decoded)."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if ".csv" in path.suffixes:
        return list(csv.DictReader(io.StringIO(data.decode())))
    return [json.loads(line) for line in data.decode().splitlines()]


@pytest.mark.parametrize(
    ("answer", "chosen", "plain"),
    [(a, chosen, plain) for a, slices in SLICES.items() for chosen, plain in slices.items()],
)
def test_a_format_slice_holds_the_rows_of_its_plain_slice(
    rendered: dict[str, Path], answer: str, chosen: str, plain: str
):
    """The Parquet slices are read by the generated project's tests (pyarrow is not installed
    here): the sample's counts, the same in every project, hold their rows."""
    path = rendered["every"] / "data/sample" / chosen
    plain_rows = _rows(rendered["plain"] / "data/sample" / plain)
    assert plain_rows
    if answer == "parquet":
        data = path.read_bytes()
        assert data[:4] == data[-4:] == b"PAR1"
        return
    chosen_rows = _rows(path)
    if answer == "nested_json":
        flat = [
            (row["order_id"], (row.get("customer") or {}).get("id"), row["delivery"]["notes"])
            for row in chosen_rows
        ]
        # csv reads an empty field as "": an order without a customer leaves `customer` out.
        assert flat == [
            (row["order_id"], row["customer_id"] or None, row["delivery_notes"])
            for row in plain_rows
        ]
    else:
        assert chosen_rows == plain_rows


def _source_paths(project: Path) -> dict[str, str]:
    contract = yaml.safe_load((project / "contracts/orders.odcs.yaml").read_text())
    return {
        prop["name"]: custom["value"]
        for prop in contract["schema"][0]["properties"]
        for custom in prop.get("customProperties") or []
        if custom["property"] == "sourcePath"
    }


def test_only_nested_json_gives_the_orders_contract_source_paths(rendered: dict[str, Path]):
    assert _source_paths(rendered["every"]) == {
        "customer_id": "customer.id",
        "amount": "total.amount",
        "currency": "total.currency",
        "payment_method": "payments[0].method",
        "delivery_notes": "delivery.notes",
    }
    for case in ("plain", "json-only", "parquet-and-gzip"):
        assert _source_paths(rendered[case]) == {}, case
