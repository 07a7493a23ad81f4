// Where k3s keeps things, under a root prefix (tests point it at a temp dir). File names follow
// k3s's own layout so tools and docs written for k3s find them.
import { join } from "node:path";

export function serverTlsPaths(tls: string) {
  const pair = (name: string) => ({ crt: join(tls, `${name}.crt`), key: join(tls, `${name}.key`) });
  return {
    dir: tls,
    clientCa: pair("client-ca"),
    serverCa: pair("server-ca"),
    requestHeaderCa: pair("request-header-ca"),
    /** The first certificate of each CA file only: the controller-manager's signer wants one cert. */
    clientCaNoChain: join(tls, "client-ca.nochain.crt"),
    serverCaNoChain: join(tls, "server-ca.nochain.crt"),
    serviceKey: join(tls, "service.key"),
    serviceCurrentKey: join(tls, "service.current.key"),
    clientAdmin: pair("client-admin"),
    clientSupervisor: pair("client-supervisor"),
    clientController: pair("client-controller"),
    clientScheduler: pair("client-scheduler"),
    clientKubeApiserver: pair("client-kube-apiserver"),
    clientKubeProxy: pair("client-kube-proxy"),
    clientK3sController: pair("client-k3s-controller"),
    clientAuthProxy: pair("client-auth-proxy"),
    servingKubeApiserver: pair("serving-kube-apiserver"),
    /** Keys only: agents' kubelet certificates are signed for these keys on join. */
    clientKubeletKey: join(tls, "client-kubelet.key"),
    servingKubeletKey: join(tls, "serving-kubelet.key"),
    etcd: {
      serverCa: pair("etcd/server-ca"),
      peerCa: pair("etcd/peer-ca"),
      client: pair("etcd/client"),
      serverClient: pair("etcd/server-client"),
      peerServerClient: pair("etcd/peer-server-client"),
    },
    temporaryCerts: join(tls, "temporary-certs"),
  };
}

export type ServerTlsPaths = ReturnType<typeof serverTlsPaths>;

export function nodePaths(settings: { dataDir: string; writeKubeconfig: string }, root = "/") {
  const dataDir = join(root, settings.dataDir);
  const server = join(dataDir, "server");
  const agent = join(dataDir, "agent");
  const cred = join(server, "cred");
  const pair = (dir: string, name: string) => ({ crt: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  return {
    root,
    dataDir,
    /** The running components' pids and start times (k3os's; a next start kills leftovers). */
    componentPids: join(dataDir, "components.pids"),
    server: {
      dir: server,
      tls: serverTlsPaths(join(server, "tls")),
      cred: {
        dir: cred,
        passwd: join(cred, "passwd"),
        nodePasswd: join(cred, "node-passwd"),
        adminKubeconfig: join(cred, "admin.kubeconfig"),
        supervisorKubeconfig: join(cred, "supervisor.kubeconfig"),
        controllerKubeconfig: join(cred, "controller.kubeconfig"),
        schedulerKubeconfig: join(cred, "scheduler.kubeconfig"),
        apiServerKubeconfig: join(cred, "api-server.kubeconfig"),
      },
      token: join(server, "token"),
      nodeToken: join(server, "node-token"),
      agentToken: join(server, "agent-token"),
      manifests: join(server, "manifests"),
      /** What each manifest file last applied (outside manifests/, whose changes the deployer watches). */
      deployedManifests: join(server, "deployed-manifests.json"),
      /** kine's SQLite database, as k3s names it. */
      db: join(server, "db"),
      kineSocket: join(server, "kine.sock"),
      etcdDir: join(server, "db", "etcd"),
      logs: join(server, "logs"),
    },
    agent: {
      dir: agent,
      clientCa: join(agent, "client-ca.crt"),
      serverCa: join(agent, "server-ca.crt"),
      clientKubelet: pair(agent, "client-kubelet"),
      servingKubelet: pair(agent, "serving-kubelet"),
      clientKubeProxy: pair(agent, "client-kube-proxy"),
      clientK3sController: pair(agent, "client-k3s-controller"),
      kubeletKubeconfig: join(agent, "kubelet.kubeconfig"),
      kubeproxyKubeconfig: join(agent, "kubeproxy.kubeconfig"),
      k3scontrollerKubeconfig: join(agent, "k3scontroller.kubeconfig"),
      kubeletConfigDir: join(agent, "etc", "kubelet.conf.d"),
      kubeletConfig: join(agent, "etc", "kubelet.conf.d", "00-k3s-defaults.conf"),
      containerdConfig: join(agent, "etc", "containerd", "config.toml"),
      containerdRoot: join(agent, "containerd"),
      flannelNetConf: join(agent, "etc", "flannel", "net-conf.json"),
      cniConfDir: join(agent, "etc", "cni", "net.d"),
      cniConflist: join(agent, "etc", "cni", "net.d", "10-flannel.conflist"),
      images: join(agent, "images"),
      podManifests: join(agent, "pod-manifests"),
      logs: join(agent, "logs"),
    },
    /** Sockets and runtime state, as k3s places them. */
    run: {
      dir: join(root, "run", "k3s"),
      containerdDir: join(root, "run", "k3s", "containerd"),
      containerdSocket: join(root, "run", "k3s", "containerd", "containerd.sock"),
      flannelSubnetEnv: join(root, "run", "flannel", "subnet.env"),
    },
    kubeletDir: join(root, "var", "lib", "kubelet"),
    cniDataDir: join(root, "var", "lib", "cni"),
    etcRancher: join(root, "etc", "rancher", "k3s"),
    adminKubeconfig: join(root, settings.writeKubeconfig),
  };
}

export type NodePaths = ReturnType<typeof nodePaths>;
