// spike: a calm baseline (5 VUs), a sudden burst to RAMP_MAX_VU (200) VUs, recovery.
// DURATION (30s; 90s, 10m, 1h...) is the whole run; the burst is its middle fifth.
import { durationSeconds, heavyQuery, reference, summaryTo } from "./lib.js";

const max = Number(__ENV.RAMP_MAX_VU || 200);
const total = durationSeconds(__ENV.DURATION, "30s");
const fifth = Math.max(1, Math.round(total / 5));
const calm = Math.max(1, 2 * fifth - 1); // before the burst; 1 s to jump up
const after = Math.max(1, total - calm - 1 - fifth - 1); // the rest: the stages add up to DURATION
export const options = {
  scenarios: {
    spike: {
      executor: "ramping-vus",
      startVUs: 5,
      stages: [
        { duration: `${calm}s`, target: 5 },
        { duration: "1s", target: max },
        { duration: `${fifth}s`, target: max },
        { duration: "1s", target: 5 },
        { duration: `${after}s`, target: 5 },
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
