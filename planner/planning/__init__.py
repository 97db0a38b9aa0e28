"""Planning steps: normalise the operation, walk it into fetch groups, assemble the plan."""
