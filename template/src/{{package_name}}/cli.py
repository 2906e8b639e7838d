"""Command line: the same stages the orchestrator runs, one command each.

run                     every stage on the input files not loaded yet
run --stage NAME        one stage of the open batch (extract starts a new one)
backfill --start --end  re-process the raw zone's rows of a date range
quality                 the latest quality results from the warehouse
dlq replay              re-validate the quarantine with today's contracts
erase --subject         remove one person everywhere (GDPR art. 17)
generate-data           synthetic input files of any size
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
import structlog

from .config import PIPELINE_NAME, load_settings
from .contracts import ContractError
from .datagen import generate
from .observability.logs import configure_logging
from .pipeline import STAGES, Pipeline, PipelineError, RunSummary
from .privacy.erasure import erase
from .privacy.keys import PiiKeyError, uses_development_key
from .privacy.redaction import safe_error


def _pipeline() -> Pipeline:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    if uses_development_key(settings):
        # Said on every command: this mode must never go unnoticed on real data.
        click.secho(
            "Dev mode (PIPELINE_ENV=dev): PII is pseudonymised with the public development "
            "key; sample data only.",
            fg="yellow",
            err=True,
        )
    return Pipeline(settings)


# Errors whose messages this project writes itself, from names and counts only.
TRUSTED_ERRORS = (PipelineError, PiiKeyError, ContractError)


def _fail(error: Exception) -> None:
    """Exit 1 with a one-line message. Terminals and CI logs are outside the restricted
    zones, and a parser's message quotes the row it failed on: the message is `safe_error`'s,
    and an unexpected error's traceback is logged without local variables."""
    message = safe_error(error, trusted=TRUSTED_ERRORS)
    trace = None if isinstance(error, TRUSTED_ERRORS) else error
    structlog.get_logger(__name__).error("command_failed", error=message, exc_info=trace)
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


@click.group(help=f"{PIPELINE_NAME}: contract-driven batch pipeline (see docs/DATA_FLOW.md).")
def main() -> None:
    pass


@main.command()
@click.option(
    "--stage",
    type=click.Choice(STAGES),
    help="Run only this stage: `extract` opens a batch of new files, the others continue the "
    "open batch (or --batch-id).",
)
@click.option("--batch-id", help="The batch to continue (default: the latest open one).")
def run(stage: str | None, batch_id: str | None) -> None:
    """Load the input files that are new since the last run, through every stage."""
    try:
        pipeline = _pipeline()
        if stage is None:
            summary = pipeline.run()
        elif stage == "extract":
            state = pipeline.plan_files("run --stage extract")
            summary = pipeline.summary(state and pipeline.execute(state, ["extract"]))
        else:
            state = pipeline.open_batch(batch_id)
            summary = pipeline.summary(pipeline.execute(state, [stage]))
    except Exception as error:  # reported without row content by _fail
        _fail(error)
    _print_summary(summary)


@main.command()
@click.option("--start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day.")
@click.option("--end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day.")
def backfill(start: datetime, end: datetime) -> None:
    """Re-process the loaded input rows whose event time is within [START, END].

    Use it after fixing a contract or a transformation: the rows are validated, transformed,
    quality-checked and merged again, and the gold days they touch are recomputed. Rows of
    deliveries the quality gate rejected are never read; datasets without rows in the window
    are left out.
    """
    if end < start:
        raise click.BadParameter("--end is before --start")
    try:
        pipeline = _pipeline()
        state = pipeline.plan_backfill(start.date(), end.date())
        if not state.datasets:
            click.echo("Nothing to backfill: no loaded rows in the window.")
            _print_skipped(state.skipped)
            return
        summary = pipeline.summary(pipeline.execute(state))
    except Exception as error:  # reported without row content by _fail
        _fail(error)
    _print_summary(summary)


@main.command()
@click.option("--batch-id", help="Show this batch (default: the latest checked).")
def quality(batch_id: str | None) -> None:
    """Show the quality results of the latest (or a given) batch from ops.quality_results."""
    pipeline = _pipeline()
    with pipeline.warehouse() as wh:
        if batch_id is None:
            latest = wh.execute(
                "SELECT batch_id FROM ops.quality_results ORDER BY checked_at DESC LIMIT 1"
            )
            if not latest:
                click.echo("No quality results yet: run the pipeline first.")
                return
            batch_id = latest[0][0]
        rows = wh.execute(
            "SELECT dataset, check_name, severity, passed, observed, detail "
            "FROM ops.quality_results WHERE batch_id = ? ORDER BY dataset, check_name",
            [batch_id],
        )
    click.echo(f"Quality of batch {batch_id}:")
    for dataset, check, severity, passed, observed, detail in rows:
        verdict = (
            click.style("pass", fg="green")
            if passed
            else click.style(
                "FAIL" if severity == "error" else "warn",
                fg="red" if severity == "error" else "yellow",
            )
        )
        shown = "" if observed is None else f"{observed:g}"
        click.echo(f"  {verdict:<5} {dataset:<10} {check:<28} {shown:>12}  {detail}")


@main.group()
def dlq() -> None:
    """The quarantine (dead-letter queue) of rows that failed validation."""


@dlq.command()
@click.option("--dataset", help="Replay only this dataset's quarantine.")
def replay(dataset: str | None) -> None:
    """Re-validate every quarantined row with today's contracts and load the ones that pass.

    Fix the cause first (a contract rule, or the rows themselves in the quarantine files);
    rows that still fail are quarantined again under the replay batch.
    """
    try:
        pipeline = _pipeline()
        state = pipeline.plan_replay(dataset)
        summary = pipeline.summary(state and pipeline.execute(state))
    except Exception as error:  # reported without row content by _fail
        _fail(error)
    if state is None:
        click.echo("Nothing to replay: no quarantined rows of loaded batches.")
        return
    _print_summary(summary)


@main.command(name="erase")
@click.option("--subject", required=True, help="A customer id (C0000042) or an email address.")
@click.confirmation_option(prompt="Erase this subject from every zone and the warehouse?")
def erase_subject(subject: str) -> None:
    """Remove one person from the warehouse, the gold tables and every lake zone (GDPR), and
    list the places that must be handled by hand."""
    try:
        report = erase(_pipeline(), subject)
    except Exception as error:  # reported without row content by _fail
        _fail(error)
    token = report.subject_token[:12]
    if report.found:
        click.echo(f"Erased subject {token}… ({report.total} rows or texts) from:")
        for place, rows in sorted(report.rows_removed.items()):
            click.echo(f"  {place:<52} {rows:>8}")
    else:
        click.echo(
            f"Subject {token}… was not found in the warehouse or any lake zone: nothing was "
            "erased. Check the spelling (an email or a customer id)."
        )
    click.echo("Not reached by the pipeline, handle by hand:")
    for place in report.not_reached:
        click.echo(f"  - {place}")
    click.echo(f"Recorded in ops.erasures ({report.erasure_id}, outcome {report.outcome}).")


@main.command(name="generate-data")
@click.option(
    "--rows",
    default=1000,
    show_default=True,
    type=click.IntRange(min=20),
    help="Number of events; orders get half as many, customers a quarter.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder to write customers.csv, orders.csv and events.jsonl into.",
)
@click.option("--seed", default=42, show_default=True, help="Random seed (same seed, same files).")
def generate_data(rows: int, out_dir: Path, seed: int) -> None:
    """Write synthetic input files with the sample data's shape and defects."""
    files = generate(out_dir, rows, seed=seed)
    for dataset, count in files.rows.items():
        click.echo(f"  {dataset:<10} {count:>12,} rows")
    click.echo(f"Written to {out_dir}. Run them with PIPELINE_INPUT_DIR={out_dir}.")


def _print_summary(summary: RunSummary) -> None:
    state = summary.state
    if state is None:
        click.echo("Nothing new to load: every input file was loaded before.")
        click.echo(f"Warehouse: {summary.warehouse}")
        return
    click.echo(f"Batch {state.batch_id} ({state.kind}): {', '.join(state.stages_done)}")
    header = (
        f"  {'dataset':<10} {'rows in':>9} {'loaded':>9} {'quarantined':>12} {'duplicates':>11}"
    )
    click.echo(header)
    for dataset, c in state.counts.items():
        click.echo(
            f"  {dataset:<10} {c['rows_in']:>9} {c['loaded']:>9} {c['quarantined']:>12} "
            f"{c['duplicates']:>11}"
        )
    _print_skipped(state.skipped)
    for dataset, reasons in state.reasons.items():
        if reasons:
            listed = ", ".join(f"{reason} x{n}" for reason, n in reasons.items())
            click.echo(f"  quarantined {dataset}: {listed}")
    if state.quality:
        failed = [q for q in state.quality if not q["passed"]]
        errors = [q for q in failed if q["severity"] == "error"]
        verdict = "FAILED" if errors else ("passed with warnings" if failed else "passed")
        click.echo(
            f"Quality: {verdict} ({len(state.quality) - len(failed)}/{len(state.quality)} checks)"
        )
        for q in failed:
            click.echo(f"  {q['severity']}: {q['dataset']}.{q['check']}: {q['detail']}")
    if "load" in state.stages_done:
        click.echo(f"Warehouse: {summary.warehouse} (silver.*, gold.*, ops.*)")
    click.echo(f"Lake: {summary.lake}   Metrics: {summary.metrics}")
    if state.status != "loaded" and "load" not in state.stages_done:
        click.echo(
            f"Batch still open: continue with `run --stage <next> --batch-id {state.batch_id}`"
        )


def _print_skipped(skipped: dict[str, str]) -> None:
    for dataset, why in skipped.items():
        click.echo(f"  not in this batch: {dataset} ({why})")


if __name__ == "__main__":
    main()
