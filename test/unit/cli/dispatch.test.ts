import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseCommand } from "../../../src/cli/dispatch.ts";

test("the agent is the k3s runtime only when invoked through a name that is exactly k3s", () => {
  const table: [string | undefined, string][] = [
    ["/usr/sbin/k3s", "k3s"],
    ["k3s", "k3s"],
    ["/work/bin/k3s", "k3s"],
    ["/usr/sbin/k3os", "k3os"],
    ["/usr/lib/k3os/agent/k3os", "k3os"],
    ["/usr/sbin/k3s-agent", "k3os"],
    ["/opt/k3s/k3os", "k3os"],
    [undefined, "k3os"],
  ];
  for (const [argv1, want] of table) assert.equal(chooseCommand(argv1), want, String(argv1));
});
