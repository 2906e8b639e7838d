"""`stream`: the stream processing on a file of events, without Kafka (a replay)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import click

from ..config import STREAM_DATASET, load_settings
from ..contracts import load_contracts
from ..observability.logs import configure_logging
from ..privacy.keys import pii_key
from .core import StreamProcessor, replay
from .sample import sample_stream
from .settings import stream_settings


@click.command()
@click.option(
    "--replay",
    "replay_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of events, one JSON message per line, processed in order.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each output (clean, dead_letter, late, aggregate, alert) here as JSON lines.",
)
def stream(replay_file: Path, out: Path | None) -> None:
    """Run the stream processing on a file of events, without Kafka, and print the counts."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    contract = load_contracts(settings.contracts_dir)[STREAM_DATASET]
    processor = StreamProcessor(contract, stream_settings(), pii_key(settings))
    messages = (line for line in replay_file.read_bytes().splitlines() if line.strip())
    outputs = replay(processor, messages)
    if out is not None:
        by_kind: dict[str, list[str]] = defaultdict(list)
        for output in outputs:
            by_kind[output.kind].append(json.dumps(output.payload))
        out.mkdir(parents=True, exist_ok=True)
        for kind, lines in by_kind.items():
            (out / f"{kind}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = processor.counts
    click.echo(f"Replayed {replay_file}:")
    for name, value in counts.as_dict().items():
        click.echo(f"  {name:<15} {value:>8,}")
    if not counts.reconciles:  # a bug, never the data's fault: say so loudly
        raise click.ClickException("received != clean + dead_letter + late + duplicates")


@click.command(name="generate-stream")
@click.option("--events", default=2_000, show_default=True, help="Messages to write.")
@click.option(
    "--out",
    default=Path("data/stream/events.jsonl"),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (one JSON message per line).",
)
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same file).")
def generate_stream(events: int, out: Path, seed: int) -> None:
    """A sample event stream with known malformed, late and re-delivered events."""
    sample = sample_stream(events, stream_settings(), seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(sample.messages) + "\n", encoding="utf-8")
    click.echo(f"Wrote {len(sample.messages):,} messages to {out}; a replay must count:")
    for name, value in sample.expected.items():
        click.echo(f"  {name:<15} {value:>8,}")
