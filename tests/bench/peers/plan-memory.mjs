// Peak memory of planning one operation: load the supergraph, then (unless the query
// file is "-") plan the query once; print the process's peak RSS in KiB as JSON.
// Run once per (planner, operation) in a fresh process, so peaks are not shared.
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { QueryPlanner as ApolloPlanner } from "@apollo/query-planner";
import { Supergraph, operationFromDocument } from "@apollo/federation-internals";
import { QueryPlanner as HivePlanner } from "@graphql-hive/router-query-planner";

const [which, supergraphFile, queryFile] = process.argv.slice(2);
const sdl = readFileSync(supergraphFile, "utf8");
let plan;
if (which === "apollo") {
  const sg = Supergraph.build(sdl);
  const api = sg.apiSchema();
  const planner = new ApolloPlanner(sg);
  plan = (q) => planner.buildQueryPlan(operationFromDocument(api, parse(q), { validate: true }));
} else {
  const planner = new HivePlanner(sdl);
  plan = (q) => planner.plan(q, null, new Set(), 0);
}
let error = null;
if (queryFile !== "-") {
  try {
    plan(readFileSync(queryFile, "utf8"));
  } catch (e) {
    error = String((e && e.message) || e).slice(0, 200);
  }
}
console.log(JSON.stringify({ peak_rss_kib: process.resourceUsage().maxRSS, error }));
