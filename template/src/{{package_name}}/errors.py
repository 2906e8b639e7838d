"""The errors a run stops with on purpose: their messages say why and what to do, and name
columns and datasets only (never a value), so they are safe to log and to show."""

from __future__ import annotations


class PipelineError(RuntimeError):
    """A run stopped on purpose: the message says why and what to do."""


class QualityGateError(PipelineError):
    pass


class ReconciliationError(PipelineError):
    pass


class RunLockedError(PipelineError):
    """Another run of the same data dir held the run lock for longer than the timeout."""
