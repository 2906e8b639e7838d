"""`make test` sends the quick tiers to its workers file by file (tests/conftest.py marks each
file an `xdist_group`), so a module's rendered projects are rendered once, not once per
worker. A pytest and pytest-xdist pair that drops the groups does so silently (the tests
still pass, slower): this runs a module on two workers and checks that one ran it all."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_a_module_of_the_quick_tiers_runs_on_one_worker() -> None:
    module = TESTS / "unit" / "test_covering.py"
    command = [sys.executable, "-m", "pytest", str(module), "-v", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "-n", "2", "--dist", "loadgroup"],
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    workers = re.findall(r"^\[(gw\d+)\] .*PASSED", result.stdout, re.MULTILINE)
    assert len(workers) >= 10, result.stdout[-3000:]
    assert len(set(workers)) == 1, f"the module's tests ran on {sorted(set(workers))}"
