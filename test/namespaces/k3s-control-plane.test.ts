// `k3s server --disable-agent` for real: kine, kube-apiserver, controller-manager and scheduler from
// the built components, under k3os's supervisor, in a network namespace this test makes. Checks the
// k3s port (kubeconfig, identity passed through the front proxy), tokens, a restart after the
// apiserver is killed, and a clean stop.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureKubeComponents } from "../../builder/kube/build.ts";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { NetLab, type LabHost } from "./lab.ts";

const repo = resolve(import.meta.dirname, "../..");
const runner = new ProcessRunner();
let lab: NetLab;
let host: LabHost;
let kubeDir = "";
const root = mkdtempSync(join(tmpdir(), "k3s-ns-"));
let server: ChildProcess;
let output = "";
const exited = { code: null as number | null, done: false };

/** Runs `k3s ARGS` (src/k3s/cli.ts through tsx) inside the lab host. */
function k3sArgv(args: string[]): string[] {
  const script = `import { k3sMain } from ${JSON.stringify(join(repo, "src/k3s/cli.ts"))}; process.exitCode = await k3sMain(process.argv.slice(1));`;
  return [...host.enter, "env", `K3OS_ROOT=${root}`, `K3OS_KUBE_DIR=${kubeDir}`, process.execPath, "--import", "tsx", "--input-type=module", "-e", script, ...args];
}

async function k3s(args: string[], allowFailure = false) {
  return runner.run(k3sArgv(args), { cwd: repo, allowFailure });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (exited.done) throw new Error(`k3s server exited (${exited.code}) while waiting for ${what}:\n${output.slice(-3000)}`);
    if (await check().catch(() => false)) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${output.slice(-3000)}`);
}

const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  value: "${value}"\n`;
const configMapValue = async (name: string) => (await k3s(["kubectl", "-n", "default", "get", "configmap", name, "-o", "jsonpath={.data.value}"], true)).stdout.trim();

/** The kubectl applet itself with the admin kubeconfig: milliseconds a call, where `k3s kubectl`
 * (node + tsx) takes seconds on a loaded machine. */
const kubectl = (args: string[]) => runner.run([...host.enter, join(kubeDir, "bin", "kubectl"), "--kubeconfig", join(root, "etc/rancher/k3s/k3s.yaml"), ...args], { allowFailure: true });

const readyz = async () => (await k3s(["kubectl", "get", "--raw", "/readyz"], true)).stdout.trim() === "ok";

before(async () => {
  kubeDir = (await ensureKubeComponents()).dir;
  // User manifests present before the first start: one good, one the apiserver refuses, one skipped.
  const manifests = join(root, "var/lib/rancher/k3s/server/manifests");
  mkdirSync(manifests, { recursive: true });
  writeFileSync(join(manifests, "a-good.yaml"), configMap("cm-good", "v1"));
  writeFileSync(join(manifests, "b-broken.yaml"), "apiVersion: v1\nkind: NoSuchKind\nmetadata:\n  name: x\n");
  writeFileSync(join(manifests, "c-skipped.yaml"), configMap("cm-skipped", "v1"));
  writeFileSync(join(manifests, "c-skipped.yaml.skip"), "");
  lab = await NetLab.create("10.214.0");
  host = await lab.addHost("srv", 11);
  const [cmd, ...args] = k3sArgv(["server", "--disable-agent", "--node-ip", host.address, "--token", "nstoken", "--write-kubeconfig-mode", "644"]);
  server = spawn(cmd!, args, { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout!.on("data", (d: Buffer) => (output += d));
  server.stderr!.on("data", (d: Buffer) => (output += d));
  server.on("exit", (code) => Object.assign(exited, { code, done: true }));
});

after(async () => {
  if (!exited.done) server.kill("SIGKILL");
  await lab?.destroy();
  rmSync(root, { recursive: true, force: true });
});

const pidOf = (name: string) => Number([...output.matchAll(new RegExp(`started ${name} \\(pid (\\d+)\\)`, "g"))].at(-1)?.[1]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("k3s server --disable-agent in a network namespace", { timeout: 600_000 }, () => {
  it("serves the API through the k3s port with the admin kubeconfig", async () => {
    const ms = await waitFor("/readyz through the k3s port", readyz, 180_000);
    process.stderr.write(`apiserver ready through the k3s port after ${ms} ms\n`);
    assert.match((await k3s(["kubectl", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout, /^system:admin$/);
    await waitFor("the default ServiceAccount (controller-manager at work)", async () => (await k3s(["kubectl", "-n", "default", "get", "serviceaccount", "default"], true)).exitCode === 0, 60_000);
  });

  it("applies server/manifests: bundled CoreDNS and local-storage, user files, a broken file reported, .skip honoured", async () => {
    const ms = await waitFor("cm-good from a-good.yaml", async () => (await configMapValue("cm-good")) === "v1", 60_000);
    process.stderr.write(`user manifest applied ${ms} ms after the API was ready\n`);
    assert.equal((await k3s(["kubectl", "-n", "kube-system", "get", "service", "kube-dns", "-o", "jsonpath={.spec.clusterIP}"])).stdout.trim(), "10.43.0.10");
    assert.equal((await k3s(["kubectl", "-n", "kube-system", "get", "deployment", "coredns", "-o", "jsonpath={.spec.template.spec.containers[0].imagePullPolicy}"])).stdout.trim(), "IfNotPresent");
    assert.equal((await k3s(["kubectl", "get", "storageclass", "local-path", "-o", "jsonpath={.provisioner}"])).stdout.trim(), "rancher.io/local-path");
    assert.match(output, /manifests: b-broken\.yaml: .*NoSuchKind/);
    assert.equal(await configMapValue("cm-skipped"), "", "a file with a .skip beside it is not applied");
    const fields = (await k3s(["kubectl", "-n", "default", "get", "configmap", "cm-good", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].operation}"])).stdout;
    assert.match(fields, /Apply/, "server-side apply");
  });

  it("applies a changed and a new manifest file while running", async () => {
    const manifests = join(root, "var/lib/rancher/k3s/server/manifests");
    writeFileSync(join(manifests, "a-good.yaml"), configMap("cm-good", "v2"));
    writeFileSync(join(manifests, "d-new.json"), JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-new", namespace: "default" }, data: { value: "json" } }));
    const seen = output.length;
    const logged = (file: string) => output.slice(seen).includes(`manifests: applied ${file}`);
    // The directory watch applies them (the unit test pins that without a resync); the 15 s resync
    // would too. The bound is a pass already running plus one more: each pass retries the broken
    // file, and on a loaded machine (load 20 on 2 cores) every kubectl call takes seconds.
    const ms = await waitFor("the changed and the new file applied", async () => logged("a-good.yaml") && logged("d-new.json"), 60_000);
    process.stderr.write(`changed manifests applied ${ms} ms after writing\n`);
    assert.equal(await configMapValue("cm-good"), "v2");
    assert.equal(await configMapValue("cm-new"), "json");
  });

  it("deletes what a changed file dropped, and keeps the objects of a removed file, as k3s", async () => {
    const manifests = join(root, "var/lib/rancher/k3s/server/manifests");
    const role = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: pruned-role\n  namespace: default\nrules: []\n";
    const exists = async (what: string) => (await kubectl(["-n", "default", "get", what, "-o", "name"])).exitCode === 0;
    writeFileSync(join(manifests, "e-prune.yaml"), `${configMap("cm-kept", "v1")}---\n${configMap("cm-dropped", "v1")}${role}`);
    await waitFor("e-prune.yaml's three objects", async () => (await exists("configmap/cm-dropped")) && (await exists("role/pruned-role")), 30_000);
    const seen = output.length;
    writeFileSync(join(manifests, "e-prune.yaml"), configMap("cm-kept", "v2"));
    const ms = await waitFor("the dropped ConfigMap and Role deleted", async () => !(await exists("configmap/cm-dropped")) && !(await exists("role/pruned-role")), 30_000);
    process.stderr.write(`objects dropped from a file deleted ${ms} ms after writing\n`);
    assert.match(output.slice(seen), /manifests: deleted -n default Role\.v1\.rbac\.authorization\.k8s\.io\/pruned-role \(no longer in e-prune\.yaml\)/);
    assert.equal(await configMapValue("cm-kept"), "v2");
    rmSync(join(manifests, "e-prune.yaml"));
    // The watch fires at once; a pass over the directory is logged only when it does something, so
    // wait for a later pass to have surely run: the one another new file triggers.
    writeFileSync(join(manifests, "f-marker.yaml"), configMap("cm-marker", "v1"));
    await waitFor("the next pass", async () => output.includes("manifests: applied f-marker.yaml"), 30_000);
    assert.equal(await configMapValue("cm-kept"), "v2", "a removed file's objects stay");
  });

  it("writes the token as K10<hash of server-ca.crt>::server:<token>", async () => {
    const token = readFileSync(join(root, "var/lib/rancher/k3s/server/token"), "utf8").trim();
    assert.match(token, /^K10[0-9a-f]{64}::server:nstoken$/);
  });

  it("creates and lists bootstrap tokens", async () => {
    const created = (await k3s(["token", "create", "abcdef.0123456789abcdef", "--description", "ns-test"])).stdout.trim();
    assert.match(created, /^K10[0-9a-f]{64}::abcdef\.0123456789abcdef$/);
    assert.match((await k3s(["token", "list"])).stdout, /abcdef\.<secret>\s+23h\s+\S+\s+authentication,signing\s+ns-test/);
  });

  it("restarts a killed apiserver", async () => {
    const pid = pidOf("kube-apiserver");
    assert.ok(pid > 0 && alive(pid));
    process.kill(pid, "SIGKILL");
    await waitFor("a new apiserver", async () => pidOf("kube-apiserver") !== pid, 30_000);
    const ms = await waitFor("/readyz after the restart", readyz, 120_000);
    process.stderr.write(`apiserver ready again ${ms} ms after the restart\n`);
  });

  it("stops every component on SIGTERM and exits 0", async () => {
    const pids = ["kine", "kube-apiserver", "kube-controller-manager", "kube-scheduler"].map(pidOf);
    // nsenter and env exec the next program, so the spawned pid is the k3s process itself.
    const t0 = Date.now();
    process.kill(server.pid!, "SIGTERM");
    await waitFor("k3s to exit", async () => exited.done, 30_000).catch(() => {});
    const stopMs = Date.now() - t0;
    process.stderr.write(`stopped in ${stopMs} ms\n${output.split("\n").filter((l) => /stopped /.test(l)).join("\n")}\n`);
    // Each component gets 10 s before SIGKILL; a clean stop is much faster (and leaves no timer behind).
    assert.ok(stopMs < 9000, `stop took ${stopMs} ms`);
    assert.ok(exited.done, "k3s exited");
    assert.equal(exited.code, 0, output.slice(-2000));
    assert.ok(pids.every((p) => !alive(p)), "no component left");
    assert.ok(existsSync(join(root, "var/lib/rancher/k3s/server/logs/kube-apiserver.log")));
  });
});
