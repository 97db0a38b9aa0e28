"""The router: a FastAPI service serving one GraphQL endpoint over a supergraph.

Start it with ``gateway serve --supergraph FILE`` (``router.cli``); the request path
is in ``router.app`` and each stage has its own module. See docs/router.md.
"""
