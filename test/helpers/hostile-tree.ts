// Random node trees shaped by an attacker, for the property test of `k3os config --boot`: config
// sources and the paths appliers write, each made a file with random YAML, a symlink (relative,
// absolute, out of the root, a loop), a FIFO, a link to /dev/zero, an oversized file, or a directory.
import { execFileSync } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { stringify } from "yaml";
import { MAX_CONFIG_BYTES } from "../../src/system/bounded.ts";

/** Paths k3os reads config from or writes to. */
export const NODE_PATHS = [
  "/k3os/system/config.yaml",
  "/var/lib/rancher/k3os/config.yaml",
  "/var/lib/rancher/k3os/config.d",
  "/var/lib/rancher/k3os/config.d/10-a.yaml",
  "/var/lib/rancher/k3os/config.d/20-b",
  "/var/lib/rancher/k3os/hostname",
  "/proc/cmdline",
  "/proc/sys/kernel",
  "/proc/sys/kernel/hostname",
  "/proc/sys",
  "/etc",
  "/etc/hostname",
  "/etc/hosts",
  "/etc/passwd",
  "/etc/shadow",
  "/etc/conf.d",
  "/etc/connman/main.conf",
  "/run/config/userdata",
  "/run/config/local_hostname",
  "/run/config/ssh/authorized_keys",
  "/home/rancher/.ssh",
  "/opt/app",
  "/opt/app/file",
];

/** 1 GiB of zeros as concatenated gzip members (gunzip reads them as one stream): about 1 MiB. */
function gzipBombBase64(): string {
  const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: 16 }, () => member)).toString("base64");
}
let bomb: string | undefined;
export const GZIP_BOMB = () => (bomb ??= gzipBombBase64());

export type Entry =
  | { kind: "yaml"; path: string; text: string }
  | { kind: "link"; path: string; target: string }
  | { kind: "fifo"; path: string }
  | { kind: "dir"; path: string }
  | { kind: "big"; path: string }
  | { kind: "bomb"; path: string; target: string };

const nodePath = fc.constantFrom(...NODE_PATHS);

/** Random config: near-valid sections pointing at the interesting paths, or any YAML at all. */
const configText = fc.oneof(
  fc
    .record(
      {
        hostname: fc.oneof(fc.constantFrom("node1", "bad_name!", ""), fc.string({ maxLength: 10 })),
        write_files: fc.array(
          fc.record({ path: fc.oneof(nodePath, fc.constantFrom("/", "/opt/../..", "relative")), content: fc.string({ maxLength: 20 }), permissions: fc.constantFrom("0644", "4755", "rwx") }, { requiredKeys: ["path"] }),
          { maxLength: 3 },
        ),
        k3os: fc.record(
          {
            sysctls: fc.dictionary(fc.constantFrom("kernel.hostname", "kernel.printk", "a.b", "../x"), fc.string({ maxLength: 8 }), { maxKeys: 2 }),
            environment: fc.dictionary(fc.constantFrom("A", "B_C", "1x"), fc.string({ maxLength: 8 }), { maxKeys: 2 }),
            dns_nameservers: fc.array(fc.constantFrom("1.1.1.1", "x;y"), { maxLength: 2 }),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    )
    .map((c) => stringify(c)),
  fc.string({ maxLength: 200 }),
);

/** An entry; `outside` is the sentinel directory's absolute path (links may point into it). */
export function entryArbitrary(outside: string): fc.Arbitrary<Entry> {
  const outsideTarget = fc.constantFrom(outside, `${outside}/file`, `${outside}/missing`, `${outside}/../..`);
  const relativeTarget = fc.tuple(fc.integer({ min: 0, max: 12 }), fc.constantFrom("", "etc", "file", outside.slice(1))).map(([n, rest]) => `${"../".repeat(n)}${rest}`);
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("yaml" as const), path: nodePath, text: configText }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("link" as const), path: nodePath, target: fc.oneof(outsideTarget, relativeTarget, nodePath, fc.constant("/dev/zero")) }) },
    // A link to itself: a loop.
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("link" as const), path: nodePath }).map((e) => ({ ...e, target: e.path })) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("fifo" as const), path: nodePath }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("dir" as const), path: nodePath }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("big" as const), path: nodePath }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("bomb" as const), path: nodePath, target: nodePath }) },
  );
}

/** Lays the entries out under root; an entry that cannot be made there (its parent is a file) is skipped. */
export async function materialize(root: string, entries: Entry[]): Promise<void> {
  for (const e of entries) {
    const at = join(root, e.path);
    try {
      await mkdir(dirname(at), { recursive: true });
      switch (e.kind) {
        case "yaml":
          await writeFile(at, e.text, { flag: "wx" });
          break;
        case "link":
          await symlink(e.target, at);
          break;
        case "fifo":
          execFileSync("mkfifo", [at]);
          break;
        case "dir":
          await mkdir(at);
          break;
        case "big":
          await writeFile(at, `# ${"x".repeat(MAX_CONFIG_BYTES)}\n`, { flag: "wx" });
          break;
        case "bomb":
          await writeFile(at, `write_files:\n- path: ${e.target}\n  encoding: gz+b64\n  content: ${GZIP_BOMB()}\n`, { flag: "wx" });
          break;
      }
    } catch {
      // The path exists already or its parent is not a directory: the tree just has one entry less.
    }
  }
}
