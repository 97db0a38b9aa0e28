"""The request pipeline: the context that travels through the stages, and plugins."""
