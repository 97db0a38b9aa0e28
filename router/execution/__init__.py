"""Execution stage: walk a query plan, one subgraph request per fetch, merge plain dicts."""
