import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { NetLab, labNamespaces } from "./lab.ts";

test("two lab hosts reach each other over TCP, and nothing is left after the lab is destroyed", async () => {
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
  assert.deepEqual(await labNamespaces(lab), []);
});

test("a DHCP host is leased the address the lab gave it (by its MAC), and the lab's DHCP server goes with the lab", async () => {
  const lab = await NetLab.create("10.219.0");
  let dhcpd = "";
  try {
    const hosts = [await lab.addDhcpHost("a", 21), await lab.addDhcpHost("b", 22)];
    dhcpd = (await lab.run(hosts[0]!, ["pgrep", "-f", `k3os-lab-${lab.id}-dhcp`], { allowFailure: true })).stdout.trim();
    assert.notEqual(dhcpd, "", "udhcpd runs");
    for (const h of hosts) {
      await lab.run(h, ["ip", "link", "set", "eth0", "up"]);
      // busybox's DHCP client, told not to configure anything (-s /bin/true): only the lease is looked at
      const r = await lab.run(h, ["/bin/busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-s", "/bin/true"], { allowFailure: true });
      assert.match(r.stderr + r.stdout, new RegExp(`lease of ${h.address.replaceAll(".", "\\.")} obtained from 10\\.219\\.0\\.1`));
    }
  } finally {
    await lab.destroy();
  }
  assert.deepEqual(await labNamespaces(lab), []);
  for (const pid of dhcpd.split("\n").filter(Boolean)) assert.equal(existsSync(`/proc/${pid}`), false, `udhcpd ${pid} is gone`);
});
