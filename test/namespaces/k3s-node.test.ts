// A whole `k3s server` node — control plane, containerd, flannel, kubelet, kube-proxy — from the
// built components, in network + mount + PID namespaces this test makes (the settings measured in
// ../shared/notes/namespaces-node.md): the node goes Ready, a pod from an image imported from
// agent/images runs, and a SIGTERM stops it all.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureKubeComponents } from "../../builder/kube/build.ts";
import { ensureNodeImages } from "../../builder/kube/node-images.ts";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { NetLab, type LabHost } from "./lab.ts";

const repo = resolve(import.meta.dirname, "../..");
const runner = new ProcessRunner();
const root = mkdtempSync(join(tmpdir(), "k3s-node-"));
const cgroupRoot = `/k3os-test-${root.slice(-6).toLowerCase()}`;
let lab: NetLab;
let host: LabHost;
let kubeDir = "";
let server: ChildProcess;
let output = "";
const exited = { code: null as number | null, done: false };
const k3sScript = `import { k3sMain } from ${JSON.stringify(join(repo, "src/k3s/cli.ts"))}; process.exitCode = await k3sMain(process.argv.slice(1));`;

function kubectl(args: string[], opts: { input?: string; allowFailure?: boolean } = {}) {
  const argv = [...host.enter, "env", `K3OS_ROOT=${root}`, `K3OS_KUBE_DIR=${kubeDir}`, process.execPath, "--import", "tsx", "--input-type=module", "-e", k3sScript, "kubectl", ...args];
  return runner.run(argv, { cwd: repo, input: opts.input, allowFailure: opts.allowFailure ?? true });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (exited.done) throw new Error(`k3s exited (${exited.code}) while waiting for ${what}:\n${output.slice(-4000)}`);
    if (await check().catch(() => false)) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${output.slice(-4000)}`);
}

/** Cgroup v1 hierarchies (and the unified one) where the kubelet's cgroupRoot must exist. */
function cgroupDirs(): string[] {
  const base = "/sys/fs/cgroup";
  return readdirSync(base).map((d) => join(base, d, cgroupRoot)).filter((d) => existsSync(join(d, "..", "cgroup.procs")));
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // still busy: reported by the leak check
  }
}

before(async () => {
  const kube = await ensureKubeComponents();
  kubeDir = kube.dir;
  const images = await ensureNodeImages({ kube });
  const imagesDir = join(root, "var/lib/rancher/k3s/agent/images");
  mkdirSync(imagesDir, { recursive: true });
  for (const name of ["pause", "busybox", "coredns", "local-path-provisioner"]) copyFileSync(images.images[name]!.archive, join(imagesDir, `${name}.tar`));
  for (const d of cgroupDirs()) mkdirSync(d, { recursive: true });
  lab = await NetLab.create("10.216.0");
  host = await lab.addHost("srv", 11);
  // Inside: keep the cgroup mounts across a fresh sysfs (this netns's interfaces), private /run,
  // /var/log and /var/lib (the kubelet, libcni and the CRI write there), and /proc and /sys seen
  // under the node's root prefix.
  const setup = [
    "set -eu",
    `cg=${root}/cgroup-aside; mkdir -p "$cg"; mount --rbind /sys/fs/cgroup "$cg"; mount -t sysfs sysfs /sys; mount --rbind "$cg" /sys/fs/cgroup`,
    "for d in /run /var/log /var/lib; do mount -t tmpfs tmpfs $d; done",
    `mkdir -p ${root}/proc ${root}/sys && mount --rbind /proc ${root}/proc && mount --rbind /sys ${root}/sys`,
    `exec env K3OS_ROOT=${root} K3OS_KUBE_DIR=${kubeDir} "$@"`,
  ].join("\n");
  const k3s = [process.execPath, "--import", "tsx", "--input-type=module", "-e", k3sScript, "server", "--node-name", "srv", "--node-ip", host.address, "--token", "nodetoken", `--kubelet-arg=cgroup-root=${cgroupRoot}`];
  const argv = [...host.enter, "unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "sh", "-c", setup, "k3s", ...k3s];
  server = spawn(argv[0]!, argv.slice(1), { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout!.on("data", (d: Buffer) => (output += d));
  server.stderr!.on("data", (d: Buffer) => (output += d));
  server.on("exit", (code) => Object.assign(exited, { code, done: true }));
});

after(async () => {
  if (!exited.done) server.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 500));
  await lab?.destroy();
  for (const d of cgroupDirs()) removeCgroupTree(d);
  rmSync(root, { recursive: true, force: true });
});

describe("k3s server: a whole node in namespaces", { timeout: 600_000 }, () => {
  it("goes Ready", async () => {
    const ready = async () => (await kubectl(["get", "node", "srv", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"])).stdout.trim() === "True";
    const ms = await waitFor("node srv Ready", ready, 300_000);
    process.stderr.write(`node Ready ${ms} ms after the test started k3s\n`);
    assert.match(output, /imported .*pause\.tar/);
  });

  it("runs a pod from an image imported from agent/images", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "sleeper", namespace: "default" },
      spec: { containers: [{ name: "c", image: "localhost/k3os/busybox:1.35", imagePullPolicy: "Never", command: ["/bin/busybox", "sleep", "3600"] }] },
    };
    const applied = await kubectl(["apply", "-f", "-"], { input: JSON.stringify(pod) });
    assert.equal(applied.exitCode, 0, applied.stderr);
    const ms = await waitFor("pod Running", async () => (await kubectl(["get", "pod", "sleeper", "-o", "jsonpath={.status.phase}"])).stdout.trim() === "Running", 180_000);
    process.stderr.write(`pod Running ${ms} ms after apply\n`);
    const ip = (await kubectl(["get", "pod", "sleeper", "-o", "jsonpath={.status.podIP}"])).stdout.trim();
    assert.match(ip, /^10\.42\.\d+\.\d+$/);
  });

  it("labels itself a control-plane node", async () => {
    await waitFor("node-role labels", async () => (await kubectl(["get", "node", "srv", "-o", "jsonpath={.metadata.labels}"])).stdout.includes("node-role.kubernetes.io/control-plane"), 60_000);
  });

  it("deploys CoreDNS from server/manifests: a pod resolves kubernetes.default and reaches a Service by name", async () => {
    const ms = await waitFor("CoreDNS available", async () => (await kubectl(["-n", "kube-system", "get", "deployment", "coredns", "-o", "jsonpath={.status.readyReplicas}"])).stdout.trim() === "1", 180_000);
    process.stderr.write(`CoreDNS ready ${ms} ms after the pod test\n`);
    assert.equal((await kubectl(["-n", "kube-system", "get", "service", "kube-dns", "-o", "jsonpath={.spec.clusterIP}"])).stdout.trim(), "10.43.0.10");
    const web = [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default", labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "localhost/k3os/busybox:1.35", imagePullPolicy: "Never", command: ["sh", "-c", "mkdir -p /tmp/w && echo hello-from-web > /tmp/w/index.html && exec /bin/busybox httpd -f -p 8080 -h /tmp/w"] }] } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } },
    ];
    const applied = await kubectl(["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: web }) });
    assert.equal(applied.exitCode, 0, applied.stderr);
    await waitFor("web Running", async () => (await kubectl(["get", "pod", "web", "-o", "jsonpath={.status.phase}"])).stdout.trim() === "Running", 120_000);
    // The pod's resolver points at CoreDNS with the cluster search list, so `kubernetes.default`
    // is kubernetes.default.svc.cluster.local to it. The image's static busybox cannot resolve
    // through libc (its getaddrinfo segfaults, exit 139) and its nslookup does not walk the search
    // list, so the names are asked for in full and the Service is then reached at the answer.
    const resolv = (await kubectl(["exec", "sleeper", "--", "cat", "/etc/resolv.conf"])).stdout;
    assert.match(resolv, /^nameserver 10\.43\.0\.10$/m, resolv);
    assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m, resolv);
    const nslookup = async (name: string) => {
      const r = await kubectl(["exec", "sleeper", "--", "/bin/busybox", "nslookup", "-type=a", name]);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Server:\s+10\.43\.0\.10\b/, r.stdout);
      return [...r.stdout.matchAll(/^Address:\s+([\d.]+)$/gm)].map((m) => m[1]);
    };
    assert.deepEqual(await nslookup("kubernetes.default.svc.cluster.local"), ["10.43.0.1"]);
    const webIp = (await kubectl(["get", "service", "web", "-o", "jsonpath={.spec.clusterIP}"])).stdout.trim();
    assert.deepEqual(await nslookup("web.default.svc.cluster.local"), [webIp]);
    // busybox wget segfaults too; nc speaks the HTTP request.
    const get = ["exec", "sleeper", "--", "/bin/busybox", "sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 3 ${webIp} 80`];
    await waitFor("the web Service, at the address CoreDNS gave, from the sleeper pod", async () => (await kubectl(get)).stdout.includes("hello-from-web"), 60_000);
  });

  it("binds a PVC of the default StorageClass local-path and a pod writes to it", async () => {
    assert.equal((await kubectl(["get", "storageclass", "local-path", "-o", "jsonpath={.metadata.annotations.storageclass\\.kubernetes\\.io/is-default-class}"])).stdout.trim(), "true");
    const objs = [
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "16Mi" } } } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "writer", namespace: "default" }, spec: { containers: [{ name: "c", image: "localhost/k3os/busybox:1.35", imagePullPolicy: "Never", command: ["sh", "-c", "echo written-to-pvc > /data/out && exec /bin/busybox sleep 3600"], volumeMounts: [{ name: "d", mountPath: "/data" }] }], volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }] } },
    ];
    const applied = await kubectl(["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objs }) });
    assert.equal(applied.exitCode, 0, applied.stderr);
    const ms = await waitFor("PVC Bound and writer Running", async () => {
      const phase = (await kubectl(["get", "pvc", "data", "-o", "jsonpath={.status.phase}"])).stdout.trim();
      const pod = (await kubectl(["get", "pod", "writer", "-o", "jsonpath={.status.phase}"])).stdout.trim();
      return phase === "Bound" && pod === "Running";
    }, 180_000);
    process.stderr.write(`PVC bound and its pod Running ${ms} ms after apply\n`);
    assert.equal((await kubectl(["get", "pvc", "data", "-o", "jsonpath={.spec.storageClassName}"])).stdout.trim(), "local-path");
    const storage = join(root, "var/lib/rancher/k3s/storage");
    const volumes = readdirSync(storage);
    assert.equal(volumes.length, 1, `one volume directory in ${storage}`);
    assert.equal(readFileSync(join(storage, volumes[0]!, "out"), "utf8"), "written-to-pvc\n");
  });

  it("reports the idle memory of the whole node (PSS summed over its processes)", async () => {
    await new Promise((r) => setTimeout(r, 15_000));
    const k3sPid = (await runner.run(["pgrep", "-P", String(server.pid)], { allowFailure: true })).stdout.trim().split("\n")[0]!;
    const ns = readlinkSync(`/proc/${k3sPid}/ns/pid`);
    const byName = new Map<string, number>();
    let total = 0;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        if (readlinkSync(`/proc/${pid}/ns/pid`) !== ns) continue;
        const pss = Number(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m)?.[1] ?? 0);
        const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
        byName.set(name, (byName.get(name) ?? 0) + pss);
        total += pss;
      } catch {
        // exited meanwhile
      }
    }
    const parts = [...byName].sort((a, b) => b[1] - a[1]).map(([n, kb]) => `${n} ${Math.round(kb / 1024)}`);
    process.stderr.write(`idle PSS of the node: ${Math.round(total / 1024)} MB (${parts.join(", ")})\n`);
    assert.ok(total > 0);
  });

  it("stops on SIGTERM with exit code 0", async () => {
    const child = (await runner.run(["pgrep", "-P", String(server.pid)], { allowFailure: true })).stdout.trim().split("\n")[0];
    assert.ok(child, "the k3s process under unshare");
    const t0 = Date.now();
    process.kill(Number(child), "SIGTERM");
    await waitFor("exit", async () => exited.done, 60_000).catch(() => {});
    process.stderr.write(`stopped in ${Date.now() - t0} ms\n${output.split("\n").filter((l) => /stopped /.test(l)).join("\n")}\n`);
    assert.ok(exited.done);
    assert.equal(exited.code, 0, output.slice(-3000));
    const left = (await runner.run(["pgrep", "-f", root], { allowFailure: true })).stdout.trim();
    assert.equal(left, "", "no process of the node left");
    // The node's mounts lived in its own mount namespace; none may leak into the host's.
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(root));
    assert.deepEqual(mounts, [], "no mount of the node left in the host's namespace");
  });
});
