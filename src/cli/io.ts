// Where a command prints: tests pass their own, the CLI the process's stdout and stderr.
export interface Io {
  out: (text: string) => void;
  err: (line: string) => void;
}

export const stdio: Io = { out: (t) => process.stdout.write(t), err: (l) => process.stderr.write(`${l}\n`) };
