// squashfs images: the /usr tree and the kernel part. zstd -19 with 1 MiB blocks was the best
// size/time trade measured (141 MB in 103 s vs xz 125 MB in 204 s); --fast is for development.
import type { Runner } from "../../src/exec/runner.ts";

export interface SquashfsOptions {
  source: string;
  target: string;
  epoch: number;
  fast?: boolean;
  processors?: number;
}

export function renderMksquashfsArgv(o: SquashfsOptions): string[] {
  return [
    "mksquashfs", o.source, o.target,
    "-noappend", "-no-progress", "-quiet",
    "-comp", "zstd", "-Xcompression-level", o.fast ? "3" : "19",
    "-b", "1M",
    // Every timestamp is the build's epoch: two builds of one commit give one checksum.
    "-mkfs-time", String(o.epoch), "-all-time", String(o.epoch),
    ...(o.processors ? ["-processors", String(o.processors)] : []),
  ];
}

export async function makeSquashfs(runner: Runner, o: SquashfsOptions): Promise<void> {
  await runner.run(renderMksquashfsArgv(o));
}
