// smoke: one VU, baseline latency of the heavy query. DURATION (10s) overridable.
import { heavyQuery, reference, summaryTo } from "./lib.js";

export const options = {
  vus: 1,
  duration: __ENV.DURATION || "10s",
  summaryTrendStats: ["avg", "min", "med", "p(95)", "p(99)", "max"],
  thresholds: { bad_responses: ["count<1"] },
};
export const setup = reference;
export default function (ref) {
  heavyQuery(ref);
}
export function handleSummary(data) {
  return summaryTo(data, "smoke-summary.json");
}
