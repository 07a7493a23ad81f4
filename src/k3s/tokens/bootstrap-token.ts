// `k3s token create|list|delete|generate`: Kubernetes bootstrap tokens (Secrets of type
// bootstrap.kubernetes.io/token in kube-system), printed in k3s's secure form K10<CA hash>::id.secret.
// The apiserver is reached with kubectl through the command runner, with the admin kubeconfig.
import { randomInt } from "node:crypto";
import type { Runner } from "../../exec/runner.ts";
import { parseToken } from "../layout/token-format.ts";
import { formatToken } from "./token.ts";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
export const DEFAULT_GROUPS = ["system:bootstrappers:k3s:default-node-token"];
export const DEFAULT_USAGES = ["signing", "authentication"];

function randomString(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** A fresh bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}`. */
export function generateBootstrapToken(): string {
  return `${randomString(6)}.${randomString(16)}`;
}

export interface CreateOptions {
  /** `id.secret`, or a secure token holding one; random when absent. */
  token?: string;
  /** Seconds; 0 means never expires. k3s's default is 24h. */
  ttlSeconds: number;
  description?: string;
  groups: string[];
  usages: string[];
  now: Date;
}

/** Parses durations as k3s/Go prints them: 24h, 90m, 1h30m, 0. */
export function parseDuration(text: string): number {
  if (text === "0") return 0;
  const re = /(\d+)(h|m|s)/g;
  let total = 0;
  let consumed = "";
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * { h: 3600, m: 60, s: 1 }[m[2] as "h" | "m" | "s"];
    consumed += m[0];
  }
  if (consumed !== text || consumed === "") throw new Error(`invalid duration "${text}" (e.g. 24h, 30m, 0 for no expiry)`);
  return total;
}

export function bootstrapSecret(opts: CreateOptions): { id: string; secret: string; manifest: Record<string, unknown> } {
  const raw = opts.token ?? generateBootstrapToken();
  const parsed = parseToken(raw);
  if (!parsed.bootstrap) throw new Error(`invalid bootstrap token "${raw}": expected [a-z0-9]{6}.[a-z0-9]{16}`);
  const { id, secret } = parsed.bootstrap;
  const stringData: Record<string, string> = { "token-id": id, "token-secret": secret };
  if (opts.description) stringData.description = opts.description;
  if (opts.ttlSeconds > 0) {
    stringData.expiration = new Date(opts.now.getTime() + opts.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  for (const u of opts.usages) {
    if (!DEFAULT_USAGES.includes(u)) throw new Error(`invalid usage "${u}": valid usages are ${DEFAULT_USAGES.join(", ")}`);
    stringData[`usage-bootstrap-${u}`] = "true";
  }
  for (const g of opts.groups) {
    if (!g.startsWith("system:bootstrappers:")) throw new Error(`invalid group "${g}": must start with system:bootstrappers:`);
  }
  if (opts.groups.length > 0) stringData["auth-extra-groups"] = opts.groups.join(",");
  const manifest = {
    apiVersion: "v1",
    kind: "Secret",
    type: "bootstrap.kubernetes.io/token",
    metadata: { name: `bootstrap-token-${id}`, namespace: "kube-system" },
    stringData,
  };
  return { id, secret, manifest };
}

export interface KubectlContext {
  runner: Runner;
  kubectl: string;
  kubeconfig: string;
}

function kubectlArgv(k: KubectlContext, ...args: string[]): string[] {
  return [k.kubectl, "--kubeconfig", k.kubeconfig, ...args];
}

/** Creates the token's Secret and returns the secure token to give to joining nodes. */
export async function createBootstrapToken(k: KubectlContext, caPem: string, opts: CreateOptions): Promise<string> {
  const { id, secret, manifest } = bootstrapSecret(opts);
  await k.runner.run(kubectlArgv(k, "create", "-f", "-"), { input: JSON.stringify(manifest) });
  return formatToken(`${id}.${secret}`, caPem);
}

export async function deleteBootstrapTokens(k: KubectlContext, ids: string[]): Promise<void> {
  const names = ids.map((t) => `bootstrap-token-${parseToken(t).bootstrap?.id ?? t}`);
  await k.runner.run(kubectlArgv(k, "-n", "kube-system", "delete", "secret", ...names));
}

interface SecretItem {
  metadata?: { name?: string };
  data?: Record<string, string>;
}

const decode = (v: string | undefined) => (v === undefined ? "" : Buffer.from(v, "base64").toString("utf8"));

/** Lists bootstrap tokens as a table like kubeadm's (the secret part is never shown). */
export async function listBootstrapTokens(k: KubectlContext, now: Date): Promise<string> {
  const res = await k.runner.run(
    kubectlArgv(k, "-n", "kube-system", "get", "secrets", "--field-selector", "type=bootstrap.kubernetes.io/token", "-o", "json"),
  );
  const items = (JSON.parse(res.stdout) as { items?: SecretItem[] }).items ?? [];
  const rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]];
  for (const it of items) {
    const d = it.data ?? {};
    const expiration = decode(d.expiration);
    const ttl = expiration === "" ? "<forever>" : formatTtl(new Date(expiration).getTime() - now.getTime());
    const usages = Object.keys(d)
      .filter((key) => key.startsWith("usage-bootstrap-") && decode(d[key]) === "true")
      .map((key) => key.slice("usage-bootstrap-".length))
      .sort()
      .join(",");
    rows.push([`${decode(d["token-id"])}.<secret>`, ttl, expiration || "<never>", usages || "<none>", decode(d.description) || "<none>", decode(d["auth-extra-groups"]) || "<none>"]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("   ").trimEnd()).join("\n") + "\n";
}

function formatTtl(ms: number): string {
  if (ms <= 0) return "<expired>";
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return h > 0 ? `${h}h` : `${m}m`;
}
