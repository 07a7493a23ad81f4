// Address arithmetic the settings need (cluster DNS = 10th address of the service CIDR, per-node
// pod subnets). Addresses as BigInt so IPv4 and IPv6 share one code path.
import { isIP } from "node:net";

export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

function parseIPv4(text: string): bigint {
  return text.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIPv6(text: string): bigint {
  let t = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = t.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const n = parseIPv4(v4[1]!);
    t = `${t.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = t.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const tl = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - tl.length).fill("0"), ...tl];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function parseIp(text: string): { family: 4 | 6; value: bigint } {
  const family = isIP(text);
  if (family === 4) return { family, value: parseIPv4(text) };
  if (family === 6) return { family, value: parseIPv6(text) };
  throw new Error(`not an IP address: ${text}`);
}

export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as inet_ntop does.
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(":");
  return `${groups.slice(0, best.at).join(":")}::${groups.slice(best.at + best.len).join(":")}`;
}

export function parseCidr(text: string): Cidr {
  const m = text.match(/^([^/]+)\/(\d{1,3})$/);
  if (!m) throw new Error(`not a CIDR: ${text}`);
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  const bits = ip.family === 4 ? 32 : 128;
  if (prefix > bits) throw new Error(`not a CIDR: ${text} (prefix longer than ${bits})`);
  const hostBits = BigInt(bits - prefix);
  return { family: ip.family, base: (ip.value >> hostBits) << hostBits, prefix };
}

export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** The n-th address of a network (n = 10 gives k3s's default cluster DNS, 1 the apiserver's ClusterIP). */
export function nthAddress(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  return formatIp(c.family, c.base + BigInt(n));
}
