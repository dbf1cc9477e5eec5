// A second independent MCP client (the official TypeScript SDK) for the end-to-end tests:
// connects to `mcpgen serve` over stdio (a command after `--`) or Streamable HTTP (--http URL),
// lists every tool (following cursors), calls one, and prints what it saw as one JSON line.
//
//   node ts_client.mjs [--http URL] [--call NAME JSON] [-- COMMAND ARGS...]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const argv = process.argv.slice(2);
const dash = argv.indexOf("--");
const command = dash >= 0 ? argv.slice(dash + 1) : [];
const options = dash >= 0 ? argv.slice(0, dash) : argv;
const http = options.includes("--http") ? options[options.indexOf("--http") + 1] : null;
const call = options.includes("--call") ? options.slice(options.indexOf("--call") + 1, options.indexOf("--call") + 3) : null;

const transport = http
  ? new StreamableHTTPClientTransport(new URL(http))
  : new StdioClientTransport({ command: command[0], args: command.slice(1), stderr: "ignore" });
const client = new Client({ name: "mcpgen-ts-test", version: "1.0.0" });
await client.connect(transport);

const tools = [];
let cursor;
do {
  const page = await client.listTools(cursor ? { cursor } : {});
  tools.push(...page.tools);
  cursor = page.nextCursor;
} while (cursor);

let result = null;
if (call) {
  result = await client.callTool({ name: call[0], arguments: JSON.parse(call[1]) });
}
console.log(JSON.stringify({ tools: tools.length, names: tools.map((t) => t.name), result }));
await client.close();
