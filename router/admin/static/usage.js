// Usage page: requests and errors per hour as SVG line charts (one line per client,
// API key or operation), top operations as bars and a table with average and p95
// duration. Plain JavaScript on the helpers of admin.js ($, el, svg, api, PALETTE).
"use strict";

const CHART = { width: 720, height: 220, left: 48, right: 12, top: 12, bottom: 28 };

function hourLabel(ms, spanHours) {
  const d = new Date(ms);
  return spanHours > 48 ? `${d.getMonth() + 1}/${d.getDate()}` : `${String(d.getHours()).padStart(2, "0")}:00`;
}

function lineChart(node, series, field, start, end) {
  node.replaceChildren();
  node.setAttribute("viewBox", `0 0 ${CHART.width} ${CHART.height}`);
  const x0 = CHART.left, x1 = CHART.width - CHART.right, y0 = CHART.height - CHART.bottom, y1 = CHART.top;
  let max = 1;
  for (const s of series) for (const p of s.points) max = Math.max(max, p[field]);
  const sx = (t) => x0 + ((t - start) / Math.max(1, end - start)) * (x1 - x0);
  const sy = (v) => y0 - (v / max) * (y0 - y1);
  node.append(svg("line", { x1: x0, y1: y0, x2: x1, y2: y0, class: "axis" }));
  node.append(svg("line", { x1: x0, y1: y0, x2: x0, y2: y1, class: "axis" }));
  for (const fraction of [0, 0.5, 1]) {
    const label = svg("text", { x: x0 - 6, y: sy(max * fraction) + 4, "text-anchor": "end", class: "tick" });
    label.textContent = String(Math.round(max * fraction));
    node.append(label);
  }
  const spanHours = (end - start) / 3600000;
  for (let i = 0; i <= 4; i += 1) {
    const t = start + ((end - start) * i) / 4;
    const label = svg("text", { x: sx(t), y: y0 + 18, "text-anchor": "middle", class: "tick" });
    label.textContent = hourLabel(t, spanHours);
    node.append(label);
  }
  series.forEach((s, index) => {
    if (!s.points.length) return;
    const colour = PALETTE[index % PALETTE.length];
    const path = s.points.map((p, i) => `${i ? "L" : "M"}${sx(Date.parse(p.at)).toFixed(1)},${sy(p[field]).toFixed(1)}`).join(" ");
    node.append(svg("path", { d: path, fill: "none", stroke: colour, "stroke-width": 2, class: "series" }));
    for (const p of s.points) {
      if (!p[field]) continue;
      const dot = svg("circle", { cx: sx(Date.parse(p.at)), cy: sy(p[field]), r: 2.5, fill: colour });
      const title = svg("title", {});
      title.textContent = `${s.label}: ${p[field]} at ${new Date(p.at).toLocaleString()}`;
      dot.append(title);
      node.append(dot);
    }
  });
}

function barChart(node, operations) {
  node.replaceChildren();
  const rows = operations.slice(0, 10);
  const height = Math.max(40, rows.length * 24 + 8);
  node.setAttribute("viewBox", `0 0 ${CHART.width} ${height}`);
  const max = Math.max(1, ...rows.map((r) => r.requests));
  rows.forEach((row, i) => {
    const y = 4 + i * 24;
    const width = ((CHART.width - 260) * row.requests) / max;
    const name = svg("text", { x: 200, y: y + 15, "text-anchor": "end", class: "tick" });
    name.textContent = (row.name || (row.hash ? row.hash.slice(0, 12) : "(unparsed)")).slice(0, 32);
    node.append(name);
    node.append(svg("rect", { x: 208, y, width: Math.max(1, width), height: 18, fill: PALETTE[0], class: "bar" }));
    const errorWidth = ((CHART.width - 260) * row.errors) / max;
    if (row.errors) node.append(svg("rect", { x: 208, y, width: Math.max(1, errorWidth), height: 18, fill: PALETTE[1] }));
    const value = svg("text", { x: 214 + width, y: y + 15, class: "tick" });
    value.textContent = `${row.requests}${row.errors ? ` (${row.errors} errors)` : ""}`;
    node.append(value);
  });
}

// Every hour of the window gets a point (0 when it had no traffic), so a line is drawn
// even for a series with a single busy hour.
function hourly(points, start, end) {
  const byHour = new Map(points.map((p) => [Date.parse(p.at), p]));
  const out = [];
  for (let t = Math.floor(start / 3600000) * 3600000; t < end; t += 3600000) {
    const p = byHour.get(t);
    out.push({ at: new Date(t).toISOString(), requests: p ? p.requests : 0, errors: p ? p.errors : 0 });
  }
  return out;
}

async function loadUsage() {
  const windowValue = $("#usage-window").value;
  const by = $("#usage-by").value;
  const box = $("#usage-errors-box");
  let data;
  try {
    data = await api("GET", `/usage?from=${encodeURIComponent(windowValue)}&by=${encodeURIComponent(by)}`);
    showErrors(box, []);
  } catch (error) {
    showErrors(box, error.errors);
    return;
  }
  const start = Date.parse(data.from), end = Date.parse(data.to);
  const series = data.series.map((s) => ({ ...s, points: hourly(s.points, start, end) }));
  lineChart($("#usage-requests"), series, "requests", start, end);
  lineChart($("#usage-errors"), series, "errors", start, end);
  const legend = $("#usage-legend");
  legend.replaceChildren();
  data.series.forEach((s, index) => {
    legend.append(el("li", {},
      el("span", { class: "swatch", style: `background:${PALETTE[index % PALETTE.length]}` }),
      `${s.label} — ${s.requests} requests, ${s.errors} errors`));
  });
  const t = data.totals;
  $("#usage-totals").textContent = `${t.requests} requests, ${t.errors} errors` +
    (t.avg_ms !== null ? `, avg ${t.avg_ms} ms, p95 ${t.p95_ms} ms` : "");
  barChart($("#usage-top"), data.top_operations);
  const body = $("#usage-operations tbody");
  body.replaceChildren();
  for (const op of data.top_operations) {
    body.append(el("tr", {},
      el("td", {}, op.name || "(anonymous)"), el("td", { class: "url" }, op.hash ? op.hash.slice(0, 16) : ""),
      el("td", {}, op.requests), el("td", {}, op.errors),
      el("td", {}, op.avg_ms ?? "—"), el("td", {}, op.p95_ms ?? "—")));
  }
}

$("#usage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadUsage().catch(() => {});
});

for (const button of document.querySelectorAll("#tabs button")) {
  if (button.dataset.tab === "usage") button.addEventListener("click", () => { loadUsage().catch(() => {}); });
}
