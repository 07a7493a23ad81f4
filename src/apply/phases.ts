// The phase table: which appliers run in which boot phase, in order. It follows k3OS's table of
// config keys per phase (initrd: before the root is switched; boot: before services, no network;
// runtime: after the network is up) and is pinned by test/unit/apply/phases.test.ts.
import type { Config } from "../config/schema.ts";
import { applyBootCmd, applyInitCmd, applyRunCmd, applyUserdataScript } from "./commands.ts";
import { applyDns, applyWifi } from "./connman.ts";
import type { Applier, ApplyContext, Phase } from "./context.ts";
import { applyDataSources } from "./data-sources.ts";
import { applyEnvironment } from "./environment.ts";
import { applyHostname } from "./hostname.ts";
import { applyK3sService } from "./k3s-service.ts";
import { applyModules } from "./modules.ts";
import { applyPassword } from "./password.ts";
import { applySshKeys } from "./ssh-keys.ts";
import { applySysctls } from "./sysctls.ts";
import { applyWriteFiles } from "./write-files.ts";

export interface PhaseStep {
  name: string;
  /** The config keys this step applies. */
  keys: string[];
  phases: Phase[];
  apply: Applier;
}

const ALL: Phase[] = ["initrd", "boot", "runtime"];
const LATER: Phase[] = ["boot", "runtime"];

/** In order: files are written before commands run; k3s settings after everything they read. */
export const PHASE_TABLE: PhaseStep[] = [
  { name: "data-sources", keys: ["k3os.data_sources"], phases: ["boot"], apply: applyDataSources },
  { name: "modules", keys: ["k3os.modules"], phases: ALL, apply: applyModules },
  { name: "sysctls", keys: ["k3os.sysctls"], phases: ALL, apply: applySysctls },
  { name: "hostname", keys: ["hostname"], phases: ALL, apply: applyHostname },
  { name: "dns-ntp", keys: ["k3os.dns_nameservers", "k3os.ntp_servers"], phases: LATER, apply: applyDns },
  { name: "wifi", keys: ["k3os.wifi"], phases: LATER, apply: applyWifi },
  { name: "password", keys: ["k3os.password"], phases: ALL, apply: applyPassword },
  { name: "ssh-keys", keys: ["ssh_authorized_keys"], phases: LATER, apply: applySshKeys },
  { name: "environment", keys: ["k3os.environment"], phases: ALL, apply: applyEnvironment },
  {
    name: "k3s-service",
    keys: ["k3os.server_url", "k3os.token", "k3os.labels", "k3os.k3s_args", "k3os.taints"],
    // install: k3OS's `config --install`, the k3s settings of a node booted to install, never (re)started.
    phases: ["boot", "runtime", "install"],
    apply: applyK3sService,
  },
  { name: "write-files", keys: ["write_files"], phases: ALL, apply: applyWriteFiles },
  { name: "init-cmd", keys: ["init_cmd"], phases: ["initrd"], apply: applyInitCmd },
  { name: "boot-cmd", keys: ["boot_cmd"], phases: ["boot"], apply: applyBootCmd },
  { name: "run-cmd", keys: ["run_cmd"], phases: ["runtime"], apply: applyRunCmd },
  { name: "userdata", keys: [], phases: ["runtime"], apply: applyUserdataScript },
];

export interface StepFailure {
  step: string;
  error: Error;
}

/** Runs every step of a phase; a failing step is reported and the others still run. */
export async function runPhase(config: Config, ctx: ApplyContext, table: PhaseStep[] = PHASE_TABLE): Promise<StepFailure[]> {
  const failures: StepFailure[] = [];
  for (const step of table.filter((s) => s.phases.includes(ctx.phase))) {
    ctx.log.debug(`${ctx.phase}: ${step.name}`);
    try {
      await step.apply(config, ctx);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      failures.push({ step: step.name, error });
      ctx.log.error(`${step.name}: ${error.message}`);
    }
  }
  return failures;
}
