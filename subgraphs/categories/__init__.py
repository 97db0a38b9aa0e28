"""Categories subgraph: a category tree on SQL (SQLAlchemy 2 async, Strawberry federation)."""
