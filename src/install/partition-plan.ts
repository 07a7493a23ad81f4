// The partition plan of a formatted install, as k3OS laid it out: BIOS gets an msdos table with
// one K3OS_STATE partition; EFI gets GPT with an ESP first, then K3OS_STATE. Rendered as sfdisk
// input. No partition is marked bootable here: the boot flag is set as the install's last step.
import type { Firmware } from "./spec.ts";

const SECTOR = 512;
const MIB = 1024 * 1024;
/** Partitions start at 1 MiB, as partitioning tools align them; GRUB's BIOS core sits in that gap. */
export const FIRST_SECTOR = MIB / SECTOR;
/** k3OS used 50 MB; a little more leaves room for GRUB's x86_64-efi image and a second one. */
export const ESP_BYTES = 64 * MIB;
/** The seed: "K3OS_STATE is expected to be an ext4 formatted filesystem with at least 2GB". */
export const MIN_STATE_BYTES = 2 * 1024 * MIB;
/** GPT keeps a backup header and table in the last 33 sectors; 1 MiB keeps the end aligned. */
const GPT_TAIL_BYTES = MIB;

export const GPT_TYPE = {
  esp: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  linux: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
} as const;
const MBR_LINUX = "83";

export interface PlannedPartition {
  number: number;
  role: "esp" | "state";
  startSector: number;
  /** Undefined: to the end of the disk. */
  sizeSectors?: number;
  type: string;
  name?: string;
}

export interface PartitionPlan {
  label: "dos" | "gpt";
  partitions: PlannedPartition[];
  state: number;
  esp?: number;
}

export function planPartitions(firmware: Firmware): PartitionPlan {
  if (firmware === "bios") {
    return { label: "dos", partitions: [{ number: 1, role: "state", startSector: FIRST_SECTOR, type: MBR_LINUX }], state: 1 };
  }
  const espSectors = ESP_BYTES / SECTOR;
  return {
    label: "gpt",
    partitions: [
      { number: 1, role: "esp", startSector: FIRST_SECTOR, sizeSectors: espSectors, type: GPT_TYPE.esp, name: "K3OS_GRUB" },
      { number: 2, role: "state", startSector: FIRST_SECTOR + espSectors, type: GPT_TYPE.linux, name: "K3OS_STATE" },
    ],
    state: 2,
    esp: 1,
  };
}

/** The smallest disk whose K3OS_STATE partition still holds MIN_STATE_BYTES. */
export function minDiskBytes(firmware: Firmware): number {
  return firmware === "bios" ? MIB + MIN_STATE_BYTES : MIB + ESP_BYTES + MIN_STATE_BYTES + GPT_TAIL_BYTES;
}

/** sfdisk's script format (sfdisk(8) "INPUT FORMATS"). */
export function renderSfdiskInput(plan: PartitionPlan): string {
  const lines = [`label: ${plan.label}`, "unit: sectors", ""];
  for (const p of plan.partitions) {
    const fields = [`start=${p.startSector}`];
    if (p.sizeSectors !== undefined) fields.push(`size=${p.sizeSectors}`);
    fields.push(`type=${p.type}`);
    if (p.name) fields.push(`name="${p.name}"`);
    lines.push(fields.join(", "));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The device node of partition n: the kernel adds "p" when the disk's name ends in a digit
 * (loop0p1, nvme0n1p1, mmcblk0p1), else appends the number (sda1, vda1).
 */
export function partitionDevice(disk: string, n: number): string {
  return /\d$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}
