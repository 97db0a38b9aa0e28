"""Records subgraph: product catalog records on MongoDB (Strawberry federation)."""
