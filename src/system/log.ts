// A small logger: messages to stderr, debug only with --debug. Boot phases read it on the console.
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

export function createLogger(opts: { debug?: boolean; prefix?: string; write?: (line: string) => void } = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const p = opts.prefix ? `${opts.prefix}: ` : "";
  return {
    info: (m) => write(`${p}${m}`),
    warn: (m) => write(`${p}warning: ${m}`),
    error: (m) => write(`${p}error: ${m}`),
    debug: (m) => {
      if (opts.debug) write(`${p}debug: ${m}`);
    },
  };
}

/** A logger that keeps its lines, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger({ debug: true, write: (l) => lines.push(l) }), { lines });
}
