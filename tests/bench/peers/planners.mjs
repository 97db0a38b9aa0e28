// Plan-time benchmark of the peers' query planners: @apollo/query-planner (JS) and
// @graphql-hive/router-query-planner (Rust via napi).
// Usage: node planners.mjs JOB.json OUT.json
//   JOB: [{suite, supergraph: "<sdl>", queries: ["..."]}], the same job our planner runs.
//   OUT: {apollo: {suite: {load_ms, ops: [{first_ms, warm_ms, fetches, error}]}}, hive: ...}
// first_ms: the first plan of the operation in this process; warm_ms: the median of
// repeated plans of it (each a full plan from the query text: no plan cache in either).
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parse } from "graphql";
import { QueryPlanner as ApolloPlanner } from "@apollo/query-planner";
import { Supergraph, operationFromDocument } from "@apollo/federation-internals";
import { QueryPlanner as HivePlanner } from "@graphql-hive/router-query-planner";

const [jobFile, outFile] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobFile, "utf8"));
const MIN_REPS = Number(process.env.PLAN_MIN_REPS || 5);
const MAX_REPS = Number(process.env.PLAN_MAX_REPS || 50);
const BUDGET_MS = Number(process.env.PLAN_BUDGET_MS || 150);

function countFetches(node) {
  if (!node || typeof node !== "object") return 0;
  switch (node.kind) {
    case "Fetch":
    case "BatchFetch":
      return 1;
    case "QueryPlan":
    case "Flatten":
      return countFetches(node.node);
    case "Sequence":
    case "Parallel":
      return node.nodes.reduce((n, child) => n + countFetches(child), 0);
    case "Condition":
      return countFetches(node.ifClause) + countFetches(node.elseClause);
    case "Subscription":
      return countFetches(node.primary) + countFetches(node.rest);
    case "Defer":
      return (
        countFetches(node.primary && node.primary.node) +
        (node.deferred || []).reduce((n, d) => n + countFetches(d.node), 0)
      );
    default:
      return 0;
  }
}

function measure(planOnce) {
  const out = {};
  try {
    let t0 = performance.now();
    const plan = planOnce();
    out.first_ms = performance.now() - t0;
    out.fetches = countFetches(plan);
    const times = [];
    const start = performance.now();
    while (
      times.length < MAX_REPS &&
      (times.length < MIN_REPS || performance.now() - start < BUDGET_MS)
    ) {
      t0 = performance.now();
      planOnce();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    out.warm_ms = times[Math.floor(times.length / 2)];
  } catch (e) {
    out.error = String((e && e.message) || e).slice(0, 300);
  }
  return out;
}

const apollo = {};
const hive = {};
for (const { suite, supergraph, queries } of job) {
  // Apollo: Supergraph.build + QueryPlanner; an operation is parsed and validated
  // against the API schema (operationFromDocument), then planned.
  let t0 = performance.now();
  try {
    const sg = Supergraph.build(supergraph);
    const api = sg.apiSchema();
    const planner = new ApolloPlanner(sg);
    apollo[suite] = { load_ms: performance.now() - t0, ops: [] };
    for (const query of queries) {
      apollo[suite].ops.push(
        measure(() => planner.buildQueryPlan(operationFromDocument(api, parse(query), { validate: true }))),
      );
    }
  } catch (e) {
    apollo[suite] = { error: String(e.message || e).slice(0, 300), ops: queries.map(() => ({})) };
  }
  t0 = performance.now();
  try {
    const planner = new HivePlanner(supergraph);
    hive[suite] = { load_ms: performance.now() - t0, ops: [] };
    for (const query of queries) {
      hive[suite].ops.push(measure(() => planner.plan(query, null, new Set(), 0)));
    }
  } catch (e) {
    hive[suite] = { error: String(e.message || e).slice(0, 300), ops: queries.map(() => ({})) };
  }
}
writeFileSync(outFile, JSON.stringify({ apollo, hive, node: process.version }, null, 1));
