// A real Connect-ES client (the npm registry's @connectrpc packages) calling the gateway, run by
// NodeClientTest: Connect JSON and gRPC-Web, unary and server-streaming, over HTTP/1.1 and HTTP/2.
// Usage: node connect-client.mjs <baseUrl> <protocol: connect|grpcweb> <httpVersion: 1.1|2>
// Prints one JSON line with what it received; exits non-zero on an unexpected failure.
import { create, createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createClient, ConnectError } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";

const [baseUrl, protocol, httpVersion] = process.argv.slice(2);

// The services as a descriptor built here, no generated code: test.Echo (the MessagePack backend,
// reached through JSON transcoding) and test.Raw (a backend echoing raw bytes, for gRPC-Web, whose
// message bytes the gateway passes through untouched).
const file = create(FileDescriptorProtoSchema, {
  name: "test/echo.proto",
  package: "test",
  syntax: "proto3",
  messageType: [{
    name: "Msg",
    field: [
      { name: "seq", number: 1, type: 3 /* int64 */, label: 1, jsonName: "seq" },
      { name: "text", number: 2, type: 9 /* string */, label: 1, jsonName: "text" },
    ],
  }],
  service: ["Echo", "Raw"].map((name) => ({
    name,
    method: [
      { name: "Echo", inputType: ".test.Msg", outputType: ".test.Msg" },
      { name: name === "Raw" ? "Repeat" : "Count", inputType: ".test.Msg", outputType: ".test.Msg",
        serverStreaming: true },
    ],
  })),
});
const registry = createFileRegistry(file, () => undefined);
const options = { baseUrl, httpVersion };
const transport = protocol === "connect"
  ? createConnectTransport({ ...options, useBinaryFormat: false })
  : createGrpcWebTransport({ ...options, useBinaryFormat: true });
const service = registry.getService(protocol === "connect" ? "test.Echo" : "test.Raw");
const client = createClient(service, transport);
const stream = protocol === "connect" ? client.count : client.repeat;

const out = {};
const reply = await client.echo({ seq: 7n, text: "hi" }, { headers: { "x-client": "node" } });
out.unary = { seq: Number(reply.seq), text: reply.text };
out.stream = [];
for await (const m of stream({ seq: 3n, text: "s" })) {
  out.stream.push({ seq: Number(m.seq), text: m.text });
}
try {
  await client.echo({ seq: 1n, text: "status:NOT_FOUND:no such user" });
  out.error = null;
} catch (e) {
  const err = ConnectError.from(e);
  out.error = { code: err.code, message: err.rawMessage };
}
console.log(JSON.stringify(out));
