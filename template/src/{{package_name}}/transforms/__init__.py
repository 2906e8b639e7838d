"""Polars implementations of the pipeline's transformations, each a function of frames."""
