// Hive Gateway (@graphql-hive/gateway runtime) over a static supergraph file, one process.
// Usage: node hive-gateway.mjs SUPERGRAPH_FILE PORT
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway";

const [supergraphFile, port] = process.argv.slice(2);
const gateway = createGatewayRuntime({
  supergraph: readFileSync(supergraphFile, "utf8"),
  logging: false,
  graphiql: false,
  landingPage: false,
});
createServer(gateway).listen(Number(port), "127.0.0.1", () => {
  console.log(`hive-gateway ready at http://127.0.0.1:${port}/graphql`);
});
