// The initramfs: busybox, /init, the few modules that reach the system (decompressed, so busybox
// insmod needs no xz), as a reproducible newc cpio compressed with zstd.
import { copyFile, mkdir, readFile, symlink, writeFile, chmod, lutimes, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Runner } from "../../src/exec/runner.ts";
import { parseModulesBuiltin, parseModulesDep, resolveLoadOrder } from "../kernel/modules.ts";

export interface InitrdOptions {
  /** staging dir, created empty */
  stage: string;
  target: string;
  busybox: string;
  /** /init; its shell library, the directory lib/ beside it, goes to /lib/k3os */
  init: string;
  /** /lib/modules/<kver> of the kernel it boots */
  modulesDir: string;
  modules: readonly string[];
  /** loaded only when the first set found nothing */
  extraModules: readonly string[];
  epoch: number;
}

/** Busybox applets the /init script and a rescue shell use. */
export const INITRD_APPLETS: readonly string[] = [
  "sh", "mount", "umount", "insmod", "findfs", "blkid", "cp", "mkdir", "cat", "sleep", "chroot",
  "switch_root", "setsid", "cttyhack", "ls", "echo", "dmesg", "losetup", "ps", "kill", "vi", "less",
  "grep", "sed", "ip", "mknod", "rm", "ln", "mv", "df", "poweroff", "reboot", "sync", "uname", "modinfo",
];

export async function makeInitrd(runner: Runner, o: InitrdOptions): Promise<{ modules: string[]; extra: string[] }> {
  const s = o.stage;
  for (const d of ["bin", "dev", "proc", "sys", "run", "newroot", "etc/k3os", "lib/modules", "lib/k3os"]) await mkdir(join(s, d), { recursive: true });
  await copyFile(o.busybox, join(s, "bin/busybox"));
  await chmod(join(s, "bin/busybox"), 0o755);
  for (const a of INITRD_APPLETS) await symlink("busybox", join(s, "bin", a));
  await copyFile(o.init, join(s, "init"));
  await chmod(join(s, "init"), 0o755);
  const lib = join(dirname(o.init), "lib");
  for (const f of await readdir(lib)) {
    await copyFile(join(lib, f), join(s, "lib/k3os", f));
    await chmod(join(s, "lib/k3os", f), 0o755);
  }
  // The kernel opens /dev/console for /init before anything can mount devtmpfs.
  await runner.run(["mknod", "-m", "600", join(s, "dev/console"), "c", "5", "1"]);
  await runner.run(["mknod", "-m", "666", join(s, "dev/null"), "c", "1", "3"]);

  const index = parseModulesDep(await readFile(join(o.modulesDir, "modules.dep"), "utf8"));
  const builtin = parseModulesBuiltin(await readFile(join(o.modulesDir, "modules.builtin"), "utf8"));
  const order = resolveLoadOrder(o.modules, index, builtin);
  // the extra list leaves out what the first list already loaded
  const extra = resolveLoadOrder(o.extraModules, index, builtin).filter((m) => !order.includes(m));
  for (const name of [...order, ...extra]) {
    const rel = index.path.get(name) as string;
    const dest = join(s, "lib/modules", `${name}.ko`);
    if (rel.endsWith(".ko")) await copyFile(join(o.modulesDir, rel), dest);
    else await decompressTo(runner, join(o.modulesDir, rel), dest);
  }
  await writeFile(join(s, "etc/k3os/modules"), `${order.join("\n")}\n`);
  await writeFile(join(s, "etc/k3os/modules-extra"), `${extra.join("\n")}\n`);
  await clampTimes(s, o.epoch);

  const list = (await listTree(s)).sort().join("\n");
  const cpio = `${o.target}.cpio`;
  await runner.run(["cpio", "--quiet", "-o", "-H", "newc", "--reproducible", "-R", "0:0", "-O", cpio], { cwd: s, input: `${list}\n` });
  await runner.run(["zstd", "-q", "-f", "-19", "--rm", cpio, "-o", o.target]);
  return { modules: order, extra };
}

async function decompressTo(runner: Runner, src: string, dest: string): Promise<void> {
  const tool = src.endsWith(".xz") ? "xz" : src.endsWith(".zst") ? "zstd" : src.endsWith(".gz") ? "gzip" : undefined;
  if (!tool) throw new Error(`unknown module compression: ${src}`);
  await copyFile(src, `${dest}.${src.split(".").pop()}`);
  await runner.run([tool, "-d", "-q", "-f", `${dest}.${src.split(".").pop()}`]);
}

async function listTree(dir: string, prefix = "."): Promise<string[]> {
  const out: string[] = [prefix];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listTree(dir, rel)));
    else out.push(rel);
  }
  return out;
}

async function clampTimes(dir: string, epoch: number): Promise<void> {
  for (const rel of await listTree(dir)) await lutimes(join(dir, rel), epoch, epoch);
}
