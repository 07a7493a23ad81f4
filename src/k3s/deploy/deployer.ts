// server/manifests/ auto-deploy, as k3s's deploy controller: every *.yaml, *.yml and *.json under
// the directory is applied with server-side apply at start, when the directory changes (fs.watch)
// and at a periodic resync; a file is skipped while NAME.skip exists beside it. A file is applied
// again only when its content changed or its last apply failed; one bad file is reported with its
// error and the others are still applied. As k3s's controller prunes what an Addon no longer holds,
// objects a changed file dropped are deleted, and so is everything a --disable'd bundled file
// applied; a file removed by hand keeps its objects, as in k3s (applied-objects.ts).
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
import { ensureDir } from "../util/fs-util.ts";
import { deleteArgs, droppedObjects, loadAppliedState, parseAppliedObjects, saveAppliedState, type AppliedState, type ObjectRef } from "./applied-objects.ts";

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
  /** kubectl names of the objects deleted (dropped from a file, or of a disabled file). */
  deleted: string[];
}

export interface DeployerOptions {
  dir: string;
  runner: Runner;
  kubectl: string;
  kubeconfig: string;
  log: Logger;
  resyncMs?: number;
  /** Where what each file applied is kept across restarts (server/deployed-manifests.json). */
  stateFile: string;
  /** Names (relative to dir) of disabled files: the objects they applied are deleted. */
  disabled?: string[];
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

  private async applyFile(file: string): Promise<{ objects: ObjectRef[] } | { error: string }> {
    // --validate=false: kubectl's validation first downloads the whole OpenAPI document, which
    // took longer than the apply's timeout on a node under QEMU TCG; k3s's own deployer does not
    // validate client-side either (the server still rejects what it cannot decode).
    const argv = [this.o.kubectl, "--kubeconfig", this.o.kubeconfig, "apply", "--server-side", "--force-conflicts", "--validate=false", `--field-manager=${FIELD_MANAGER}`, "-o", "json", "-f", file];
    let r;
    try {
      r = await this.o.runner.run(argv, { allowFailure: true, timeoutMs: 120_000 });
    } catch (e) {
      return { error: (e as Error).message }; // kubectl could not run at all: this file's error, retried next pass
    }
    if (r.exitCode === 0) {
      try {
        return { objects: parseAppliedObjects(r.stdout) };
      } catch (e) {
        return { error: `unreadable kubectl output: ${(e as Error).message}` };
      }
    }
    return { error: (r.stderr.trim() || r.stdout.trim() || `kubectl exit ${r.exitCode ?? r.signal}`).split("\n").slice(-6).join("\n") };
  }

  /** Deletes the objects; returns the ones kubectl could not delete (kept for the next pass). */
  private async deleteObjects(refs: ObjectRef[], why: string, report: SyncReport): Promise<ObjectRef[]> {
    const left: ObjectRef[] = [];
    for (const ref of refs) {
      const r = await this.o.runner
        .run([this.o.kubectl, "--kubeconfig", this.o.kubeconfig, ...deleteArgs(ref)], { allowFailure: true, timeoutMs: 60_000 })
        .catch((e: Error) => ({ exitCode: null, stderr: e.message }));
      const name = deleteArgs(ref).slice(3).join(" ");
      if (r.exitCode === 0) {
        report.deleted.push(name);
        this.o.log.info(`manifests: deleted ${name} (${why})`);
      } else {
        left.push(ref);
        this.o.log.error(`manifests: deleting ${name} (${why}): ${r.stderr.trim().split("\n").at(-1)}`);
      }
    }
    return left;
  }

  /** The objects of disabled files go, as k3s's controller deletes a disabled Addon's objects. */
  private async deleteDisabled(state: AppliedState, report: SyncReport): Promise<boolean> {
    let changed = false;
    for (const name of this.o.disabled ?? []) {
      const refs = state[name];
      if (!refs) continue;
      const left = await this.deleteObjects(refs, `${name} is disabled`, report);
      if (left.length > 0) state[name] = left;
      else delete state[name];
      changed = true;
    }
    return changed;
  }

  private async syncNow(): Promise<SyncReport> {
    const report: SyncReport = { applied: [], unchanged: [], failed: [], deleted: [] };
    const state = loadAppliedState(this.o.stateFile);
    let changed = await this.deleteDisabled(state, report);
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
      const result = await this.applyFile(file);
      if ("objects" in result) {
        this.applied.set(file, hash);
        report.applied.push(file);
        this.o.log.info(`manifests: applied ${name}`);
        const dropped = droppedObjects(state[name] ?? [], result.objects);
        const left = dropped.length > 0 ? await this.deleteObjects(dropped, `no longer in ${name}`, report) : [];
        state[name] = [...result.objects, ...left];
        changed = true;
      } else {
        this.applied.delete(file);
        report.failed.push({ file, error: result.error });
        this.o.log.error(`manifests: ${name}: ${result.error}`);
      }
    }
    if (changed) saveAppliedState(this.o.stateFile, state);
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
        this.syncInBackground();
      }
    });
    return this.running;
  }

  /** A pass nobody awaits (watch, resync): its failure is logged here, the next pass retries. */
  private syncInBackground(): void {
    this.sync().catch((e: Error) => this.o.log.error(`manifests: pass over ${this.o.dir} failed: ${e.message}; retried at the next change or resync`));
  }

  /** First pass, then on every change of the directory and every resync period until stop(). */
  async start(): Promise<SyncReport> {
    ensureDir(this.o.dir);
    // start() may be retried after a failed first pass (BackgroundTasks): one watch, one timer.
    if (this.watcher) return this.sync();
    this.watcher = watch(this.o.dir, () => {
      // Editors write in several steps: apply once the burst is over.
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.syncInBackground(), 300);
    });
    this.watcher.on("error", (e) => this.o.log.warn(`manifests: watch ${this.o.dir}: ${e.message}; the ${(this.o.resyncMs ?? RESYNC_MS) / 1000} s resync goes on`));
    this.timer = setInterval(() => this.syncInBackground(), this.o.resyncMs ?? RESYNC_MS);
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
