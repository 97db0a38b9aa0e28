"""`python -m subgraphs.processors NAME`: run one processor (same as `events run NAME`)."""

import sys

from subgraphs.events.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["run", *sys.argv[1:]]))
