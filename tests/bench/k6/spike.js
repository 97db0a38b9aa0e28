// spike: a calm baseline (5 VUs), a sudden burst to RAMP_MAX_VU (200) VUs, recovery.
// DURATION (30s) is the whole run; the burst is its middle fifth.
import { heavyQuery, reference, summaryTo } from "./lib.js";

const max = Number(__ENV.RAMP_MAX_VU || 200);
const total = parseInt(__ENV.DURATION || "30", 10);
const fifth = Math.max(1, Math.round(total / 5));
export const options = {
  scenarios: {
    spike: {
      executor: "ramping-vus",
      startVUs: 5,
      stages: [
        { duration: `${fifth}s`, target: 5 },
        { duration: "1s", target: max },
        { duration: `${fifth}s`, target: max },
        { duration: "1s", target: 5 },
        { duration: `${2 * fifth}s`, target: 5 },
      ],
      gracefulRampDown: "5s",
    },
  },
  summaryTrendStats: ["avg", "min", "med", "p(95)", "p(99)", "max"],
  thresholds: { bad_responses: ["count<1"] },
};
export const setup = reference;
export default function (ref) {
  heavyQuery(ref);
}
export function handleSummary(data) {
  return summaryTo(data, "spike-summary.json");
}
