// What both entry points share: which command a start is (`k3s` through a link named k3s, else
// `k3os`) and how its result becomes the exit status. main.ts runs from source (tsx); launcher.ts is
// what the bundle's bin/k3os runs.
import { basename } from "node:path";

export type AgentCommand = "k3os" | "k3s";

export function chooseCommand(argv1: string | undefined): AgentCommand {
  return basename(argv1 ?? "k3os") === "k3s" ? "k3s" : "k3os";
}

/** Sets the exit status from a command's result; an error is printed as one line and exits 1. */
export function settleExit(run: Promise<number>): void {
  run.then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`k3os: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
