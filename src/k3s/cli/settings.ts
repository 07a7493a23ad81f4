// The settings of `k3s server` / `k3s agent`: one zod schema, the source of truth for types,
// defaults and validation. Raw values come from parse-node-args.ts keyed by k3s flag name.
import { isIP } from "node:net";
import { z } from "zod";
import { K3S_DEFAULTS as D } from "../layout/defaults.ts";
import { isCidr, nthAddress } from "../util/net-util.ts";
import { parseToken } from "../layout/token-format.ts";

const ip = z.string().refine((s) => isIP(s) !== 0, { message: "expected an IPv4 or IPv6 address" });
const cidr = z.string().refine(isCidr, { message: "expected a CIDR such as 10.42.0.0/16" });
const label = z.string().regex(/^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*$/, "expected key=value");
const taint = z
  .string()
  .regex(/^[A-Za-z0-9./_-]+(=[A-Za-z0-9._-]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/, "expected key[=value]:Effect");
/** A join token checked as the join will read it, so a malformed one fails before any network use. */
const joinToken = (defaultUser: string) =>
  z
    .string()
    .min(1)
    .superRefine((t, ctx) => {
      try {
        parseToken(t, defaultUser);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message });
      }
    });
const componentArg = z.string().regex(/^-{0,2}[A-Za-z0-9][A-Za-z0-9.-]*[+-]?(=.*)?$/s, "expected flag=value");

/** Packaged components k3s can disable. k3os deploys coredns and local-storage only; the others are
 * accepted so an existing k3s config keeps working, and disabling them changes nothing. */
export const DISABLE_ITEMS = ["coredns", "local-storage", "servicelb", "traefik", "metrics-server", "runtimes", "helm-controller"] as const;

export const FLANNEL_BACKENDS = ["vxlan", "host-gw", "none"] as const;

export const settingsSchema = z
  .strictObject({
    command: z.enum(["server", "agent"]),
    /** Config file (default /etc/rancher/k3s/config.yaml). */
    config: z.string().default(D.configFile),
    debug: z.boolean().default(false),
    /** State directory (default /var/lib/rancher/k3s). */
    dataDir: z.string().startsWith("/", "must be an absolute path").default(D.dataDir),
    token: joinToken("server").optional(),
    tokenFile: z.string().optional(),
    /** URL of a server to join, e.g. https://10.0.0.1:6443. */
    server: z.url({ protocol: /^https$/, error: "expected an https:// URL" }).optional(),
    nodeName: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "expected a lower-case DNS name").optional(),
    nodeIp: z.array(ip).default([]),
    nodeExternalIp: z.array(ip).default([]),
    /** e.g. ["k3os.io/mode=local"] */
    nodeLabel: z.array(label).default([]),
    /** e.g. ["dedicated=db:NoSchedule"] */
    nodeTaint: z.array(taint).default([]),
    kubeletArg: z.array(componentArg).default([]),
    kubeProxyArg: z.array(componentArg).default([]),
    flannelIface: z.string().optional(),
    /** The sandbox image, pinned so it is never garbage-collected; imported from agent/images. */
    pauseImage: z.string().default(D.pauseImage),
    resolvConf: z.string().optional(),
    clusterCidr: z.array(cidr).min(1).default([D.clusterCidr]),
    serviceCidr: z.array(cidr).min(1).default([D.serviceCidr]),
    serviceNodePortRange: z.string().regex(/^\d+-\d+$/, "expected FROM-TO").default(D.serviceNodePortRange),
    /** Default: the 10th address of the first service CIDR (10.43.0.10). */
    clusterDns: z.array(ip).default([]),
    clusterDomain: z.string().default(D.clusterDomain),
    flannelBackend: z.enum(FLANNEL_BACKENDS, { error: `supported flannel backends: ${FLANNEL_BACKENDS.join(", ")}` }).default(D.flannelBackend),
    bindAddress: ip.optional(),
    advertiseAddress: ip.optional(),
    httpsListenPort: z.coerce.number().int().min(1).max(65534).default(D.httpsListenPort),
    tlsSan: z.array(z.string().min(1)).default([]),
    writeKubeconfig: z.string().default(D.kubeconfig),
    /** Octal file mode of the admin kubeconfig, e.g. "644" (default 0600). */
    writeKubeconfigMode: z
      .string()
      .regex(/^0?[0-7]{3}$/, "expected an octal mode such as 644")
      .transform((s) => parseInt(s, 8))
      .optional(),
    /** Group of the admin kubeconfig, a name or a gid, e.g. "rancher" (default: unchanged). */
    writeKubeconfigGroup: z.string().min(1).optional(),
    agentToken: joinToken("node").optional(),
    agentTokenFile: z.string().optional(),
    clusterInit: z.boolean().default(false),
    datastoreEndpoint: z.string().optional(),
    kubeApiserverArg: z.array(componentArg).default([]),
    kubeControllerManagerArg: z.array(componentArg).default([]),
    kubeSchedulerArg: z.array(componentArg).default([]),
    disable: z.array(z.enum(DISABLE_ITEMS, { error: `valid items: ${DISABLE_ITEMS.join(", ")}` })).default([]),
    disableKubeProxy: z.boolean().default(false),
    /** Control plane only: no containerd, kubelet, flannel or kube-proxy on this server. */
    disableAgent: z.boolean().default(false),
    /** Default <data-dir>/storage. */
    defaultLocalStoragePath: z.string().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.command === "agent") {
      if (!s.server) ctx.addIssue({ code: "custom", path: ["server"], message: "k3s agent needs --server (K3S_URL)" });
      if (!s.token && !s.tokenFile) ctx.addIssue({ code: "custom", path: ["token"], message: "k3s agent needs --token or --token-file (K3S_TOKEN)" });
    }
    if (s.command === "server" && s.server && !s.token && !s.tokenFile) {
      ctx.addIssue({ code: "custom", path: ["token"], message: "joining a server with --server needs --token or --token-file" });
    }
    if (s.command === "server" && s.server && s.datastoreEndpoint) {
      ctx.addIssue({ code: "custom", path: ["server"], message: "--server joins a server's embedded etcd; servers sharing a --datastore-endpoint are each started with it and the same --token, without --server" });
    }
    if (s.clusterInit && s.datastoreEndpoint) {
      ctx.addIssue({ code: "custom", path: ["clusterInit"], message: "--cluster-init and --datastore-endpoint cannot be used together" });
    }
    if (s.clusterCidr.length !== s.serviceCidr.length) {
      ctx.addIssue({ code: "custom", path: ["serviceCidr"], message: "--cluster-cidr and --service-cidr must list the same number of networks (one per IP family)" });
    }
  })
  .transform((s) => ({
    ...s,
    clusterDns: s.clusterDns.length > 0 ? s.clusterDns : [nthAddress(s.serviceCidr[0]!, 10)],
    defaultLocalStoragePath: s.defaultLocalStoragePath ?? `${s.dataDir}/storage`,
  }));

export type Settings = z.output<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

/** camelCase settings key of a k3s flag name: kube-apiserver-arg -> kubeApiserverArg. */
export function settingsKey(flagName: string): string {
  return flagName.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid k3s settings:\n  ${problems.join("\n  ")}`);
    this.name = "SettingsError";
  }
}

/** Validates raw settings; every problem is reported at once, named by its k3s flag. */
export function validateSettings(raw: Record<string, unknown>): Settings {
  const result = settingsSchema.safeParse(raw);
  if (result.success) return result.data;
  const flagOf = (key: PropertyKey | undefined) =>
    key === undefined ? "settings" : `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new SettingsError(
    result.error.issues.map((i) => {
      const idx = i.path.length > 1 ? `[${String(i.path[1])}]` : "";
      return `${flagOf(i.path[0])}${idx}: ${i.message}`;
    }),
  );
}
