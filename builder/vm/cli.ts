// `k3os-vm`: boots k3os artifacts in QEMU (`run`, options in RUN_USAGE), or probes KVM again (`probe`).
// QEMU is spawned directly, not through the command Runner: the Runner captures output, and the
// serial console must be the user's terminal.
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { cacheRoot } from "../cache.ts";
import { runMain, UsageError } from "../cli-args.ts";
import { chooseAccel } from "./accel.ts";
import { prepareQemu } from "./launch.ts";
import { parseRunArgs, RUN_DETAILS, RUN_USAGE } from "./options.ts";
import { renderQemuArgv } from "./qemu-args.ts";

const repo = resolve(import.meta.dirname, "../..");
const artifacts = process.env.K3OS_ARTIFACTS || join(repo, "dist/artifacts");
const probeWith = { kernel: join(artifacts, "k3os-vmlinuz-amd64"), initrd: join(artifacts, "k3os-initrd-amd64") };

async function run(args: string[]): Promise<number> {
  const req = parseRunArgs(args, artifacts);
  const { accel, sshPort, tmp, efiVars } = await prepareQemu({
    files: [req.iso, req.kernel, req.initrd, ...req.disks], accel: req.accel, probeWith, efi: req.efi, sshPort: req.sshPort, tmpPrefix: "k3os-vm-",
  });
  try {
    const argv = renderQemuArgv({
      accel, memoryMb: req.memoryMb, cpus: req.cpus, iso: req.iso, kernel: req.kernel, initrd: req.initrd,
      append: req.append, disks: req.disks, efiVars, sshPort, openNetwork: req.openNetwork,
      serial: "mon:stdio", headless: req.headless,
    });
    process.stderr.write(`k3os-vm: ${accel}, ${req.memoryMb} MB, ssh -p ${sshPort} rancher@127.0.0.1 (Ctrl-A X quits)\n`);
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: "inherit" });
    // A runner stopped by a signal stops its VM too, and still removes its temp files.
    const stop = () => child.kill("SIGTERM");
    process.once("SIGTERM", stop);
    process.once("SIGHUP", stop);
    return await new Promise<number>((res) => child.on("close", (code) => res(code ?? 1)));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const USAGE = `${RUN_USAGE}
       k3os-vm probe`;
const DETAILS = `${RUN_DETAILS}
  probe: probe KVM again (the verdict is cached) and print it.`;

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "run") return run(rest);
  if (command === "probe") {
    if (rest.length > 0) throw new UsageError(`probe takes no arguments, got: ${rest.join(" ")}`);
    const v = await chooseAccel(cacheRoot(), probeWith, { reprobe: true });
    process.stdout.write(`${v.kvm ? "kvm" : "tcg"}: ${v.reason}\n`);
    return 0;
  }
  throw new UsageError(command === undefined ? "a command is needed: run or probe" : `unknown command: ${command} (expected run or probe)`);
}

runMain({ name: "k3os-vm", usage: USAGE, details: DETAILS }, main);
