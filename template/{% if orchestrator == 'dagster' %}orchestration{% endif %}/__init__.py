"""Dagster wrapper: thin assets over the pipeline's stages (the logic lives in src/)."""
