// Boot benchmark: the same run times a baseline (the k3os kernel and initramfs alone, to the
// initramfs's first line, with `k3os.probe`) and the full boot to a login prompt, from the ISO
// (GRUB included) and from a direct kernel boot; the ratio to the baseline keeps the figures
// comparable across machines and loads. Writes dist/bench-boot.json.
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../../src/system/atomic-write.ts";
import { positiveInt, runMain } from "../cli-args.ts";
import { ARTIFACTS, INITRD, ISO, KERNEL, REPO, Vm } from "../vm/console.ts";
import { timeBaseline } from "./baseline.ts";
import { liveCmdline } from "../vm/qemu-args.ts";

async function timeLogin(name: string, direct: boolean): Promise<{ login: number; initStart: number }> {
  const vm = await Vm.boot(direct ? { name, kernel: KERNEL, initrd: INITRD, append: liveCmdline() } : { name, iso: ISO });
  try {
    const init = await vm.waitFor(/k3os-init: \[[\d.?]+\] loading modules/, 240_000);
    const login = await vm.waitFor(/login: /, 300_000);
    return { login: login.seconds, initStart: init.seconds };
  } finally {
    await vm.kill();
  }
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, strict: true, options: { runs: { type: "string", default: "1" } } });
  const runs = positiveInt("--runs", values.runs);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const load = loadavg()[0] ?? 0;
    const baseline = await timeBaseline();
    const iso = await timeLogin("bench-iso", false);
    const direct = await timeLogin("bench-direct", true);
    const r = {
      loadBefore: Number(load.toFixed(2)),
      baselineKernelInitramfsS: baseline,
      isoBootToLoginS: iso.login,
      isoGrubAndKernelToInitS: iso.initStart,
      directBootToLoginS: direct.login,
      // from the initramfs's first line to the login prompt: what k3os itself costs
      initramfsToLoginS: Number((direct.login - direct.initStart).toFixed(1)),
      ratioDirectToBaseline: Number((direct.login / baseline).toFixed(2)),
    };
    process.stdout.write(`${JSON.stringify(r)}\n`);
    results.push(r);
  }
  // the sums of what was booted: dist/artifacts, or K3OS_ARTIFACTS
  const sums = (await readFile(join(ARTIFACTS, "sha256sum.txt"), "utf8")).trim().split("\n");
  await writeFileAtomic(join(REPO, "dist/bench-boot.json"), `${JSON.stringify({ at: new Date().toISOString(), accel: "see dist/vm-logs", artifacts: sums, results }, null, 2)}\n`);
}

runMain({ name: "bench-boot", usage: "usage: tsx builder/bench/boot.ts [--runs N]", details: "  Times N runs (default 1) of: the baseline, the ISO to login, a direct kernel boot to login. Writes dist/bench-boot.json." }, main);
