"""`python -m subgraphs.records`: serve the records subgraph (same as `records serve`)."""

from subgraphs.records.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
