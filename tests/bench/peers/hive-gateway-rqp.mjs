// Hive Gateway on Hive Router's Rust query planner: the hive-gateway CLI (one process,
// `--fork 1`) with the config file hive-gateway-rqp.config.mjs beside this file.
// Usage: node hive-gateway-rqp.mjs SUPERGRAPH_FILE PORT
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [supergraphFile, port] = process.argv.slice(2);
process.argv = [
  process.argv[0],
  "hive-gateway",
  "supergraph",
  supergraphFile,
  "--config-path",
  join(here, "hive-gateway-rqp.config.mjs"),
  "--host",
  "127.0.0.1",
  "--port",
  port,
  "--fork",
  "1",
];
await import(pathToFileURL(join(here, "node_modules/@graphql-hive/gateway/dist/bin.js")).href);
