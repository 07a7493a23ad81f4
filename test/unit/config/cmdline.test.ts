import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCmdline, parseCmdlineKey, tokenizeCmdline } from "../../../src/config/cmdline.ts";
import { isTopLevelKey } from "../../../src/config/load.ts";

test("the cmdline splits on spaces and keeps double-quoted spaces in one word", () => {
  assert.deepEqual(tokenizeCmdline(' a=1  b="x y"\tc "d e"=f '), ["a=1", "b=x y", "c", "d e=f"]);
});

test("an unterminated quote runs to the end of the line", () => {
  assert.deepEqual(tokenizeCmdline('a="x y'), ["a=x y"]);
});

const KEYS: [string, string[] | undefined][] = [
  ["k3os.token", ["k3os", "token"]],
  ["k3os.install.silent", ["k3os", "install", "silent"]],
  ["k3os.sysctls[kernel.printk]", ["k3os", "sysctls", "kernel.printk"]],
  ["k3os.labels[k3os.io/role].x", ["k3os", "labels", "k3os.io/role", "x"]],
  ["hostname", ["hostname"]],
  ["k3os..token", undefined],
  ["k3os.", undefined],
  ["k3os.sysctls[kernel.printk", undefined],
];
for (const [key, path] of KEYS) {
  test(`the cmdline key ${JSON.stringify(key)} is the path ${JSON.stringify(path)}`, () => {
    assert.deepEqual(parseCmdlineKey(key), path);
  });
}

test("k3os keys nest, repeated keys make lists, bare keys mean true, and kernel parameters are ignored", () => {
  const { data } = parseCmdline(
    'BOOT_IMAGE=/vmlinuz console=ttyS0 quiet k3os.mode=live k3os.dns_nameserver=1.1.1.1 k3os.dns_nameserver=8.8.8.8 ' +
      'k3os.sysctl[kernel.printk]="4 4 1 7" k3os.install.silent hostname=node1 k3os.token=K10abc::server:s=cret',
    isTopLevelKey,
  );
  assert.deepEqual(data, {
    k3os: {
      dns_nameserver: ["1.1.1.1", "8.8.8.8"],
      sysctl: { "kernel.printk": "4 4 1 7" },
      install: { silent: "true" },
      token: "K10abc::server:s=cret",
    },
    hostname: "node1",
  });
});

test("a cmdline key named __proto__ is a plain key, not the object's prototype", () => {
  const { data } = parseCmdline("k3os.__proto__.polluted=yes", isTopLevelKey);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(data.k3os as object), ["__proto__"]);
});
