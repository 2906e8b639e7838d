"""`stream`: the stream processing on a file of events, without Kafka (a replay)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

import click

from ..config import STREAM_REFERENCE_TOPICS, load_settings
from ..contracts import ContractError
from ..observability.logs import configure_logging
from ..privacy.keys import PiiKeyError
from .core import replay
from .sample import sample_references, sample_stream
from .settings import lake_archive, stream_processor, stream_settings


def _reference_file(text: str) -> tuple[str, Path]:
    dataset, _, path = text.partition("=")
    if dataset not in STREAM_REFERENCE_TOPICS or not Path(path).is_file():
        known = ", ".join(STREAM_REFERENCE_TOPICS) or "none: enrichment is not a transformation"
        raise click.BadParameter(f"give DATASET=FILE, an existing file; datasets: {known}")
    return dataset, Path(path)


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
@click.option(
    "--reference",
    "references",
    multiple=True,
    metavar="DATASET=FILE",
    help="Reference records to enrich with (one JSON message per line), read before the events.",
)
@click.option(
    "--archive/--no-archive",
    default=True,
    show_default=True,
    help="Write the clean events to the lake archive (<data_dir>/lake/stream/, by event hour).",
)
def stream(replay_file: Path, out: Path | None, references: tuple[str, ...], archive: bool) -> None:
    """Run the stream processing on a file of events, without Kafka, and print the counts."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        processor = stream_processor(settings)
    except (ContractError, PiiKeyError) as error:  # messages of our own: names, no values
        raise click.ClickException(str(error)) from None
    for dataset, path in map(_reference_file, references):
        assert processor.reference is not None  # _reference_file checked the dataset
        processor.reference.load(dataset, path)
    data = replay_file.read_bytes()
    outputs = replay(processor, (line for line in data.splitlines() if line.strip()))
    if archive:
        # Named by the file's digest: replaying the same file again replaces its rows.
        name = f"replay-{hashlib.sha256(data).hexdigest()[:16]}"
        lake_archive(settings).write((o.payload for o in outputs if o.kind == "clean"), name)
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
    if processor.reference is not None and references:
        ref = processor.reference.counts
        click.echo(f"  {'reference rows':<15} {ref.stored:>8,} ({ref.rejected:,} refused)")
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
    """A sample event stream with known malformed, late and re-delivered events, and the
    reference records its events are enriched with (beside it, <dataset>.jsonl)."""
    sample = sample_stream(events, stream_settings(), seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(sample.messages) + "\n", encoding="utf-8")
    for dataset in STREAM_REFERENCE_TOPICS:  # the sample's reference data is customers
        reference = out.with_name(f"{dataset}.jsonl")
        reference.write_text("\n".join(sample_references(seed)) + "\n", encoding="utf-8")
        click.echo(f"Wrote the {dataset} reference records to {reference}")
    click.echo(f"Wrote {len(sample.messages):,} messages to {out}; a replay must count:")
    for name, value in sample.expected.items():
        click.echo(f"  {name:<15} {value:>8,}")
