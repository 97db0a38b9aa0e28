"""Built-in plugins: cross-cutting features that hook into the pipeline's stages."""
