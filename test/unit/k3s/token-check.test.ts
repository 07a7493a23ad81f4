// A malformed join token is refused while the flags are read, before the agent or a joining server
// opens any connection: the first thing a join does is fetch /cacerts from --server.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { k3sMain, type K3sIo } from "../../../src/k3s/cli.ts";
import { tempRoot } from "./helpers.ts";

function io(env: Record<string, string>): K3sIo & { err: string } {
  const r = { env, err: "", stdout: () => {}, stderr: (t: string) => void (r.err += t) };
  return r;
}

describe("a malformed K10 token", () => {
  let listener: Server;
  let connections = 0;
  let url = "";
  before(async () => {
    listener = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(listener.address() as { port: number }).port}`;
  });
  after(() => listener.close());

  const cases = [
    ["a CA hash that is not hex", `K10${"z".repeat(64)}::server:secret`, /--token: invalid token CA hash/],
    ["a CA hash of the wrong length", "K10abc::node:secret", /--token: invalid token CA hash length/],
    ["no '::' after the prefix", "K10server:secret", /--token: invalid token format: a K10 token is K10<CA hash>::<credentials>/],
  ] as const;
  for (const command of ["agent", "server"] as const) {
    for (const [what, token, message] of cases) {
      it(`k3s ${command} refuses ${what} before any network use`, async () => {
        const x = io({ K3OS_ROOT: tempRoot(), K3OS_KUBE_DIR: "/nonexistent" });
        assert.equal(await k3sMain([command, "--server", url, "--token", token], x), 1);
        assert.match(x.err, message);
        assert.equal(connections, 0, "no connection to --server");
      });
    }
  }
});
