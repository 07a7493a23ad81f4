// Runs the node's components as child processes: each starts once the components it depends on
// are ready, is restarted with exponential backoff when it dies, and all are stopped in reverse
// order on stop() (SIGTERM to the process group, SIGKILL after a grace period).
import { EventEmitter } from "node:events";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { Logger } from "../../system/log.ts";
import { startChild, type ChildSpec } from "./child.ts";
import { killLeftovers, writeComponentPids } from "./leftovers.ts";

export interface ComponentSpec {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  dependsOn?: string[];
  /** Resolves true once the component serves; polled until it does. None = ready once started. */
  ready?: () => Promise<boolean>;
  /** Runs before each start (e.g. to write a config that depends on another component). */
  beforeStart?: () => Promise<void>;
  /** Runs each time it became ready, before its dependents start (e.g. importing images). */
  afterReady?: () => Promise<void>;
}

export type ComponentState = "waiting" | "starting" | "ready" | "backoff" | "stopping" | "stopped" | "failed";

export interface ComponentStatus {
  state: ComponentState;
  pid?: number;
  restarts: number;
  lastExit?: string;
}

export interface SupervisorOptions {
  logDir: string;
  log: Logger;
  /** First restart delay; doubles per quick death up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A run this long resets the backoff. */
  resetBackoffAfterMs?: number;
  readyPollMs?: number;
  stopGraceMs?: number;
  start?: (spec: ChildSpec) => ChildProcess;
  /** Where the running components' pids are kept (in the data dir): a start first kills what a
   * previous `k3s` on the same data dir left running. */
  pidFile?: string;
}

interface Running {
  spec: ComponentSpec;
  status: ComponentStatus;
  child?: ChildProcess;
  startedAt: number;
  backoffMs: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor extends EventEmitter {
  private readonly comps = new Map<string, Running>();
  private stopping = false;
  private readonly o: Required<Omit<SupervisorOptions, "start" | "pidFile">> & Pick<SupervisorOptions, "pidFile"> & { start: (spec: ChildSpec) => ChildProcess };
  /** Bound once so that stop() can remove exactly this listener. */
  private readonly killOnExit = () => this.killNow();

  constructor(specs: ComponentSpec[], opts: SupervisorOptions) {
    super();
    this.o = {
      initialBackoffMs: 500,
      maxBackoffMs: 30_000,
      resetBackoffAfterMs: 60_000,
      readyPollMs: 250,
      stopGraceMs: 10_000,
      start: startChild,
      ...opts,
    };
    for (const spec of specs) {
      if (this.comps.has(spec.name)) throw new Error(`component ${spec.name} listed twice`);
      this.comps.set(spec.name, { spec, status: { state: "waiting", restarts: 0 }, startedAt: 0, backoffMs: this.o.initialBackoffMs });
    }
    for (const { spec } of this.comps.values()) {
      for (const d of spec.dependsOn ?? []) if (!this.comps.has(d)) throw new Error(`component ${spec.name} depends on unknown ${d}`);
    }
    startOrder(specs); // throws on a cycle
  }

  status(): Record<string, ComponentStatus> {
    return Object.fromEntries([...this.comps].map(([n, c]) => [n, { ...c.status }]));
  }

  /** Starts every component in dependency order; resolves when all are ready. */
  async start(): Promise<void> {
    if (this.o.pidFile) await killLeftovers(this.o.pidFile, this.o.log);
    // Every way out of `k3s` that runs exit handlers (an uncaught error or unhandled rejection
    // included) takes the components with it; after SIGKILL, the pid file and the next start do.
    process.on("exit", this.killOnExit);
    const ready = new Map<string, Promise<void>>();
    const launch = (name: string): Promise<void> => {
      let p = ready.get(name);
      if (!p) {
        const c = this.comps.get(name)!;
        p = Promise.all((c.spec.dependsOn ?? []).map(launch)).then(() => this.runUntilReady(c));
        ready.set(name, p);
      }
      return p;
    };
    await Promise.all([...this.comps.keys()].map(launch));
  }

  private async runUntilReady(c: Running): Promise<void> {
    if (this.stopping) return;
    await this.spawn(c);
    await this.waitReady(c);
  }

  /**
   * Runs a component's hook until it succeeds, backing off as for a death: a hook talks to other
   * components (the apiserver, containerd) that may answer slowly for a while, e.g. under QEMU TCG,
   * and one failure must not leave the component never started. False when stopped meanwhile.
   */
  private async retryHook(c: Running, what: string, hook: () => Promise<void>): Promise<boolean> {
    let delay = this.o.initialBackoffMs;
    for (;;) {
      if (this.stopping) return false;
      try {
        await hook();
        return true;
      } catch (e) {
        if (this.stopping) return false;
        this.o.log.warn(`${c.spec.name}: ${what} failed: ${e instanceof Error ? e.message : String(e)}; retrying in ${delay} ms`);
        await sleep(delay);
        delay = Math.min(delay * 2, this.o.maxBackoffMs);
      }
    }
  }

  private async spawn(c: Running): Promise<void> {
    if (this.stopping) return;
    if (c.spec.beforeStart && !(await this.retryHook(c, "preparing its start", c.spec.beforeStart))) return;
    c.status.state = "starting";
    c.startedAt = Date.now();
    const child = this.o.start({
      argv: c.spec.argv,
      env: c.spec.env,
      cwd: c.spec.cwd,
      logFile: join(this.o.logDir, `${c.spec.name}.log`),
    });
    c.child = child;
    c.status.pid = child.pid;
    this.recordPids();
    this.o.log.info(`started ${c.spec.name} (pid ${child.pid})`);
    this.emit("start", c.spec.name, child.pid);
    child.on("error", (e) => {
      this.o.log.error(`${c.spec.name}: ${e.message}`);
      // A program that could not be started emits no 'exit': treat it as a death, so it backs off.
      if (child.pid === undefined) this.onExit(c, child, null, null);
    });
    child.on("exit", (code, signal) => this.onExit(c, child, code, signal));
  }

  private async waitReady(c: Running): Promise<void> {
    const probe = c.spec.ready;
    while (!this.stopping) {
      if (c.status.state === "ready") return; // made ready by a restart's own wait
      if (c.status.state === "starting" && (!probe || (await probe().catch(() => false)))) {
        if (c.status.state !== "starting") continue; // died while probing
        if (c.spec.afterReady && !(await this.retryHook(c, "its after-ready step", c.spec.afterReady))) return;
        c.status.state = "ready";
        this.o.log.info(`${c.spec.name} is ready`);
        this.emit("ready", c.spec.name);
        return;
      }
      await sleep(this.o.readyPollMs);
    }
  }

  private onExit(c: Running, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (c.child !== child) return;
    c.child = undefined;
    c.status.pid = undefined;
    this.recordPids();
    c.status.lastExit = signal ? `killed by ${signal}` : `exit code ${code}`;
    this.emit("exit", c.spec.name, code, signal);
    if (this.stopping) {
      c.status.state = "stopped";
      return;
    }
    const ranMs = Date.now() - c.startedAt;
    if (ranMs >= this.o.resetBackoffAfterMs) c.backoffMs = this.o.initialBackoffMs;
    const delay = c.backoffMs;
    c.backoffMs = Math.min(c.backoffMs * 2, this.o.maxBackoffMs);
    c.status.state = "backoff";
    this.o.log.warn(`${c.spec.name} ${c.status.lastExit} after ${ranMs} ms; restarting in ${delay} ms`);
    c.timer = setTimeout(() => {
      c.timer = undefined;
      c.status.restarts++;
      this.runUntilReady(c).catch((e: Error) => {
        c.status.state = "failed";
        this.o.log.error(`${c.spec.name}: ${e.message}`);
      });
    }, delay);
  }

  /**
   * Stops every component, each once all that depend on it have exited; components that do not
   * depend on each other stop at the same time (the kubelet, kube-proxy, flannel, the scheduler and
   * the controller-manager together, then the apiserver, then the datastore), so the stop takes the
   * longest chain, not the sum.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const specs = [...this.comps.values()].map((c) => c.spec);
    const stops = new Map<string, Promise<void>>();
    const stopOne = (name: string): Promise<void> => {
      let p = stops.get(name);
      if (!p) {
        const dependents = specs.filter((s) => s.dependsOn?.includes(name)).map((s) => s.name);
        p = Promise.all(dependents.map(stopOne)).then(() => this.stopComponent(name));
        stops.set(name, p);
      }
      return p;
    };
    await Promise.all(startOrder(specs).map(stopOne));
    process.off("exit", this.killOnExit);
  }

  /** SIGKILL to every running component's process group, at once: for exits that cannot wait. */
  killNow(): void {
    for (const c of this.comps.values()) {
      if (c.child && c.child.exitCode === null && c.child.signalCode === null) signalGroup(c.child, "SIGKILL");
    }
  }

  private recordPids(): void {
    if (!this.o.pidFile) return;
    const live = [...this.comps.values()].flatMap((c) => (c.child?.pid !== undefined ? [{ name: c.spec.name, pid: c.child.pid }] : []));
    try {
      writeComponentPids(this.o.pidFile, live);
    } catch (e) {
      this.o.log.warn(`recording component pids in ${this.o.pidFile}: ${(e as Error).message}`);
    }
  }

  /** SIGTERM to the component's process group, SIGKILL after the grace period; waits for the exit. */
  private async stopComponent(name: string): Promise<void> {
    const c = this.comps.get(name)!;
    if (c.timer) clearTimeout(c.timer);
    const child = c.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      c.status.state = "stopped";
      return;
    }
    c.status.state = "stopping";
    const t0 = Date.now();
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    signalGroup(child, "SIGTERM");
    let grace: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => (grace = setTimeout(() => r(false), this.o.stopGraceMs))),
    ]);
    clearTimeout(grace); // a pending timer would keep the process alive after a clean stop
    if (!graceful) {
      this.o.log.warn(`${name} did not stop within ${this.o.stopGraceMs} ms; killing it`);
      signalGroup(child, "SIGKILL");
      await exited;
    }
    this.o.log.info(`stopped ${name} in ${Date.now() - t0} ms`);
    c.status.state = "stopped";
  }
}

/** Signals the child's process group (it was started detached), falling back to the child alone. */
function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, sig);
  } catch {
    child.kill(sig);
  }
}

/** Names in an order where every component comes after those it depends on. */
export function startOrder(specs: Pick<ComponentSpec, "name" | "dependsOn">[]): string[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new Error(`dependency cycle: ${[...path, name].join(" -> ")}`);
    state.set(name, "visiting");
    for (const d of byName.get(name)?.dependsOn ?? []) visit(d, [...path, name]);
    state.set(name, "done");
    out.push(name);
  };
  for (const s of specs) visit(s.name, []);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
