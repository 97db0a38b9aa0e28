// soak: a steady VUS (20) load for a long DURATION (10m) to surface leaks and drift.
import { heavyQuery, reference, summaryTo } from "./lib.js";

export const options = {
  vus: Number(__ENV.VUS || 20),
  duration: __ENV.DURATION || "10m",
  summaryTrendStats: ["avg", "min", "med", "p(95)", "p(99)", "max"],
  thresholds: { bad_responses: ["count<1"] },
};
export const setup = reference;
export default function (ref) {
  heavyQuery(ref);
}
export function handleSummary(data) {
  return summaryTo(data, "soak-summary.json");
}
