// Peer comparison: the same constant-VU run against any gateway (URL).
// VUS (50) and DURATION (30s) overridable; SUMMARY_FILE receives the JSON summary.
import { heavyQuery, reference, summaryTo } from "./lib.js";

export const options = {
  scenarios: {
    compare: {
      executor: "constant-vus",
      vus: Number(__ENV.VUS || 50),
      duration: __ENV.DURATION || "30s",
    },
  },
  summaryTrendStats: ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"],
  discardResponseBodies: false,
};

export const setup = reference;
export default function (ref) {
  heavyQuery(ref);
}
export function handleSummary(data) {
  return summaryTo(data, "compare-summary.json");
}
