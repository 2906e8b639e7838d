"""Sources: how each contract's raw rows are found and read."""
