// mix: read/write mix on the records subgraph through the router (devstack pieces:
// embedded MongoDB, records, categories, router). WRITE_RATIO (0.2) of iterations
// create a record then update it; the rest read a page of records with their
// categories (a records -> categories entity jump). VUS (10), DURATION (30s).
import http from "k6/http";
import { check } from "k6";
import { Counter } from "k6/metrics";

const URL = __ENV.URL || "http://127.0.0.1:4000/graphql";
const WRITE_RATIO = Number(__ENV.WRITE_RATIO || 0.2);
const HEADERS = __ENV.API_KEY
  ? { "content-type": "application/json", "x-api-key": __ENV.API_KEY }
  : { "content-type": "application/json" };
const PARAMS = { headers: HEADERS, tags: {} };
const badResponses = new Counter("bad_responses");

export const options = {
  vus: Number(__ENV.VUS || 10),
  duration: __ENV.DURATION || "30s",
  summaryTrendStats: ["avg", "min", "med", "p(95)", "p(99)", "max"],
  thresholds: { bad_responses: ["count<1"] },
};

const READ = `query Page($first: Int!) {
  records(first: $first) { totalCount nodes { id sku name status price { amount currency }
    categories { id name slug } } }
}`;
const CREATE = `mutation Create($input: CreateRecordInput!) {
  createRecord(input: $input) { id sku name price { amount currency } }
}`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateRecordInput!) {
  updateRecord(id: $id, input: $input) { id name status }
}`;

function gql(query, variables, kind) {
  const res = http.post(URL, JSON.stringify({ query, variables }), {
    headers: PARAMS.headers,
    tags: { kind },
  });
  let body = null;
  try {
    body = JSON.parse(res.body);
  } catch (_e) {
    body = null;
  }
  const ok = check(res, {
    [`${kind}: 200, no errors`]: (r) => r.status === 200 && body && !body.errors && body.data,
  });
  if (!ok) badResponses.add(1);
  return ok ? body.data : null;
}

export default function () {
  if (Math.random() >= WRITE_RATIO) {
    gql(READ, { first: 10 }, "read");
    return;
  }
  const sku = `BENCH-${__VU}-${__ITER}-${Date.now()}`;
  const created = gql(
    CREATE,
    { input: { sku, name: `bench ${sku}`, price: { amount: 9.5, currency: "EUR" } } },
    "write",
  );
  if (created) {
    gql(UPDATE, { id: created.createRecord.id, input: { status: "ACTIVE" } }, "write");
  }
}

export function handleSummary(data) {
  const out = {};
  out[__ENV.SUMMARY_FILE || "mix-summary.json"] = JSON.stringify(data, null, 1);
  const d = data.metrics.http_req_duration.values;
  out.stdout =
    `requests ${data.metrics.http_reqs.values.count} (${data.metrics.http_reqs.values.rate.toFixed(1)}/s)` +
    `  bad ${data.metrics.bad_responses ? data.metrics.bad_responses.values.count : 0}` +
    `  p50 ${d.med.toFixed(2)} ms  p95 ${d["p(95)"].toFixed(2)} ms  p99 ${d["p(99)"].toFixed(2)} ms\n`;
  return out;
}
