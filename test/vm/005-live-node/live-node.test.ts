// The live ISO is a Kubernetes node: k3s-service starts `k3s server` with the settings the config
// wrote, the node goes Ready with k3os's labels, rancher runs kubectl and k3os without sudo, and a
// pod runs from an image shipped on the ISO.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Vm } from "../../../builder/vm/console.ts";
import { waitForNodeReady } from "../../../builder/vm/guest.ts";

/** k3s's start-up timeline from its log: each component started, ready, and each image archive imported, each restart. */
async function readK3sTimeline(vm: Vm): Promise<string[]> {
  const r = await vm.run("sudo -n grep -E ' k3s: (started|imported|.* is ready|warning: .* restarting)' /var/log/k3s-service.log | head -n 40", 60_000);
  return r.out.split("\n").filter(Boolean);
}

let vm: Vm;

before(async () => {
  vm = await Vm.boot({ name: "005-live-node", memoryMb: 2048, hardTimeoutMs: 40 * 60_000 });
  const seconds = await vm.login("rancher", undefined, 900_000);
  process.stdout.write(`# boot to login (${vm.accel}, BIOS): ${seconds.toFixed(1)} s\n`);
});
after(async () => {
  await vm?.kill();
});

// Kubernetes under TCG on 2 loaded cores: minutes, not seconds (DESIGN.md's target is 60 s).
const READY_TIMEOUT_MS = 900_000;

test("k3s-service brings the live node to Ready, labelled k3os.io/mode=live, as a server", async () => {
  const seconds = await waitForNodeReady(vm, READY_TIMEOUT_MS);
  process.stdout.write(`# boot to node Ready (${vm.accel}, BIOS): ${seconds.toFixed(1)} s\n`);
  for (const line of await readK3sTimeline(vm)) process.stdout.write(`#   ${line}\n`);
  const labels = await vm.run("sudo -n kubectl get nodes -o jsonpath='{.items[0].metadata.labels}'");
  const parsed = JSON.parse(labels.out) as Record<string, string>;
  assert.equal(parsed["k3os.io/mode"], "live");
  assert.equal(parsed["node-role.kubernetes.io/control-plane"], "true");
  assert.match(parsed["k3os.io/version"] ?? "", /^v\d/);
});

// The seed's first steps: "Log in with the user rancher and run kubectl" (serial console, no sudo).
test("rancher runs kubectl and k3os without sudo; the login screen names k3os and the node's address", async () => {
  const beforeLogin = vm.text.slice(0, vm.text.indexOf(" login:"));
  assert.match(beforeLogin, /k3os v\d\S* on /, "the login screen names k3os and its version");
  assert.match(beforeLogin, /user rancher/);
  assert.equal((await vm.run("stat -c '%a %U %G' /etc/rancher/k3s/k3s.yaml")).out, "640 root rancher", "readable by group rancher, not by others");
  const nodes = await vm.run("kubectl get nodes --no-headers 2>&1", 120_000);
  assert.equal(nodes.code, 0, nodes.out);
  assert.match(nodes.out, /^\S+\s+Ready\s/m);
  const version = await vm.run("k3os --version 2>&1", 120_000);
  assert.equal(version.code, 0, version.out);
  assert.match(version.out, /v\d/);
  // agetty renders /etc/issue as at the prompt; the address is the one DHCP leased
  const address = (await vm.run("ip -4 -o route get 1.1.1.1 | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'")).out;
  assert.match(address, /^\d+\.\d+\.\d+\.\d+$/);
  const issue = await vm.run("/sbin/agetty --show-issue 2>&1");
  assert.ok(issue.out.includes(address), `${address} in:\n${issue.out}`);
  assert.match(issue.out, /k3os v\d/);
});

test("a pod from an image shipped on the ISO runs to completion (nothing is pulled)", async () => {
  const run = await vm.run(
    "sudo -n kubectl run k3os-probe --image=localhost/k3os/busybox:1.35 --image-pull-policy=Never --restart=Never --command -- sh -c 'echo hello-from-k3os-pod' 2>&1",
    120_000,
  );
  assert.equal(run.code, 0, run.out);
  const deadline = Date.now() + 600_000;
  let phase = "";
  while (phase !== "Succeeded") {
    phase = (await vm.run("sudo -n kubectl get pod k3os-probe -o jsonpath='{.status.phase}'", 120_000)).out;
    assert.notEqual(phase, "Failed");
    if (Date.now() > deadline) assert.fail(`pod phase ${phase} after 600 s: ${(await vm.run("sudo -n kubectl describe pod k3os-probe | tail -n 15")).out}`);
    if (phase !== "Succeeded") await new Promise((r) => setTimeout(r, 5000));
  }
  assert.equal((await vm.run("sudo -n kubectl logs k3os-probe", 120_000)).out, "hello-from-k3os-pod");
});
