"""Response stage: shape the client's result from the merged data and encode it."""
