import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeConfig } from "../../../src/config/merge.ts";

const TABLE: [string, unknown, unknown, unknown][] = [
  ["a later scalar overrides an earlier one", { hostname: "a" }, { hostname: "b" }, { hostname: "b" }],
  ["a key only in the earlier source is kept", { hostname: "a" }, { k3os: { token: "t" } }, { hostname: "a", k3os: { token: "t" } }],
  [
    "maps merge key by key (k3OS replaced the whole map)",
    { k3os: { labels: { a: "1", b: "2" } } },
    { k3os: { labels: { b: "3", c: "4" } } },
    { k3os: { labels: { a: "1", b: "3", c: "4" } } },
  ],
  ["lists replace the earlier list whole", { k3os: { modules: ["a", "b"] } }, { k3os: { modules: ["c"] } }, { k3os: { modules: ["c"] } }],
  [
    "nested sections merge field by field",
    { k3os: { install: { device: "/dev/vda", silent: true } } },
    { k3os: { install: { silent: false } } },
    { k3os: { install: { device: "/dev/vda", silent: false } } },
  ],
  ["an empty later source changes nothing", { hostname: "a" }, {}, { hostname: "a" }],
];

for (const [name, earlier, later, expected] of TABLE) {
  test(name, () => assert.deepEqual(mergeConfig(earlier, later), expected));
}

test("merging does not modify its inputs", () => {
  const earlier = { k3os: { labels: { a: "1" } } };
  mergeConfig(earlier, { k3os: { labels: { b: "2" } } });
  assert.deepEqual(earlier, { k3os: { labels: { a: "1" } } });
});
