// The owner of the work `k3s` does beside its components (labelling the Node, the manifest
// deployer): nothing runs as a promise nobody holds, so a failure is logged and the task retried
// with backoff instead of becoming an unhandled rejection, which would end `k3s` and, with it,
// every component it supervises.
import type { Logger } from "../../system/log.ts";

export interface BackgroundTasksOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export class BackgroundTasks {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wakers = new Set<() => void>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly o: BackgroundTasksOptions = {},
  ) {}

  /** Runs `task` until it resolves; each rejection is logged and retried (doubling delay) until stop(). */
  run(name: string, task: () => Promise<unknown>): void {
    const p = this.retry(name, task);
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async retry(name: string, task: () => Promise<unknown>): Promise<void> {
    let delay = this.o.initialDelayMs ?? 1000;
    while (!this.stopped) {
      try {
        await task();
        return;
      } catch (e) {
        if (this.stopped) return;
        this.log.error(`${name} failed: ${e instanceof Error ? e.message : String(e)}; retrying in ${delay} ms`);
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.o.maxDelayMs ?? 30_000);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.timers.add(timer);
      this.wakers.add(wake);
    });
  }

  /** No more retries; resolves once every task has returned (a task in flight is not cut short). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    await Promise.allSettled([...this.running]);
  }
}
