// The initramfs /init's own functions, run by busybox sh as in the initramfs: everything before its
// first step (the definitions) is loaded, then one function is called. /proc/cmdline is the test's
// (bound over it in a mount namespace of its own), so the parse is the one /init does at boot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOOT_ONLY_KEYS, tokenizeCmdline } from "../../src/config/cmdline.ts";

const INIT = join(import.meta.dirname, "../../image/initramfs/init");
const LIB = join(import.meta.dirname, "../../image/initramfs/lib");
const BUSYBOX = "/bin/busybox";
const skip = process.getuid?.() !== 0 ? "needs root (a mount namespace to bind /proc/cmdline)" : false;

/** /init up to its first step, with its library taken from the repository. */
function initDefinitions(): string {
  const text = readFileSync(INIT, "utf8");
  const main = text.indexOf("\nSTEP=mount_kernel_fs;");
  assert.ok(main > 0, "/init's first step is mount_kernel_fs");
  return text.slice(0, main).replace(/^LIB=.*$/m, `LIB=${LIB}`);
}

/** Runs `body` after /init's definitions, with `cmdline` as /proc/cmdline and `cwd` as the directory. */
function runInit(body: string, cmdline: string, o: { cwd?: string; timeoutMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "k3os-init-"));
  writeFileSync(join(dir, "cmdline"), `${cmdline}\n`);
  writeFileSync(join(dir, "script"), `${initDefinitions()}\n${body}\n`);
  const inner = `mount --bind ${dir}/cmdline /proc/cmdline && exec ${BUSYBOX} sh ${dir}/script`;
  const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", inner], { cwd: o.cwd ?? dir, encoding: "utf8", timeout: o.timeoutMs ?? 20_000 });
  return { ...r, dir };
}

function readVars(cmdline: string, cwd?: string): Record<string, string> {
  const r = runInit('read_cmdline; printf "MODE=%s\\nFALLBACK=%s\\nDEBUG=%s\\nRESCUE=%s\\n" "$MODE" "$FALLBACK" "$DEBUG" "$RESCUE"', cmdline, { cwd });
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(r.stdout.trim().split("\n").map((l) => l.split("=", 2) as [string, string]));
}

test("/init reads k3os.mode with a quoted value as the kernel gives it", { skip }, () => {
  assert.equal(readVars('console=ttyS0 k3os.mode="disk" quiet').MODE, "disk");
  assert.equal(readVars('"k3os.fallback_mode=live" k3os.debug="true"').FALLBACK, "live");
  assert.equal(readVars('k3os.debug="true"').DEBUG, "1");
});

test("/init does not expand a * of the cmdline against its working directory", { skip }, () => {
  const cwd = mkdtempSync(join(tmpdir(), "k3os-init-cwd-"));
  writeFileSync(join(cwd, "k3os.mode=disk"), "");
  writeFileSync(join(cwd, "rescue"), "");
  assert.deepEqual(readVars("k3os.mode=live *", cwd), { MODE: "live", FALLBACK: "", DEBUG: "", RESCUE: "" });
});

test("/init splits the cmdline into the same words as the config's tokenizer", { skip }, () => {
  const cases = [
    "a b  c",
    'k3os.sysctls[kernel.printk]="4 4 1 7" quiet',
    '"quoted at start=x y" tail',
    'k3os.labels.a="" b',
    "tab\there  trailing   ",
    "glob* ? [x] $HOME `id` \\n",
    'mid"dle quo"ted',
  ];
  for (const c of cases) {
    const r = runInit('cmdline_words "$(cat /proc/cmdline)"', c);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split("\n").slice(0, -1), tokenizeCmdline(c), c);
  }
});

test("the k3os.* keys /init reads are the config's boot-only keys, and it reads each of them", () => {
  const text = readFileSync(INIT, "utf8");
  const body = text.slice(text.indexOf("read_cmdline() {"), text.indexOf("\n}\n", text.indexOf("read_cmdline() {")));
  const read = new Set([...body.matchAll(/\bk3os\.([a-z_]+)/g)].map((m) => m[1] as string));
  // k3os.probe powers the machine off in the initramfs: no config ever sees it.
  read.delete("probe");
  assert.deepEqual([...read].sort(), [...BOOT_ONLY_KEYS].sort());
});

test("a failed step's shell is started again when it is left: /init (PID 1) never exits", { skip }, () => {
  // The shell is a function recording each start; the third start ends the test's "PID 1".
  const count = mkdtempSync(join(tmpdir(), "k3os-init-shells-"));
  const body = `setsid() { echo start >> ${count}/n; [ "$(wc -l < ${count}/n)" -lt 3 ] || kill -9 $$; }\nSTEP=test_step\nfalse`;
  const r = runInit(body, "k3os.mode=live");
  assert.equal(readFileSync(join(count, "n"), "utf8"), "start\nstart\nstart\n", r.stdout + r.stderr);
  assert.equal(r.signal ?? (r.status === 137 ? "SIGKILL" : r.status), "SIGKILL", "killed by the test, not exited");
  assert.match(r.stdout, /failed \(exit 1\) in step: test_step/);
});
