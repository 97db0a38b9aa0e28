// Shared by the k6 scenarios: one GraphQL POST, and the correctness check every
// response gets (HTTP 200, no `errors`, the same `data` as the first response).
// Local module only: the scenarios make no remote imports.
import http from "k6/http";
import { check } from "k6";
import { Counter } from "k6/metrics";

export const URL = __ENV.URL || "http://127.0.0.1:4000/graphql";
// The bench operation ships with the repository (tests/bench/assets), so a plain clone runs.
export const QUERY = open(__ENV.QUERY_FILE || "../assets/query.graphql");
export const badResponses = new Counter("bad_responses");
// API_KEY (the seed's "Set API_KEY if required for authorization") is sent as x-api-key.
export const HEADERS = __ENV.API_KEY
  ? { "content-type": "application/json", "x-api-key": __ENV.API_KEY }
  : { "content-type": "application/json" };
const PARAMS = { headers: HEADERS };
const BODY = JSON.stringify({ query: QUERY });

// DURATION as k6 writes durations ("90s", "10m", "1h", "1h30m", "500ms") or bare seconds
// ("60"), in whole seconds (at least 1); `fallback` when unset. Anything else stops the run.
export function durationSeconds(text, fallback) {
  const value = String(text === undefined || text === "" ? fallback : text).trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.max(1, Math.round(Number(value)));
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(value)) {
    throw new Error(`DURATION=${value} is not a duration like 90s, 10m, 1h or 1h30m`);
  }
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  let seconds = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    seconds += Number(match[1]) * unit[match[2]];
  }
  return Math.max(1, Math.round(seconds));
}

export function post(body) {
  return http.post(URL, body, PARAMS);
}

// setup(): the first response, which must be a clean one; its body is the reference.
export function reference() {
  const res = post(BODY);
  const parsed = res.status === 200 ? JSON.parse(res.body) : null;
  if (!parsed || parsed.errors || !parsed.data) {
    throw new Error(`first response is not clean: ${res.status} ${String(res.body).slice(0, 500)}`);
  }
  return { body: res.body, data: JSON.stringify(parsed.data) };
}

function sameData(res, ref) {
  if (res.status !== 200) return false;
  if (res.body === ref.body) return true; // fast path: byte-identical
  try {
    const parsed = JSON.parse(res.body);
    return !parsed.errors && JSON.stringify(parsed.data) === ref.data;
  } catch (_e) {
    return false;
  }
}

// One heavy query, checked against the reference.
export function heavyQuery(ref) {
  const res = post(BODY);
  const ok = check(res, { "200, no errors, same data": (r) => sameData(r, ref) });
  if (!ok) badResponses.add(1);
}

export function summaryTo(data, fallback) {
  const out = { stdout: textSummary(data) };
  out[__ENV.SUMMARY_FILE || fallback] = JSON.stringify(data, null, 1);
  return out;
}

function textSummary(data) {
  const d = data.metrics.http_req_duration ? data.metrics.http_req_duration.values : {};
  const reqs = data.metrics.http_reqs ? data.metrics.http_reqs.values : {};
  const bad = data.metrics.bad_responses ? data.metrics.bad_responses.values.count : 0;
  const fmt = (v) => (v === undefined ? "-" : v.toFixed(2));
  return (
    `requests ${reqs.count || 0} (${fmt(reqs.rate)}/s)  bad ${bad}  ` +
    `p50 ${fmt(d.med)} ms  p95 ${fmt(d["p(95)"])} ms  p99 ${fmt(d["p(99)"])} ms\n`
  );
}
