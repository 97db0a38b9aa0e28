"""A small self-contained query page served at ``GET /graphql`` for browsers.

GraphiQL itself needs a bundler and assets from a CDN; the router must work
offline, so this page is plain HTML + JS with no external resources: an editor
for the query and variables, a Run button (POST to the same URL) and the JSON
result, plus a list of root fields read through introspection.
"""

from __future__ import annotations

QUERY_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphQL gateway</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; display: flex; height: 100vh; }
  section { flex: 1; display: flex; flex-direction: column; padding: 8px; min-width: 0; }
  textarea, pre { flex: 1; font-family: ui-monospace, monospace; font-size: 13px;
                  border: 1px solid #ccc; padding: 6px; margin: 4px 0; overflow: auto; }
  #variables { flex: 0 0 120px; }
  button { padding: 6px 16px; font-size: 14px; }
  #fields { font-size: 12px; color: #555; }
</style>
</head>
<body>
<section>
  <div><button id="run">Run (Ctrl+Enter)</button> <span id="status"></span></div>
  <textarea id="query" spellcheck="false">{ __typename }</textarea>
  <label for="variables">Variables (JSON)</label>
  <textarea id="variables" spellcheck="false">{}</textarea>
  <div id="fields"></div>
</section>
<section><pre id="result"></pre></section>
<script>
const $ = (id) => document.getElementById(id);
async function post(query, variables) {
  const response = await fetch(location.pathname, {
    method: "POST",
    headers: {"Content-Type": "application/json", "Accept": "application/json"},
    body: JSON.stringify({query, variables}),
  });
  return [response.status, await response.json()];
}
async function run() {
  let variables = {};
  try { variables = JSON.parse($("variables").value || "{}"); }
  catch (e) { $("result").textContent = "Variables are not valid JSON: " + e; return; }
  const started = performance.now();
  const [status, body] = await post($("query").value, variables);
  $("status").textContent = "HTTP " + status + " in " +
    Math.round(performance.now() - started) + " ms";
  $("result").textContent = JSON.stringify(body, null, 2);
}
$("run").onclick = run;
$("query").onkeydown = (e) => { if (e.ctrlKey && e.key === "Enter") run(); };
post("{ __schema { queryType { fields { name } } } }", {}).then(([, body]) => {
  const fields = body.data ? body.data.__schema.queryType.fields.map((f) => f.name) : [];
  $("fields").textContent = "Query fields: " + fields.join(", ");
});
</script>
</body>
</html>
"""
