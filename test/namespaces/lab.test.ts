import assert from "node:assert/strict";
import { test } from "node:test";
import { NetLab, labNamespaces } from "./lab.ts";

test("two lab hosts reach each other over TCP, and nothing is left after the lab is destroyed", async () => {
  const before = await labNamespaces();
  const lab = await NetLab.create();
  try {
    const a = await lab.addHost("a", 11);
    const b = await lab.addHost("b", 12);
    const server = `require("net").createServer(s=>{s.end("hello from a")}).listen(7001,"${a.address}",()=>console.log("up")); setTimeout(()=>process.exit(0),5000)`;
    const serving = lab.run(a, [process.execPath, "-e", server]);
    let reply = "";
    for (let i = 0; i < 50 && reply === ""; i++) {
      const client = `const s=require("net").connect(7001,"${a.address}");let d="";s.on("data",x=>d+=x);s.on("end",()=>{console.log(d)});s.on("error",()=>process.exit(0))`;
      reply = (await lab.run(b, [process.execPath, "-e", client])).stdout.trim();
      if (!reply) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(reply, "hello from a");
    await serving;
  } finally {
    await lab.destroy();
  }
  assert.deepEqual(await labNamespaces(), before);
});
