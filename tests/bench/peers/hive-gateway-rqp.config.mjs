// Hive Gateway with Hive Router's Rust query planner and executor (npm
// @graphql-hive/router-runtime) in place of its JavaScript one: the documented way,
// a gateway config exporting `unifiedGraphHandler`. Loaded by hive-gateway-rqp.mjs.
// BENCH_EXPOSE_QUERY_PLAN=1 adds useQueryPlan({ expose: true }) so that the bench can
// check, on one verification start, that the plans are the Rust planner's; the measured
// start runs without it, so the peer pays for no plugin the others do not have.
import { defineConfig } from "@graphql-hive/gateway";
import { unifiedGraphHandler, useQueryPlan } from "@graphql-hive/router-runtime";

const exposePlan = Boolean(process.env.BENCH_EXPOSE_QUERY_PLAN);

export const gatewayConfig = defineConfig({
  unifiedGraphHandler,
  graphiql: false,
  landingPage: false,
  ...(exposePlan ? { plugins: () => [useQueryPlan({ expose: true })] } : {}),
});
