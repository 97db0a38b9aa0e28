// ramp: progressive load from 0 to RAMP_MAX_VU (100) VUs and back over DURATION (60s; 90s, 10m, 1h...).
import { durationSeconds, heavyQuery, reference, summaryTo } from "./lib.js";

const max = Number(__ENV.RAMP_MAX_VU || 100);
const total = durationSeconds(__ENV.DURATION, "60s");
const step = Math.max(1, Math.round(total / 5));
export const options = {
  scenarios: {
    ramp: {
      executor: "ramping-vus",
      startVUs: 0,
      stages: [
        { duration: `${step}s`, target: Math.ceil(max / 4) },
        { duration: `${step}s`, target: Math.ceil(max / 2) },
        { duration: `${step}s`, target: max },
        { duration: `${step}s`, target: max },
        { duration: `${step}s`, target: 0 },
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
  return summaryTo(data, "ramp-summary.json");
}
