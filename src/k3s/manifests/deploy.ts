// server/manifests/ auto-deploy, as k3s's deploy controller: every *.yaml, *.yml and *.json under
// the directory is applied with server-side apply at start, when the directory changes (fs.watch)
// and at a periodic resync; a file is skipped while NAME.skip exists beside it. A file is applied
// again only when its content changed or its last apply failed; one bad file is reported with its
// error and the others are still applied.
//
// kubectl (the applet of the multi-call binary) does the apply, through the runner, rather than
// @kubernetes/client-node: kubectl already parses multi-document YAML, maps kinds to resources
// through discovery and speaks server-side apply, and the library would add megabytes to the
// agent's bundle, whose start time matters on a node.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from "node:fs";
import { join, relative } from "node:path";
import type { Runner } from "../../exec/runner.ts";
import type { Logger } from "../../system/log.ts";
import { ensureDir } from "../fs-util.ts";

const MANIFEST = /\.(ya?ml|json)$/;
/** k3s's deploy controller resyncs every 15 s. */
export const RESYNC_MS = 15_000;
export const FIELD_MANAGER = "k3s-deploy";

/** Manifest files under dir (subdirectories included), in path order, without the skipped ones. */
export function listManifests(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    const names = readdirSync(d).sort();
    const skips = new Set(names.filter((n) => n.endsWith(".skip")).map((n) => n.slice(0, -".skip".length)));
    for (const n of names) {
      if (n.startsWith(".")) continue;
      const p = join(d, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && MANIFEST.test(n) && !skips.has(n)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export interface SyncReport {
  applied: string[];
  unchanged: string[];
  failed: { file: string; error: string }[];
}

export interface DeployerOptions {
  dir: string;
  runner: Runner;
  kubectl: string;
  kubeconfig: string;
  log: Logger;
  resyncMs?: number;
}

export class ManifestDeployer {
  /** sha256 of each file's content at its last successful apply. */
  private readonly applied = new Map<string, string>();
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private running?: Promise<SyncReport>;
  private again = false;
  private stopped = false;

  constructor(private readonly o: DeployerOptions) {}

  private async applyFile(file: string): Promise<string | undefined> {
    const argv = [this.o.kubectl, "--kubeconfig", this.o.kubeconfig, "apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", file];
    const r = await this.o.runner.run(argv, { allowFailure: true, timeoutMs: 120_000 });
    if (r.exitCode === 0) return undefined;
    return (r.stderr.trim() || r.stdout.trim() || `kubectl exit ${r.exitCode ?? r.signal}`).split("\n").slice(-6).join("\n");
  }

  private async syncNow(): Promise<SyncReport> {
    const report: SyncReport = { applied: [], unchanged: [], failed: [] };
    for (const file of listManifests(this.o.dir)) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        continue; // removed meanwhile
      }
      const hash = createHash("sha256").update(text).digest("hex");
      const name = relative(this.o.dir, file);
      if (this.applied.get(file) === hash || text.trim() === "") {
        report.unchanged.push(file);
        continue;
      }
      const error = await this.applyFile(file);
      if (error === undefined) {
        this.applied.set(file, hash);
        report.applied.push(file);
        this.o.log.info(`manifests: applied ${name}`);
      } else {
        this.applied.delete(file);
        report.failed.push({ file, error });
        this.o.log.error(`manifests: ${name}: ${error}`);
      }
    }
    return report;
  }

  /** One pass over the directory; concurrent calls share a pass and queue one more after it. */
  sync(): Promise<SyncReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.syncNow().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.sync();
      }
    });
    return this.running;
  }

  /** First pass, then on every change of the directory and every resync period until stop(). */
  async start(): Promise<SyncReport> {
    ensureDir(this.o.dir);
    this.watcher = watch(this.o.dir, () => {
      // Editors write in several steps: apply once the burst is over.
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.sync(), 300);
    });
    this.watcher.on("error", (e) => this.o.log.warn(`manifests: watch ${this.o.dir}: ${e.message}; the ${(this.o.resyncMs ?? RESYNC_MS) / 1000} s resync goes on`));
    this.timer = setInterval(() => void this.sync(), this.o.resyncMs ?? RESYNC_MS);
    this.timer.unref();
    return this.sync();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }
}
