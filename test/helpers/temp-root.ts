// Temp roots for unit tests: a node's files laid out under a temp dir, read back as a map.
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile, lstat, readlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";
import type { ApplyContext, Phase } from "../../src/apply/context.ts";
import { RecordingRunner, type Runner } from "../../src/exec/runner.ts";
import { NodeFiles } from "../../src/system/files.ts";
import { memoryLogger } from "../../src/system/log.ts";

/** A minimal node: the accounts the appliers look up. */
export const BASE_NODE: Record<string, string> = {
  "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nrancher:x:1000:1000:rancher:/home/rancher:/bin/sh\n",
  "/etc/group": "root:x:0:\nshadow:x:42:\nrancher:x:1000:\n",
  "/etc/shadow": "root:*:19000:0:99999:7:::\nrancher:!:19000:0:99999:7:::\n",
  "/etc/hosts": "127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n",
};

export async function makeRoot(files: Record<string, string | Buffer> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "k3os-root-"));
  after(() => rm(root, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

/** Every regular file (and symlink, as "-> target") under dir, keyed by its node path. */
export async function readTree(dir: string, prefix = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of (await readdir(join(dir, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = `${prefix}/${e.name}`;
    if (e.isDirectory()) Object.assign(out, await readTree(dir, rel));
    else if ((await lstat(join(dir, rel))).isSymbolicLink()) out[rel] = `-> ${await readlink(join(dir, rel))}`;
    else out[rel] = await readFile(join(dir, rel), "utf8");
  }
  return out;
}

export function makeContext(root: string, overrides: Partial<ApplyContext> & { phase?: Phase; runner?: Runner } = {}) {
  const log = memoryLogger();
  const printed: string[] = [];
  const runner = overrides.runner ?? new RecordingRunner();
  const ctx: ApplyContext = {
    phase: "boot",
    root,
    files: new NodeFiles(root, false, (l) => printed.push(l)),
    runner,
    log,
    live: true,
    version: "v0.0.0-test",
    githubKeysUrl: (u) => `http://127.0.0.1:9/${u}.keys`,
    fetchTimeoutMs: 2000,
    ...overrides,
  };
  return { ctx, log, printed, runner };
}
