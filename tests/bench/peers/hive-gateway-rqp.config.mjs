// Hive Gateway with Hive Router's Rust query planner and executor (npm
// @graphql-hive/router-runtime) in place of its JavaScript one: the documented way,
// a gateway config exporting `unifiedGraphHandler`. Loaded by hive-gateway-rqp.mjs.
import { defineConfig } from "@graphql-hive/gateway";
import { unifiedGraphHandler } from "@graphql-hive/router-runtime";

export const gatewayConfig = defineConfig({
  unifiedGraphHandler,
  graphiql: false,
  landingPage: false,
});
