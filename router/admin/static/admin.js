// Admin UI for the service registry. Plain JavaScript, no dependencies: it talks to
// /admin/api with the bearer token kept in sessionStorage, and draws the schema
// explorer as SVG with a small force layout.
"use strict";

const API = "/admin/api";
const PALETTE = [
  "#3559e0", "#e0603a", "#2e9d5b", "#9b4dca", "#c9881a", "#1b9aaa",
  "#d6336c", "#5c6f2b", "#6f42c1", "#0d7a5f", "#b5542c", "#4263eb",
];
const SVG_NS = "http://www.w3.org/2000/svg";

const state = { token: sessionStorage.getItem("gatewayAdminToken") || "", graph: null, selected: null, timer: null };

function $(selector) { return document.querySelector(selector); }

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  let payload = null;
  try { payload = await response.json(); } catch (_) { payload = null; }
  if (!response.ok) {
    const errors = (payload && payload.errors) || [{ message: `HTTP ${response.status}`, extensions: { code: "HTTP_ERROR" } }];
    const error = new Error(errors[0].message);
    error.status = response.status;
    error.errors = errors;
    throw error;
  }
  return payload;
}

function showErrors(box, errors) {
  box.replaceChildren();
  if (!errors || errors.length === 0) { box.hidden = true; return; }
  const list = el("ul");
  for (const e of errors) {
    const ext = e.extensions || {};
    const where = [];
    if (ext.subgraphs && ext.subgraphs.length) where.push(`subgraphs: ${ext.subgraphs.join(", ")}`);
    if (ext.elements && ext.elements.length) where.push(`at: ${ext.elements.join(", ")}`);
    list.append(el("li", { class: "composition-error" },
      el("code", {}, ext.code || "ERROR"), " ", e.message,
      where.length ? el("span", { class: "muted" }, ` (${where.join("; ")})`) : null));
  }
  const title = errors.length === 1 ? "The change was refused:" : `The change was refused (${errors.length} errors):`;
  box.append(el("strong", {}, title), list);
  for (const e of errors) {
    if (e.extensions && e.extensions.report) box.append(renderReport(e.extensions.report));
  }
  box.hidden = false;
}

// --- schema check reports ----------------------------------------------------------------

// A schema check report (POST /services/{name}/check, or a BREAKING_CHANGE refusal):
// the changes coloured by severity, then the operations the change breaks or puts at
// risk, with how often clients sent them.
function renderReport(report) {
  const box = el("div", { class: "check-report" });
  const s = report.summary;
  const verdict = report.passed ? "passes" : "fails";
  box.append(el("p", { class: report.passed ? "ok" : "check-failed" },
    el("strong", {}, `Schema check ${verdict}: `),
    `${s.breaking} breaking, ${s.dangerous} dangerous, ${s.safe} safe change(s)`,
    s.operations_checked === null ? "; no recorded operations (schema-level check)."
      : `; ${s.operations_checked} operation(s) checked, ${s.operations_broken} broken.`));
  if (!report.composition.ok) {
    const list = el("ul");
    for (const e of report.composition.errors) list.append(el("li", { class: "composition-error" }, el("code", {}, e.code), " ", e.message));
    box.append(el("strong", {}, "Does not compose:"), list);
  }
  if (report.changes.length) {
    const list = el("ul", { class: "changes" });
    for (const c of report.changes) {
      list.append(el("li", { class: `change severity-${c.severity}`, "data-severity": c.severity },
        el("span", { class: "severity" }, c.severity), " ", el("code", {}, c.coordinate), " ", c.message));
    }
    box.append(list);
  }
  const ops = report.operations;
  const affected = ops ? [...ops.broken, ...ops.at_risk] : [];
  if (affected.length) {
    const rows = affected.map((op) => el("tr", { class: `operation failure-${op.failure}` },
      el("td", {}, el("code", {}, op.name || "(anonymous)")),
      el("td", {}, op.failure),
      el("td", { class: "requests" }, op.requests === null ? "—" : String(op.requests)),
      el("td", {}, op.fields.join(", "))));
    box.append(el("table", { class: "affected-operations" },
      el("thead", {}, el("tr", {}, el("th", {}, "Operation"), el("th", {}, "Failure"), el("th", {}, "Requests"), el("th", {}, "Uses"))),
      el("tbody", {}, ...rows)));
  }
  return box;
}

function colourOf(subgraph) {
  const names = (state.graph && state.graph.subgraphs) || [];
  const index = names.indexOf(subgraph);
  return index < 0 ? "#6b7486" : PALETTE[index % PALETTE.length];
}

function when(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }

// --- connection and tabs -------------------------------------------------------------

async function connect() {
  const status = $("#connection");
  try {
    await loadServices();
    status.textContent = "Connected.";
    status.className = "";
    // Keep status, latency and the served version current (the router polls its services).
    if (!state.timer) state.timer = setInterval(() => { loadServices().catch(() => {}); loadVersions().catch(() => {}); }, 5000);
    await Promise.all([loadVersions(), loadGraph(), loadAudit(), loadKeys()]);
  } catch (error) {
    status.textContent = error.status === 401 ? "Wrong or missing token." : error.message;
    status.className = "muted";
  }
}

$("#token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.token = $("#token").value.trim();
  sessionStorage.setItem("gatewayAdminToken", state.token);
  connect();
});

for (const button of document.querySelectorAll("#tabs button")) {
  button.addEventListener("click", () => {
    for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b === button);
    for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.id === `tab-${button.dataset.tab}`);
    if (button.dataset.tab === "explorer") loadGraph().then(() => fitView(view.layout || [])).catch(() => {});
    if (button.dataset.tab === "history") loadVersions().catch(() => {});
    if (button.dataset.tab === "audit") loadAudit().catch(() => {});
    if (button.dataset.tab === "keys") loadKeys().catch(() => {});
  });
}

// --- services ------------------------------------------------------------------------

function statusBadge(service) {
  const s = service.status || {};
  if (!service.enabled) return el("span", { class: "badge disabled" }, "disabled");
  const source = s.schema_source || "none";
  const label = { live: s.healthy ? "up" : "live", cached: "cached SDL", dropped: "dropped", none: "unknown" }[source] || source;
  const badge = el("span", { class: `badge ${source}`, title: s.error || "" }, label);
  return s.error ? el("span", {}, badge, el("div", { class: "muted" }, s.error)) : badge;
}

function toggle(service, field) {
  const box = el("input", { type: "checkbox", "aria-label": `${field} ${service.name}` });
  box.checked = Boolean(service[field]);
  box.addEventListener("change", async () => {
    box.disabled = true;
    try {
      await api("PATCH", `/services/${encodeURIComponent(service.name)}`, { [field]: box.checked });
      showErrors($("#row-errors"), []);
    } catch (error) {
      box.checked = !box.checked;
      showErrors($("#row-errors"), error.errors);
    }
    box.disabled = false;
    await refreshAll();
  });
  return box;
}

// More instances beside `url` (the service's `urls`): requests are balanced over all.
function replicasNote(service) {
  const urls = service.urls || [];
  if (urls.length === 0) return null;
  const label = `+ ${urls.length} replica${urls.length === 1 ? "" : "s"}`;
  return el("div", { class: "muted replicas", title: urls.join("\n") }, label);
}

async function loadServices() {
  const data = await api("GET", "/services");
  const body = $("#services tbody");
  body.replaceChildren();
  for (const service of data.services) {
    const latency = service.status && service.status.latency_ms != null ? `${service.status.latency_ms} ms` : "—";
    const remove = el("button", { class: "danger", "data-remove": service.name }, "Remove");
    remove.addEventListener("click", async () => {
      if (!confirm(`Remove ${service.name} from the graph?`)) return;
      try {
        await api("DELETE", `/services/${encodeURIComponent(service.name)}`);
        showErrors($("#row-errors"), []);
      } catch (error) {
        showErrors($("#row-errors"), error.errors);
      }
      await refreshAll();
    });
    body.append(el("tr", { "data-service": service.name },
      el("td", {}, el("strong", {}, service.name)),
      el("td", { class: "url" }, service.url, replicasNote(service)),
      el("td", {}, statusBadge(service)),
      el("td", {}, latency),
      el("td", {}, toggle(service, "enabled")),
      el("td", {}, toggle(service, "use_msgpack")),
      el("td", {}, service.in_supergraph ? "yes" : "no"),
      el("td", {}, remove)));
  }
  $("#services-empty").hidden = data.services.length > 0;
}

// Adding a service shows its schema check first; one that breaks recorded operations
// is not saved unless the operator confirms with "Add anyway" (?force=true, audited).
async function addService(name, url, force) {
  const submit = $("#add-submit");
  submit.disabled = true;
  $("#add-ok").hidden = true;
  $("#add-force").hidden = true;
  try {
    if (!force) {
      const checked = await api("POST", `/services/${encodeURIComponent(name)}/check`, { url });
      const box = $("#add-check");
      box.replaceChildren();
      if (checked.report && checked.report.composition.ok) {
        box.append(renderReport(checked.report));
        box.hidden = false;
        const broken = checked.report.operations ? checked.report.operations.broken.length : 0;
        if (broken > 0) { $("#add-force").hidden = false; submit.disabled = false; return; }
      } else {
        // Nothing served yet, or it does not compose: saving answers with the errors.
        box.hidden = true;
      }
    }
    const result = await api("POST", `/services${force ? "?force=true" : ""}`, { name, url });
    showErrors($("#add-errors"), []);
    $("#add-ok").textContent = `Added ${name}; supergraph version ${result.supergraph ? result.supergraph.id : "?"} is active.`;
    $("#add-ok").hidden = false;
    $("#add-form").reset();
  } catch (error) {
    showErrors($("#add-errors"), error.errors);
  }
  submit.disabled = false;
  await refreshAll();
}

$("#add-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  await addService($("#add-name").value.trim(), $("#add-url").value.trim(), false);
});

$("#add-force").addEventListener("click", async () => {
  await addService($("#add-name").value.trim(), $("#add-url").value.trim(), true);
});

$("#refresh").addEventListener("click", async () => {
  try {
    await api("POST", "/refresh");
    showErrors($("#row-errors"), []);
  } catch (error) {
    showErrors($("#row-errors"), error.errors);
  }
  await refreshAll();
});

async function refreshAll() {
  await loadServices().catch(() => {});
  await Promise.all([loadVersions(), loadGraph(), loadAudit()]).catch(() => {});
}

// --- supergraph history ----------------------------------------------------------------

async function loadVersions() {
  const data = await api("GET", "/supergraphs");
  const body = $("#versions tbody");
  body.replaceChildren();
  const active = data.versions.find((v) => v.active);
  $("#active-version").textContent = active ? `Serving supergraph version ${active.id} (${active.hash.slice(0, 12)})` : "No supergraph composed yet.";
  for (const version of data.versions) {
    const diff = el("button", { class: "secondary" }, "Diff with previous");
    diff.addEventListener("click", () => showDiff(version.id));
    const activate = el("button", {}, version.active ? "Active" : "Activate (roll back)");
    activate.disabled = version.active;
    activate.addEventListener("click", async () => {
      try {
        await api("POST", `/supergraphs/${version.id}/activate`);
        showErrors($("#history-errors"), []);
      } catch (error) {
        showErrors($("#history-errors"), error.errors);
      }
      await refreshAll();
    });
    body.append(el("tr", {},
      el("td", {}, `#${version.id}`),
      el("td", { class: "url" }, version.hash.slice(0, 12)),
      el("td", {}, when(version.composed_at)),
      el("td", {}, Object.keys(version.services || {}).sort().join(", ") || "—"),
      el("td", {}, version.active ? el("span", { class: "badge active" }, "active") : ""),
      el("td", {}, diff, " ", activate)));
  }
}

async function showDiff(id) {
  const data = await api("GET", `/supergraphs/${id}/diff`);
  const pre = $("#diff");
  pre.replaceChildren();
  const lines = data.diff ? data.diff.split("\n") : ["(no differences)"];
  for (const line of lines) {
    let cls = "";
    if (line.startsWith("+") && !line.startsWith("+++")) cls = "add";
    else if (line.startsWith("-") && !line.startsWith("---")) cls = "del";
    else if (line.startsWith("@@")) cls = "hunk";
    pre.append(el("span", { class: cls }, line), cls ? "" : "\n");
  }
  $("#diff-title").textContent = data.from ? `Version ${data.from} → ${data.to}` : `Version ${data.to} (first)`;
  $("#diff-title").hidden = false;
  pre.hidden = false;
}

// --- audit -----------------------------------------------------------------------------

async function loadAudit() {
  const params = new URLSearchParams();
  const actor = $("#audit-actor") ? $("#audit-actor").value.trim() : "";
  const action = $("#audit-action") ? $("#audit-action").value.trim() : "";
  if (actor) params.set("actor", actor);
  if (action) params.set("action", action);
  for (const [name, id] of [["from", "#audit-from"], ["to", "#audit-to"]]) {
    const input = $(id);
    if (input && input.value) params.set(name, new Date(input.value).toISOString());
  }
  const query = params.toString();
  const box = $("#audit-errors");
  let data;
  try {
    data = await api("GET", "/audit" + (query ? `?${query}` : ""));
    if (box) showErrors(box, []);
  } catch (error) {
    if (box) showErrors(box, error.errors);
    throw error;
  }
  const body = $("#audit tbody");
  body.replaceChildren();
  for (const entry of data.entries) {
    body.append(el("tr", {},
      el("td", {}, when(entry.at)), el("td", {}, entry.actor), el("td", {}, entry.action),
      el("td", {}, entry.target || ""), el("td", {}, entry.ip || ""),
      el("td", { class: "url" }, JSON.stringify(entry.detail))));
  }
}

if ($("#audit-form")) {
  $("#audit-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadAudit().catch(() => {});
  });
}

// --- API keys ----------------------------------------------------------------------------
// The full key exists only in the create response: it is shown in #key-once until the
// operator presses Done, and is never stored in the page's state or storage.

async function loadKeys() {
  const data = await api("GET", "/keys");
  const body = $("#keys tbody");
  body.replaceChildren();
  for (const key of data.keys) {
    const revoke = el("button", { class: "danger", "data-revoke": key.id }, "Revoke");
    revoke.disabled = key.status === "revoked";
    revoke.addEventListener("click", async () => {
      if (!confirm(`Revoke ${key.prefix} (${key.name})? Clients using it are refused within seconds.`)) return;
      try {
        await api("DELETE", `/keys/${encodeURIComponent(key.id)}`);
        showErrors($("#keys-errors"), []);
      } catch (error) {
        showErrors($("#keys-errors"), error.errors);
      }
      await Promise.all([loadKeys(), loadAudit()]).catch(() => {});
    });
    body.append(el("tr", { "data-key": key.id },
      el("td", {}, el("code", {}, `${key.prefix}_…`)),
      el("td", {}, key.name),
      el("td", {}, el("span", { class: `badge key-${key.status}` }, key.status)),
      el("td", {}, key.scopes.join(", ") || "—"),
      el("td", {}, key.rate_limit || "default"),
      el("td", {}, when(key.created_at)),
      el("td", {}, when(key.expires_at)),
      el("td", {}, when(key.last_used_at)),
      el("td", {}, revoke)));
  }
  $("#keys-empty").hidden = data.keys.length > 0;
}

$("#key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { name: $("#key-name").value.trim() };
  const scopes = $("#key-scopes").value.split(",").map((s) => s.trim()).filter(Boolean);
  if (scopes.length) body.scopes = scopes;
  const expires = $("#key-expires").value;
  if (expires) body.expires_at = new Date(expires).toISOString();
  const rate = $("#key-rate").value.trim();
  if (rate) body.rate_limit = rate;
  const submit = $("#key-submit");
  submit.disabled = true;
  try {
    const result = await api("POST", "/keys", body);
    showErrors($("#key-errors"), []);
    $("#key-once-value").textContent = result.key;
    $("#key-once").hidden = false;
    $("#key-form").reset();
  } catch (error) {
    showErrors($("#key-errors"), error.errors);
  }
  submit.disabled = false;
  await Promise.all([loadKeys(), loadAudit()]).catch(() => {});
});

$("#key-once-copy").addEventListener("click", () => {
  navigator.clipboard.writeText($("#key-once-value").textContent).catch(() => {});
});

$("#key-once-done").addEventListener("click", () => {
  $("#key-once-value").textContent = "";
  $("#key-once").hidden = true;
});

// --- schema explorer -------------------------------------------------------------------

const view = { x: 0, y: 0, scale: 1, nodes: new Map(), layout: [] };

async function loadGraph() {
  const graph = await api("GET", "/schema");
  const previous = state.graph;
  state.graph = graph;
  if (previous && previous.hash === graph.hash) return;
  renderLegend();
  renderTypeList();
  layoutAndDraw();
  if (state.selected && graph.types.some((t) => t.name === state.selected)) select(state.selected);
  else $("#details").replaceChildren(el("p", { class: "muted" }, graph.types.length ? "Select a type." : "No supergraph is served yet."));
}

function typeColour(type) {
  return colourOf(type.owner || type.subgraphs[0]);
}

// Schema usage as heat: pale yellow (rarely requested) to red (the most requested),
// on a log scale so one hot field does not wash out the rest; grey when never requested.
function heatColour(count, max) {
  if (!count || !max) return "#e8e8e8";
  const ratio = Math.log1p(count) / Math.log1p(max);
  return `hsl(${Math.round(50 - 50 * ratio)}, 95%, ${Math.round(85 - 35 * ratio)}%)`;
}

function renderLegend() {
  const legend = $("#legend");
  legend.replaceChildren();
  for (const name of state.graph.subgraphs) {
    legend.append(el("span", { class: "chip", style: `background:${colourOf(name)}` }, name));
  }
}

function renderTypeList() {
  const list = $("#type-list");
  list.replaceChildren();
  const query = $("#search").value.trim().toLowerCase();
  for (const type of state.graph.types) {
    const fieldHit = query && type.fields.some((f) => f.name.toLowerCase().includes(query));
    if (query && !type.name.toLowerCase().includes(query) && !fieldHit) continue;
    const item = el("li", { "data-type": type.name, class: type.name === state.selected ? "selected" : "" },
      el("span", { class: "dot", style: `background:${typeColour(type)}` }),
      type.name, el("span", { class: "kind" }, type.kind));
    item.addEventListener("click", () => select(type.name));
    list.append(item);
  }
  highlightSearch(query);
}

$("#search").addEventListener("input", () => { if (state.graph) renderTypeList(); });
$("#search").addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  const first = $("#type-list li");
  if (first) select(first.dataset.type);
});

function isComposite(type) { return ["object", "interface", "union"].includes(type.kind); }

function layoutAndDraw() {
  const types = state.graph.types.filter(isComposite);
  const names = new Set(types.map((t) => t.name));
  const edges = state.graph.edges.filter((e) => names.has(e.from) && names.has(e.to) && e.from !== e.to);
  const nodes = types.map((type, i) => {
    const angle = (2 * Math.PI * i) / Math.max(types.length, 1);
    const radius = 60 + 28 * types.length;
    return { type, x: Math.cos(angle) * radius, y: Math.sin(angle) * radius, vx: 0, vy: 0, w: 24 + 7.4 * type.name.length, h: 28 };
  });
  const byName = new Map(nodes.map((n) => [n.type.name, n]));
  // Force layout: repulsion between all nodes, springs along edges, a pull to the centre.
  for (let step = 0; step < 320; step++) {
    const cooling = 1 - step / 340;
    for (const a of nodes) {
      for (const b of nodes) {
        if (a === b) continue;
        let dx = a.x - b.x, dy = a.y - b.y;
        let d2 = dx * dx + dy * dy;
        if (d2 < 1) { dx = Math.random() - 0.5; dy = Math.random() - 0.5; d2 = 1; }
        const force = 9000 / d2;
        const d = Math.sqrt(d2);
        a.vx += (dx / d) * force; a.vy += (dy / d) * force;
      }
      a.vx -= a.x * 0.01; a.vy -= a.y * 0.01;
    }
    for (const e of edges) {
      const a = byName.get(e.from), b = byName.get(e.to);
      const dx = b.x - a.x, dy = b.y - a.y;
      const d = Math.max(Math.sqrt(dx * dx + dy * dy), 1);
      const pull = (d - 170) * 0.02;
      a.vx += (dx / d) * pull; a.vy += (dy / d) * pull;
      b.vx -= (dx / d) * pull; b.vy -= (dy / d) * pull;
    }
    for (const n of nodes) {
      n.x += Math.max(-30, Math.min(30, n.vx)) * cooling;
      n.y += Math.max(-30, Math.min(30, n.vy)) * cooling;
      n.vx *= 0.5; n.vy *= 0.5;
    }
  }
  view.layout = nodes;
  draw(nodes, edges, byName);
  fitView(nodes);
}

function draw(nodes, edges, byName) {
  const root = $("#viewport");
  root.replaceChildren();
  view.nodes = new Map();
  const edgeLayer = svg("g"), nodeLayer = svg("g");
  root.append(edgeLayer, nodeLayer);
  for (const e of edges) {
    const a = byName.get(e.from), b = byName.get(e.to);
    const [x2, y2] = boxEdge(b, a);
    const [x1, y1] = boxEdge(a, b);
    const group = svg("g", { class: `edge ${e.label === "implements" ? "implements" : ""}`, "data-from": e.from, "data-to": e.to });
    group.append(svg("line", { x1, y1, x2, y2, "marker-end": "url(#arrow)" }));
    const label = svg("text", { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 3, "text-anchor": "middle" });
    label.textContent = e.label;
    group.append(label);
    edgeLayer.append(group);
  }
  for (const n of nodes) {
    const shared = !n.type.owner && n.type.subgraphs.length > 1;
    const group = svg("g", { class: `node${shared ? " shared" : ""}`, "data-type": n.type.name, transform: `translate(${n.x - n.w / 2},${n.y - n.h / 2})` });
    group.append(svg("rect", { width: n.w, height: n.h, fill: typeColour(n.type) }));
    // A band split between every subgraph defining the type, so shared entities show all colours.
    const subs = n.type.subgraphs;
    if (subs.length > 1) {
      const part = (n.w - 12) / subs.length;
      subs.forEach((sub, i) => {
        group.append(svg("rect", { class: "band", x: 6 + i * part, y: n.h - 7, width: part, height: 4, fill: colourOf(sub) }));
      });
    }
    const maxType = Math.max(0, ...state.graph.types.map((t) => t.requests || 0));
    group.append(svg("circle", { class: "heat", cx: n.w - 7, cy: 7, r: 4, fill: heatColour(n.type.requests, maxType) }));
    const text = svg("text", { x: n.w / 2, y: subs.length > 1 ? 15 : 18, "text-anchor": "middle" });
    text.textContent = n.type.name;
    const title = svg("title");
    title.textContent = `${n.type.name} (${n.type.kind}) · ${n.type.subgraphs.join(", ")} · ${n.type.requests || 0} field requests`;
    group.append(text, title);
    group.addEventListener("click", (event) => { event.stopPropagation(); select(n.type.name); });
    nodeLayer.append(group);
    view.nodes.set(n.type.name, group);
  }
  highlightSearch($("#search").value.trim().toLowerCase());
}

function boxEdge(from, to) {
  // Where the line from `from`'s centre towards `to` leaves `from`'s box.
  const dx = to.x - from.x, dy = to.y - from.y;
  if (dx === 0 && dy === 0) return [from.x, from.y];
  const sx = (from.w / 2) / Math.abs(dx || 1e-9), sy = (from.h / 2) / Math.abs(dy || 1e-9);
  const s = Math.min(sx, sy, 1);
  return [from.x + dx * s, from.y + dy * s];
}

function fitView(nodes) {
  if (!nodes.length) { applyView(); return; }
  const box = $("#graph").getBoundingClientRect();
  const minX = Math.min(...nodes.map((n) => n.x - n.w / 2)) - 30;
  const maxX = Math.max(...nodes.map((n) => n.x + n.w / 2)) + 30;
  const minY = Math.min(...nodes.map((n) => n.y - n.h / 2)) - 30;
  const maxY = Math.max(...nodes.map((n) => n.y + n.h / 2)) + 30;
  const width = box.width || 800, height = box.height || 500;
  view.scale = Math.min(width / (maxX - minX), height / (maxY - minY), 1.6);
  view.x = width / 2 - ((minX + maxX) / 2) * view.scale;
  view.y = height / 2 - ((minY + maxY) / 2) * view.scale;
  applyView();
}

function applyView() {
  $("#viewport").setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.scale})`);
}

(function panAndZoom() {
  const area = $("#graph");
  let drag = null;
  area.addEventListener("mousedown", (event) => { drag = { x: event.clientX - view.x, y: event.clientY - view.y }; area.style.cursor = "grabbing"; });
  window.addEventListener("mousemove", (event) => { if (!drag) return; view.x = event.clientX - drag.x; view.y = event.clientY - drag.y; applyView(); });
  window.addEventListener("mouseup", () => { drag = null; area.style.cursor = "grab"; });
  area.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = area.getBoundingClientRect();
    const px = event.clientX - box.left, py = event.clientY - box.top;
    const factor = event.deltaY < 0 ? 1.15 : 1 / 1.15;
    view.x = px - (px - view.x) * factor;
    view.y = py - (py - view.y) * factor;
    view.scale *= factor;
    applyView();
  }, { passive: false });
})();

function highlightSearch(query) {
  if (!state.graph) return;
  const hits = new Set();
  for (const type of state.graph.types) {
    if (!query || type.name.toLowerCase().includes(query) || type.fields.some((f) => f.name.toLowerCase().includes(query))) hits.add(type.name);
  }
  for (const [name, node] of view.nodes) node.classList.toggle("dim", Boolean(query) && !hits.has(name));
  for (const edge of document.querySelectorAll("#graph .edge")) {
    edge.classList.toggle("dim", Boolean(query) && !(hits.has(edge.dataset.from) && hits.has(edge.dataset.to)));
  }
}

function select(name) {
  state.selected = name;
  const type = state.graph.types.find((t) => t.name === name);
  for (const [n, node] of view.nodes) node.classList.toggle("selected", n === name);
  for (const item of document.querySelectorAll("#type-list li")) item.classList.toggle("selected", item.dataset.type === name);
  const panel = $("#details");
  panel.replaceChildren();
  if (!type) return;
  const chips = el("div", {}, ...type.subgraphs.map((s) => el("span", { class: "chip", style: `background:${colourOf(s)}` }, s)));
  panel.append(el("h2", {}, type.name), el("p", { class: "muted" }, `${type.kind}${type.entity ? " · entity" : ""}${type.owner ? ` · owned by ${type.owner}` : type.subgraphs.length > 1 ? " · shared" : ""}`), chips);
  const keys = Object.entries(type.keys || {});
  if (keys.length) {
    panel.append(el("p", {}, el("strong", {}, "Keys: "), keys.map(([g, k]) => `${g}: ${k.join(" | ")}`).join("; ")));
  }
  if (type.description) panel.append(el("p", {}, type.description));
  if (type.values) panel.append(el("p", {}, el("strong", {}, "Values: "), type.values.join(", ")));
  if (!type.fields.length) return;
  const query = $("#search").value.trim().toLowerCase();
  const table = el("table", { id: "fields" }, el("thead", {}, el("tr", {}, el("th", {}, "Field"), el("th", {}, "Type"), el("th", { title: "Requests selecting the field (operations in the router's cache)" }, "Requests"), el("th", {}, "Resolved by"))));
  const maxField = state.graph.maxFieldRequests || 0;
  const body = el("tbody");
  for (const field of type.fields) {
    const target = state.graph.types.find((t) => t.name === field.target);
    const typeCell = target && target.name !== type.name
      ? el("a", { "data-goto": target.name, onclick: () => select(target.name) }, field.type)
      : field.type;
    const notes = [];
    if (field.requires.length) notes.push(`@requires(${field.requires.join(" | ")})`);
    if (field.provides.length) notes.push(`@provides(${field.provides.join(" | ")})`);
    if (field.external.length) notes.push(`external in ${field.external.join(", ")}`);
    body.append(el("tr", { "data-field": field.name, class: query && field.name.toLowerCase().includes(query) ? "match" : "" },
      el("td", {}, field.name, field.args.length ? el("div", { class: "muted" }, `(${field.args.join(", ")})`) : null),
      el("td", {}, typeCell),
      el("td", { class: "heat", "data-requests": String(field.requests || 0), style: `background:${heatColour(field.requests, maxField)}` }, String(field.requests || 0)),
      el("td", {}, ...field.resolvedBy.map((s) => el("span", { class: "chip", style: `background:${colourOf(s)}` }, s)),
        notes.length ? el("div", { class: "muted" }, notes.join("; ")) : null)));
  }
  table.append(body);
  panel.append(table);
}

$("#token").value = state.token;
if (state.token) connect();
