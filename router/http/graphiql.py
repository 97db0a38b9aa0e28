"""GraphiQL for browsers at ``GET /graphql``, from vendored assets (no CDN: the
router must work offline). Falls back to the plain query page when the assets
are missing from an installation."""

from __future__ import annotations

from pathlib import Path

from router.http.query_page import QUERY_PAGE

ASSETS_DIR = Path(__file__).parent.parent / "static" / "vendor" / "graphiql"
ASSETS_URL = "/graphiql/static"

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL · graphql-gateway</title>
<style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
<link rel="stylesheet" href="{ASSETS_URL}/graphiql.min.css">
<script src="{ASSETS_URL}/react.production.min.js"></script>
<script src="{ASSETS_URL}/react-dom.production.min.js"></script>
<script src="{ASSETS_URL}/graphiql.min.js"></script>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script>
  const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
  );
</script>
</body>
</html>
"""


def assets_available() -> bool:
    return (ASSETS_DIR / "graphiql.min.js").is_file()


def browser_page() -> str:
    """The HTML a browser gets at ``GET /graphql``."""
    return _PAGE if assets_available() else QUERY_PAGE
