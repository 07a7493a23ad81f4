// Runs the Go toolchain with streamed output (a cold build takes minutes: show progress) and turns
// its failures into errors that name the module or package that could not be had.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { formatArgv } from "../../src/exec/runner.ts";

/** The go command: on PATH, else the official tarball's /usr/local/go. */
export function findGo(): string {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(`${dir}/go`)) return `${dir}/go`;
  }
  if (existsSync("/usr/local/go/bin/go")) return "/usr/local/go/bin/go";
  throw new Error("`go` not found: install Go (https://go.dev/dl, into /usr/local/go) or put it on PATH; the pinned toolchain is then fetched through GOTOOLCHAIN");
}

export interface GoRun {
  cwd: string;
  env: Record<string, string>;
  /** Called with each line of stderr (go build -v names each package as it compiles it). */
  onLine?: (line: string) => void;
}

export async function runGo(go: string, args: string[], opts: GoRun): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const errLines: string[] = [];
    let partial = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => {
      const lines = (partial + d.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) {
        errLines.push(l);
        opts.onLine?.(l);
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (partial) errLines.push(partial);
      if (code === 0) return resolve(Buffer.concat(out).toString("utf8"));
      reject(new Error(explainGoFailure([go, ...args], errLines, signal ? `killed by ${signal}` : `exit code ${code}`)));
    });
  });
}

/**
 * One message that says what could not be had: the module (and version) the proxy refused or that
 * is missing from go.sum, or the package that failed to compile, then the tail of go's output.
 */
export function explainGoFailure(argv: string[], stderr: string[], reason: string): string {
  const text = stderr.join("\n");
  const findings: string[] = [];
  const refused = text.match(/([\w.~-]+(?:\/[\w.~-]+)+)@(v[\w.+-]+): (?:reading|verifying|downloading)[^\n]*?(\d{3} [\w ]+|[^\n]*)/);
  if (refused) findings.push(`Go module ${refused[1]}@${refused[2]} could not be had: ${refused[3]?.trim()}`);
  const missingSum = text.match(/missing go\.sum entry for module providing package ([^\s;]+)(?: \(imported by ([^)]+)\))?/);
  if (missingSum) findings.push(`go.sum lacks the module of package ${missingSum[1]}${missingSum[2] ? ` (imported by ${missingSum[2]})` : ""}: run \`go mod tidy\` in builder/kube`);
  const noPkg = text.match(/no required module provides package ([^\s;]+)/);
  if (noPkg) findings.push(`no module in go.mod provides package ${noPkg[1]}`);
  const failedPkg = text.match(/^# (\S+)/m);
  if (failedPkg && findings.length === 0) findings.push(`package ${failedPkg[1]} failed to build`);
  const cHeader = text.match(/fatal error: ([\w/.-]+\.h): No such file/);
  if (cHeader) findings.push(`C header ${cHeader[1]} is missing (a -dev package is not installed)`);
  // go build -v interleaves package names with the errors: keep the compiler's and linker's lines.
  const isPackageName = (l: string) => /^[\w.-]+(\/[\w.~-]+)*$/.test(l.trim());
  const tail = stderr.filter((l) => l.trim() !== "" && !isPackageName(l)).slice(-15).join("\n");
  return `${formatArgv(argv)}: ${reason}\n${findings.map((f) => `  ${f}`).join("\n")}${findings.length ? "\n" : ""}${tail}`;
}
