"""The service registry: subgraphs registered at run time, persisted in SQL.

``models`` (tables), ``database`` (engine, migration check), ``migrations``
(alembic wrapper behind ``gateway db``), ``store`` (queries), ``fetch``
(``{ _service { sdl } }``), ``runtime`` (compose + atomic swap + polling) and
``mount`` (wiring into the FastAPI app).
"""
