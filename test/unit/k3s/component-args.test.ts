import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildArgs } from "../../../src/k3s/control/extra-args.ts";
import { apiServerArgs, chooseDatastore, controllerManagerArgs, etcdArgs, kineArgs, schedulerArgs } from "../../../src/k3s/control/control-plane.ts";
import { nodePaths } from "../../../src/k3s/layout/paths.ts";
import { validateSettings, type SettingsInput } from "../../../src/k3s/cli/settings.ts";

const identity = { nodeName: "node1", nodeIps: ["192.168.1.5"], advertiseIp: "192.168.1.5" };
const input = (over: Partial<SettingsInput> = {}) => {
  const settings = validateSettings({ command: "server", ...over });
  return { settings, paths: nodePaths(settings, "/r"), identity };
};
const flag = (argv: string[], name: string) => argv.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));

describe("k3s's rules for --*-arg", () => {
  it("replaces a default, keeps the others, and sorts by flag name", () => {
    assert.deepEqual(buildArgs({ b: "1", a: "2" }, ["b=3", "--c=4"]), ["--a=2", "--b=3", "--c=4"]);
  });

  it("appends with flag+= and prepends with flag-=, keeping the default", () => {
    assert.deepEqual(buildArgs({ x: "d" }, ["x+=e"]), ["--x=d", "--x=e"]);
    assert.deepEqual(buildArgs({ x: "d" }, ["x-=e"]), ["--x=e", "--x=d"]);
  });

  it("keeps every occurrence of a repeated flag, and takes a bare flag as true", () => {
    assert.deepEqual(buildArgs({ x: "d" }, ["x=1", "x=2", "v"]), ["--v=true", "--x=1", "--x=2"]);
  });
});

describe("control plane arguments", () => {
  it("picks kine by default, embedded etcd with --cluster-init, and external etcd for an https endpoint", () => {
    assert.deepEqual(chooseDatastore({ clusterInit: false }), { kind: "kine" });
    assert.deepEqual(chooseDatastore({ clusterInit: true }), { kind: "embedded-etcd" });
    assert.deepEqual(chooseDatastore({ clusterInit: false, datastoreEndpoint: "https://e:2379" }), { kind: "external-etcd", endpoints: "https://e:2379" });
    assert.deepEqual(chooseDatastore({ clusterInit: false, datastoreEndpoint: "mysql://u@tcp(db)/k3s" }), { kind: "kine", endpoint: "mysql://u@tcp(db)/k3s" });
  });

  it("runs embedded etcd on a server that joins another with --server, as k3s does", () => {
    assert.deepEqual(chooseDatastore({ command: "server", server: "https://10.0.0.1:6443", clusterInit: false }), { kind: "embedded-etcd" });
    assert.deepEqual(chooseDatastore({ command: "agent", server: "https://10.0.0.1:6443", clusterInit: false }), { kind: "kine" });
  });

  it("runs kine with its own SQLite defaults in server/, listening on server/kine.sock", () => {
    const k = kineArgs(nodePaths(validateSettings({ command: "server" }), "/r"));
    assert.equal(k.cwd, "/r/var/lib/rancher/k3s/server");
    assert.deepEqual(k.argv.slice(0, 2), ["--listen-address", "unix:///r/var/lib/rancher/k3s/server/kine.sock"]);
    assert.ok(!k.argv.includes("--endpoint"));
  });

  it("pins the apiserver's storage, ports, certificates and service network", () => {
    const a = apiServerArgs(input());
    assert.deepEqual(flag(a, "etcd-servers"), ["unix:///r/var/lib/rancher/k3s/server/kine.sock"]);
    assert.deepEqual(flag(a, "secure-port"), ["6444"]);
    assert.deepEqual(flag(a, "advertise-address"), ["192.168.1.5"]);
    assert.deepEqual(flag(a, "service-cluster-ip-range"), ["10.43.0.0/16"]);
    assert.deepEqual(flag(a, "authorization-mode"), ["Node,RBAC"]);
    assert.deepEqual(flag(a, "enable-admission-plugins"), ["NodeRestriction"]);
    assert.deepEqual(flag(a, "enable-bootstrap-token-auth"), ["true"]);
    assert.deepEqual(flag(a, "client-ca-file"), ["/r/var/lib/rancher/k3s/server/tls/client-ca.crt"]);
    assert.deepEqual(flag(a, "tls-cert-file"), ["/r/var/lib/rancher/k3s/server/tls/serving-kube-apiserver.crt"]);
    assert.deepEqual(flag(a, "service-account-signing-key-file"), ["/r/var/lib/rancher/k3s/server/tls/service.current.key"]);
    assert.deepEqual(flag(a, "service-account-issuer"), ["https://kubernetes.default.svc.cluster.local"]);
    assert.deepEqual(flag(a, "kubelet-preferred-address-types"), ["InternalIP,ExternalIP,Hostname"]);
    assert.deepEqual(flag(a, "requestheader-allowed-names"), ["system:auth-proxy"]);
  });

  it("lets the apiserver close within seconds at SIGTERM although pods still watch it", () => {
    assert.deepEqual(flag(apiServerArgs(input({})), "shutdown-send-retry-after"), ["true"]);
  });

  it("points the apiserver at embedded etcd with its client certificate", () => {
    const a = apiServerArgs(input({ clusterInit: true }));
    assert.deepEqual(flag(a, "etcd-servers"), ["https://127.0.0.1:2379"]);
    assert.deepEqual(flag(a, "etcd-certfile"), ["/r/var/lib/rancher/k3s/server/tls/etcd/client.crt"]);
  });

  it("lets --kube-apiserver-arg override a default and add a flag", () => {
    const a = apiServerArgs(input({ kubeApiserverArg: ["enable-admission-plugins=NodeRestriction,AlwaysPullImages", "audit-log-path=/var/log/audit.log"] }));
    assert.deepEqual(flag(a, "enable-admission-plugins"), ["NodeRestriction,AlwaysPullImages"]);
    assert.deepEqual(flag(a, "audit-log-path"), ["/var/log/audit.log"]);
  });

  it("moves the apiserver with --https-listen-port and honours --service-cidr", () => {
    const a = apiServerArgs(input({ httpsListenPort: "7443", serviceCidr: ["10.96.0.0/12"], clusterCidr: ["10.244.0.0/16"] }));
    assert.deepEqual(flag(a, "secure-port"), ["7444"]);
    assert.deepEqual(flag(a, "service-cluster-ip-range"), ["10.96.0.0/12"]);
  });

  it("gives the controller-manager the signing CAs, the cluster CIDR and the service-account key", () => {
    const c = controllerManagerArgs(input({ kubeControllerManagerArg: ["node-monitor-grace-period=20s"] }));
    assert.deepEqual(flag(c, "cluster-cidr"), ["10.42.0.0/16"]);
    assert.deepEqual(flag(c, "allocate-node-cidrs"), ["true"]);
    assert.deepEqual(flag(c, "cluster-signing-kubelet-client-cert-file"), ["/r/var/lib/rancher/k3s/server/tls/client-ca.nochain.crt"]);
    assert.deepEqual(flag(c, "cluster-signing-kubelet-serving-key-file"), ["/r/var/lib/rancher/k3s/server/tls/server-ca.key"]);
    assert.deepEqual(flag(c, "service-account-private-key-file"), ["/r/var/lib/rancher/k3s/server/tls/service.current.key"]);
    assert.deepEqual(flag(c, "kubeconfig"), ["/r/var/lib/rancher/k3s/server/cred/controller.kubeconfig"]);
    assert.deepEqual(flag(c, "node-monitor-grace-period"), ["20s"]);
  });

  it("binds the scheduler to loopback with its kubeconfig", () => {
    const s = schedulerArgs(input({ kubeSchedulerArg: ["v=4"] }));
    assert.deepEqual(flag(s, "bind-address"), ["127.0.0.1"]);
    assert.deepEqual(flag(s, "kubeconfig"), ["/r/var/lib/rancher/k3s/server/cred/scheduler.kubeconfig"]);
    assert.deepEqual(flag(s, "v"), ["4"]);
  });

  it("turns leader election off only for a single server on SQLite, as k3s does", () => {
    const le = (o: Parameters<typeof input>[0]) => [flag(controllerManagerArgs(input(o)), "leader-elect"), flag(schedulerArgs(input(o)), "leader-elect")];
    assert.deepEqual(le({}), [["false"], ["false"]]);
    assert.deepEqual(le({ datastoreEndpoint: "sqlite:///var/lib/db.sqlite" }), [["false"], ["false"]]);
    assert.deepEqual(le({ clusterInit: true }), [[], []]);
    assert.deepEqual(le({ server: "https://10.0.0.1:6443", token: "secret" }), [[], []]);
    assert.deepEqual(le({ datastoreEndpoint: "mysql://u:p@tcp(db:3306)/k3s" }), [[], []]);
    assert.deepEqual(le({ datastoreEndpoint: "https://etcd:2379" }), [[], []]);
    // a user's own --kube-controller-manager-arg wins
    assert.deepEqual(flag(controllerManagerArgs(input({ kubeControllerManagerArg: ["leader-elect=true"] })), "leader-elect"), ["true"]);
  });

  it("runs embedded etcd with client and peer TLS on the node address", () => {
    const e = etcdArgs(input({ clusterInit: true }), { state: "new", members: [] });
    assert.ok(e.includes("--initial-cluster=node1=https://192.168.1.5:2380"));
    assert.ok(e.includes("--listen-client-urls=https://127.0.0.1:2379,https://192.168.1.5:2379"));
    assert.ok(e.includes("--peer-trusted-ca-file=/r/var/lib/rancher/k3s/server/tls/etcd/peer-ca.crt"));
    assert.ok(e.includes("--data-dir=/r/var/lib/rancher/k3s/server/db/etcd"));
    assert.ok(e.includes("--initial-cluster-state=new"));
  });

  it("lists the other members after itself when it joins an existing etcd cluster", () => {
    const e = etcdArgs(input({ clusterInit: true }), { state: "existing", members: ["srv1=https://10.0.0.1:2380"] });
    assert.ok(e.includes("--initial-cluster=node1=https://192.168.1.5:2380,srv1=https://10.0.0.1:2380"));
    assert.ok(e.includes("--initial-cluster-state=existing"));
  });
});
