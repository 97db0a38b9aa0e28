"""Admin surface of the registry: the JSON API under ``/admin/api`` (``api``), its
bearer-token check (``auth``), the schema explorer's graph data (``explorer``) and
the static admin UI under ``/admin`` (``static/``)."""
