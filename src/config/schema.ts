// The configuration schema: the source of truth for every config key, its type, its documentation
// (README reference and JSON Schema are generated from the descriptions here) and its validation.
// Keys are snake_case; aliases (camelCase, singular forms, `pass`) are resolved before validation
// by normalize.ts, driven by this schema.
import { z } from "zod";
import * as checks from "./checks.ts";
import { decodeContent, MAX_FILE_CONTENT_BYTES } from "./content.ts";
import { formatBytes } from "../system/bounded.ts";
import { warnings, type Check } from "./shape.ts";


/** A string refined by a check of checks.ts: its message becomes a problem at the value's path. */
const checkedString = (check: Check) =>
  z.string().superRefine((value, ctx) => {
    const message = check(value);
    if (message) ctx.addIssue({ code: "custom", message });
  });
/** A list of strings, each refined by `check`; `warn` reports a value that is kept (normalize.ts runs it). */
const stringList = (description: string, check?: Check, warn?: Check) => {
  const item = check ? checkedString(check) : z.string();
  return z.array(warn ? item.register(warnings, { warn }) : item).describe(description);
};
/** A string map whose keys (and values) are checked: a problem is reported at the key (its line). */
const stringMap = (description: string, checkKey?: Check, checkValue?: Check) =>
  z
    .record(z.string(), z.string())
    .superRefine((map, ctx) => {
      for (const [key, value] of Object.entries(map)) {
        const message = checkKey?.(key) ?? checkValue?.(value);
        if (message) ctx.addIssue({ code: "custom", message, path: [key] });
      }
    })
    .describe(description);
/** A list whose first item is checked (a command word before its arguments). */
const commandLine = (description: string, checkFirst: Check) =>
  z
    .array(z.string())
    .superRefine((list, ctx) => {
      const message = list.length > 0 ? checkFirst(list[0] as string) : undefined;
      if (message) ctx.addIssue({ code: "custom", message, path: [0] });
    })
    .describe(description);

/** Encodings accepted by write_files (k3OS's set, plus the spelled-out forms). */
export const FILE_ENCODINGS = ["", "b64", "base64", "gz", "gzip", "gz+b64", "gz+base64", "gzip+b64", "gzip+base64"] as const;

export const writeFileSchema = z
  .strictObject({
    path: checkedString(checks.writePathProblem).describe("Absolute path of the file to write. Example: `/etc/local.d/example.start`."),
    content: z.string().describe("The file's content, encoded as `encoding` says. A YAML `!!binary` value is accepted too. Default: empty.").optional(),
    encoding: z
      .enum(FILE_ENCODINGS)
      .describe("How `content` is encoded: empty (plain text), `b64`/`base64`, `gz`/`gzip`, or `gz+b64` (gzip then base64). Default: plain.")
      .optional(),
    owner: checkedString(checks.ownerProblem).describe("`user`, `user:group` or numeric `uid:gid`, looked up in the node's /etc/passwd and /etc/group. Default: `root:root`.").optional(),
    permissions: checkedString(checks.permissionsProblem)
      .describe("Octal mode as a string; setuid, setgid and sticky bits are kept. Default: `0644`. Example: `'0755'`, `'4755'`.")
      .optional(),
  })
  .describe("A file written to disk in every phase.");

/** Largest decoded content of all write_files entries of one source together. */
export const MAX_WRITE_FILES_BYTES = 64 * 1024 * 1024;

/**
 * Every content must decode, within its own limit and a budget shared by the list: thousands of
 * small gzip bombs in one 4 MiB source would otherwise cost minutes of inflating.
 */
function checkContents(files: z.infer<typeof writeFileSchema>[], ctx: z.core.$RefinementCtx<z.infer<typeof writeFileSchema>[]>): void {
  let budget = MAX_WRITE_FILES_BYTES;
  for (const [i, file] of files.entries()) {
    const limit = Math.min(MAX_FILE_CONTENT_BYTES, budget);
    try {
      budget -= decodeContent(file.content ?? "", file.encoding, limit).length;
    } catch (e) {
      const overBudget = limit < MAX_FILE_CONTENT_BYTES && /limit/.test((e as Error).message);
      const message = overBudget ? `the decoded contents of write_files exceed the limit of ${formatBytes(MAX_WRITE_FILES_BYTES)} together` : (e as Error).message;
      ctx.addIssue({ code: "custom", message, path: [i, "content"] });
      if (overBudget) return;
    }
  }
}

export const wifiSchema = z
  .strictObject({
    name: checkedString(checks.oneLineProblem).describe("The network's SSID (`ssid` is accepted too)."),
    passphrase: checkedString(checks.oneLineProblem).describe("The network's passphrase (`pass` is accepted too)."),
  })
  .describe("A wifi network for connman.");

export const installSchema = z
  .strictObject({
    device: z.string().describe("Device to partition and format. Example: `/dev/vda`.").optional(),
    config_url: z.string().describe("URL (or path) of the config installed as /k3os/system/config.yaml.").optional(),
    iso_url: z.string().describe("ISO to download and install from when booted from kernel/initrd, not the ISO.").optional(),
    no_format: z.boolean().describe("Do not partition and format; the K3OS_STATE partition exists already. Default: false.").optional(),
    force_efi: z.boolean().describe("Install for EFI even when EFI is not detected (`efi` is accepted too). Default: false.").optional(),
    tty: z.string().describe("The tty used for the installed system's console. Default: detected. Example: `ttyS0`.").optional(),
    debug: z.boolean().describe("More logging during install, and debug on the installed system. Default: false.").optional(),
    power_off: z.boolean().describe("Power off after install instead of rebooting. Default: false.").optional(),
    silent: z.boolean().describe("Ask no questions. Default: false.").optional(),
  })
  .describe("Installation settings (`k3os install`, `k3os.mode=install`).");

export const k3osSchema = z
  .strictObject({
    data_sources: stringList(
      "Cloud data sources probed in order for userdata until one provides /run/config/userdata. Example: `[aws, cdrom]`.",
      checks.dataSourceProblem,
      checks.unknownDataSourceWarning,
    ).optional(),
    modules: stringList("Kernel modules loaded at start. Example: `[kvm, nvme]`.").optional(),
    sysctls: stringMap("Kernel sysctls set at start, as strings. Example: `kernel.printk: \"4 4 1 7\"`.", checks.sysctlNameProblem).optional(),
    ntp_servers: stringList("Fallback NTP servers for connman. Example: `[0.us.pool.ntp.org]`.", checks.timeserverProblem).optional(),
    dns_nameservers: stringList("Fallback DNS servers for connman. Default: `8.8.8.8`. Example: `[8.8.8.8, 1.1.1.1]`.", checks.nameserverProblem).optional(),
    wifi: z.array(wifiSchema).describe("Simple wifi networks (name and passphrase) for connman.").optional(),
    password: z
      .string()
      .describe("Password of the `rancher` user: clear text, or a crypt hash (`$1$`, `$5$`, `$6$`, `$y$`) kept as is. Default: none (no password login).")
      .optional(),
    server_url: checkedString(checks.serverUrlProblem).describe("URL of a k3s server to join; this node runs `k3s agent` when set. Example: `https://myserver:6443`.").optional(),
    token: checkedString(checks.tokenProblem)
      .describe(
        "The cluster's token: k3s's full token (`K10<CA hash: 64 hex digits>::<user>:<password>`) or a shared secret (one word), written as `token:` in /etc/rancher/k3s/config.yaml.d/10-k3os.yaml.",
      )
      .optional(),
    labels: stringMap(
      "Node labels set at registration, in Kubernetes label syntax. Example: `region: us-west-1`.",
      checks.labelKeyProblem,
      checks.labelValueProblem,
    ).optional(),
    k3s_args: commandLine("Exec-style arguments to k3s; the first is `server` or `agent`. Example: `[server, --cluster-init]`.", checks.k3sCommandProblem).optional(),
    environment: stringMap("Environment of k3s and the boot process (/etc/environment). Example: `http_proxy: http://myserver`.", checks.envNameProblem).optional(),
    taints: stringList(
      "Node taints set at registration, `key[=value]:Effect` with Effect `NoSchedule`, `PreferNoSchedule` or `NoExecute`. Example: `[\"key1=value1:NoSchedule\"]`.",
      checks.taintProblem,
    ).optional(),
    install: installSchema.optional(),
  })
  .describe("k3os settings.");

export const configSchema = z
  .strictObject({
    ssh_authorized_keys: stringList(
      "SSH keys for the `rancher` user; `github:USER` fetches USER's keys from GitHub at runtime. Example: `[\"ssh-ed25519 AAAA...\", github:ibuildthecloud]`.",
    ).optional(),
    write_files: z
      .array(writeFileSchema)
      .superRefine(checkContents)
      .describe(`Files written to disk in every phase, before the commands run. Each decoded content at most ${formatBytes(MAX_FILE_CONTENT_BYTES)}, all together at most ${formatBytes(MAX_WRITE_FILES_BYTES)}.`)
      .optional(),
    hostname: checkedString(checks.hostnameProblem).describe("The node's hostname. Default: `k3os-NNNNN`, chosen at first boot and kept. Example: `myhost`.").optional(),
    init_cmd: stringList("Commands run with `sh -c` in the initrd phase.").optional(),
    boot_cmd: stringList("Commands run with `sh -c` in the boot phase.").optional(),
    run_cmd: stringList("Commands run with `sh -c` in the runtime phase.").optional(),
    k3os: k3osSchema.optional(),
  })
  .describe("k3os configuration (config.yaml).");

export type Config = z.infer<typeof configSchema>;
export type K3osConfig = z.infer<typeof k3osSchema>;
export type WriteFile = z.infer<typeof writeFileSchema>;
export type InstallConfig = z.infer<typeof installSchema>;

/** The JSON Schema for editors (`k3os config --schema`). */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { target: "draft-2020-12" });
}
