// The varied workload of the cache bench (tests/bench/cached.py): several documents
// (QUERIES_FILE, a JSON list) over the same entities, one per iteration in turn; each
// response is checked against the first answer to the same document.
import http from "k6/http";
import { check } from "k6";
import { HEADERS, URL, badResponses, summaryTo } from "./lib.js";

const QUERIES = JSON.parse(open(__ENV.QUERIES_FILE));
const BODIES = QUERIES.map((q) => JSON.stringify({ query: q }));
const PARAMS = { headers: HEADERS };

export const options = {
  scenarios: {
    varied: {
      executor: "constant-vus",
      vus: Number(__ENV.VUS || 50),
      duration: __ENV.DURATION || "30s",
    },
  },
  summaryTrendStats: ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"],
};

export function setup() {
  return BODIES.map((body) => {
    const res = http.post(URL, body, PARAMS);
    const parsed = res.status === 200 ? JSON.parse(res.body) : null;
    if (!parsed || parsed.errors || !parsed.data) {
      throw new Error(`first response is not clean: ${res.status} ${String(res.body).slice(0, 500)}`);
    }
    return { body: res.body, data: JSON.stringify(parsed.data) };
  });
}

export default function (refs) {
  const index = (__VU * 7 + __ITER) % BODIES.length;
  const res = http.post(URL, BODIES[index], PARAMS);
  const ok = check(res, {
    "200, no errors, same data": (r) => {
      if (r.status !== 200) return false;
      if (r.body === refs[index].body) return true; // fast path: byte-identical
      try {
        const parsed = JSON.parse(r.body);
        return !parsed.errors && JSON.stringify(parsed.data) === refs[index].data;
      } catch (_e) {
        return false;
      }
    },
  });
  if (!ok) badResponses.add(1);
}

export function handleSummary(data) {
  return summaryTo(data, "varied-summary.json");
}
