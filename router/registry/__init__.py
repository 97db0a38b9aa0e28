"""The service registry: subgraphs registered at run time, persisted in SQL.

``models`` (tables), ``database`` (engine, migration check), ``migrations``
(alembic wrapper behind ``gateway db``), ``store`` (queries), ``fetch``
(``{ _service { sdl } }``), ``errors`` (why a change is refused), ``graph`` (the
served supergraph: compose, build, store, atomic swap), ``usecases`` (the admin
operations), ``sync`` (start-up, polling, convergence between routers),
``presenters`` (the JSON views), ``runtime`` (the ``Registry`` facade over them)
and ``mount`` (wiring into the FastAPI app).
"""
