// The baseline every boot figure is divided by, timed in the same run: the k3os kernel and
// initramfs alone, to the initramfs's first line (`k3os.probe`), so ratios stay comparable across
// machines, loads and accelerators.
import { INITRD, KERNEL, Vm } from "../vm/console.ts";

export async function timeBaseline(): Promise<number> {
  const vm = await Vm.boot({ name: "bench-baseline", kernel: KERNEL, initrd: INITRD, append: "console=ttyS0,115200 quiet k3os.probe" });
  try {
    return (await vm.waitFor(/K3OS-PROBE-OK/, 120_000)).seconds;
  } finally {
    await vm.kill();
  }
}
