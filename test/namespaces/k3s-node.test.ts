// A whole `k3s server` node — control plane, containerd, flannel, kubelet, kube-proxy — from the
// built components, in network + mount + PID namespaces this test makes (the settings measured in
// ../shared/notes/namespaces-node.md): the node goes Ready, a pod from an image imported from
// agent/images runs, and a SIGTERM stops it all.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureKubeComponents } from "../../builder/kube/build.ts";
import { ensureNodeImages } from "../../builder/kube/node-images.ts";
import { NetLab } from "./lab.ts";
import { k3sIn, leftoverProcesses, makeNode, nodeReady, removeNodes, startNode, stopLines, stopNode, waitFor as waitForNodes, type LabNode } from "./node-runner.ts";

let lab: NetLab;
let node: LabNode;
let root = "";

const kubectl = (args: string[], opts: { input?: string } = {}) => k3sIn(node, ["kubectl", ...args], opts.input);
const waitFor = (what: string, check: () => Promise<boolean>, timeoutMs: number) => waitForNodes(what, [node], check, timeoutMs);

before(async () => {
  const kube = await ensureKubeComponents();
  const images = await ensureNodeImages({ kube });
  lab = await NetLab.create("10.216.0");
  const host = await lab.addHost("srv", 11);
  node = makeNode(host, { name: "srv", kubeDir: kube.dir, prefix: "k3s-node", images: ["pause", "busybox", "coredns", "local-path-provisioner"].map((n) => images.images[n]!.archive) });
  root = node.root;
  startNode(node, ["server", "--token", "nodetoken"]);
});

after(async () => {
  if (node) await removeNodes([node]);
  await lab?.destroy();
});

describe("k3s server: a whole node in namespaces", { timeout: 600_000 }, () => {
  it("goes Ready", async () => {
    const ms = await waitFor("node srv Ready", nodeReady(node, "srv"), 300_000);
    process.stderr.write(`node Ready ${ms} ms after the test started k3s\n`);
    assert.match(node.output, /imported .*pause\.tar/);
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

  it("stops on SIGTERM with exit code 0", async () => {
    const ms = await stopNode(node);
    process.stderr.write(`stopped in ${ms} ms\n${stopLines(node)}\n`);
    assert.ok(node.exit.done, "k3s exited within 60 s");
    assert.equal(node.exit.code, 0, node.output.slice(-3000));
    assert.equal(await leftoverProcesses(node), "", "no process of the node left");
    // The node's mounts lived in its own mount namespace; none may leak into the host's.
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(root));
    assert.deepEqual(mounts, [], "no mount of the node left in the host's namespace");
  });
});
