// The unattended install from the live ISO (k3os.mode=install and k3os.install.* on the cmdline),
// shared by the BIOS and EFI cases: a blank virtio disk, config_url served by the test's HTTP
// server at 10.0.2.100 through QEMU's guestfwd on the restricted user network; the installer
// powers off; the disk then boots alone through the GRUB the installer wrote.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { copyFile, mkdtemp, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { INITRD, ISO, KERNEL, Vm } from "../../builder/vm/console.ts";

export const PASSWORD = "k3os-unattended";
export const HOSTNAME = "k3os-unattended";
export const CONFIG = `hostname: ${HOSTNAME}\nk3os:\n  password: ${PASSWORD}\n  labels:\n    installed-by: unattended\n`;
/** the address the guest fetches config_url from (QEMU's guestfwd) */
export const CONFIG_URL = "http://10.0.2.100/config.yaml";
export const INSTALL_ARGS = `k3os.mode=install k3os.install.device=/dev/vda k3os.install.silent=true k3os.install.power_off=true k3os.install.config_url=${CONFIG_URL}`;
const RELAY = join(import.meta.dirname, "guestfwd-relay.mjs");
const GiB = 2 ** 30;

export class UnattendedInstall {
  dir = "";
  disk = "";
  requests: string[] = [];
  private server: Server | undefined;
  private port = 0;
  readonly vms: Vm[] = [];

  constructor(readonly name: string, readonly efi: boolean) {}

  async setUp(): Promise<void> {
    this.dir = await mkdtemp("/var/tmp/k3os-vmtest-unattended-");
    this.disk = join(this.dir, "disk.raw");
    const fh = await open(this.disk, "w");
    await fh.truncate(3 * GiB);
    await fh.close();
    this.server = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      if (req.url === "/config.yaml") res.end(CONFIG);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async tearDown(): Promise<void> {
    for (const vm of this.vms) await vm.kill();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * Boots the live system (the kernel given the install keys); returns the seconds to power off.
   * BIOS: the ISO attached as a CD. EFI: OVMF's direct kernel boot leaves the IDE CD unseen by
   * Linux ("no medium labelled K3OS"), so a copy of the ISO is the second virtio disk, as the
   * hybrid ISO written to a USB stick is.
   */
  async install(timeoutMs: number): Promise<{ seconds: number; vm: Vm }> {
    const vm = await this.startInstall(INSTALL_ARGS, timeoutMs);
    const seconds = await vm.waitForExit(timeoutMs);
    return { seconds, vm };
  }

  /** Starts the live system with ARGS (k3os.mode=install and k3os.install.* keys); returns the running VM. */
  async startInstall(args: string, timeoutMs: number, log = "install"): Promise<Vm> {
    let medium: string[] = [];
    if (this.efi) {
      medium = [join(this.dir, "k3os-medium.iso")];
      await copyFile(ISO, medium[0] as string);
    }
    const vm = await Vm.boot({
      name: `${this.name}-${log}`,
      iso: this.efi ? false : ISO,
      kernel: KERNEL,
      initrd: INITRD,
      append: `${args} console=ttyS0,115200 panic=10`,
      disks: [this.disk, ...medium],
      efi: this.efi,
      guestfwd: [`tcp:10.0.2.100:80-cmd:${process.execPath} ${RELAY} ${this.port}`],
      hardTimeoutMs: timeoutMs + 60_000,
    });
    this.vms.push(vm);
    return vm;
  }

  /** Boots the installed disk alone: no ISO, no kernel, only the disk's own GRUB. */
  async bootDisk(log = "disk"): Promise<Vm> {
    const vm = await Vm.boot({ name: `${this.name}-${log}`, iso: false, disks: [this.disk], efi: this.efi, hardTimeoutMs: 20 * 60_000 });
    this.vms.push(vm);
    return vm;
  }
}

/** GRUB booted the installed grub.cfg's "k3os Current" entry: its kernel and exactly its arguments. */
export function assertBootedCurrent(cmdline: string): void {
  assert.equal(cmdline, "BOOT_IMAGE=/k3os/system/kernel/current/vmlinuz k3os.mode=disk console=ttyS0,115200 quiet panic=10");
}
