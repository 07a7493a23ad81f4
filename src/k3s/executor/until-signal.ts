// Runs a supervisor until SIGTERM or SIGINT, then stops it (and anything else the caller must
// close) and resolves with the exit code: 0 for a clean stop.
import type { Logger } from "../../system/log.ts";
import type { Supervisor } from "./supervisor.ts";

export function superviseUntilSignal(sup: Supervisor, log: Logger, beforeStop: () => void = () => {}): Promise<number> {
  const stopped = new Promise<number>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      log.info(`${sig}: stopping components`);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      beforeStop();
      sup.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  const started = Date.now();
  sup.start().then(
    () => log.info(`all components ready in ${((Date.now() - started) / 1000).toFixed(1)} s`),
    (e: Error) => log.error(e.message),
  );
  return stopped;
}
