"""The streaming path: the engine-neutral event processing (core.py) that the stream jobs
run, on the same contracts, rules and masking as the batch pipeline."""
