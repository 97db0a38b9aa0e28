// Peak memory of planning one operation: load the supergraph, reset the kernel's
// peak-RSS mark (/proc/self/clear_refs), plan the query once, and print the RSS
// after loading and the peak while planning, in KiB, as JSON (Linux).
import { readFileSync, writeFileSync } from "node:fs";

function status(field) {
  const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(field));
  return Number(line.split(/\s+/)[1]);
}
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
const query = readFileSync(queryFile, "utf8");
let error = null;
const loaded = status("VmRSS:");
writeFileSync("/proc/self/clear_refs", "5");
try {
  plan(query);
} catch (e) {
  error = String((e && e.message) || e).slice(0, 200);
}
console.log(JSON.stringify({ loaded_kib: loaded, peak_kib: status("VmHWM:"), error }));
