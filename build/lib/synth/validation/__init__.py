"""Great Expectations suites built from real tables, and checkpoints run on inputs and outputs."""
