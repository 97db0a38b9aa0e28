"""Running the router: health endpoints, supergraph hot reload, the server and its workers."""
