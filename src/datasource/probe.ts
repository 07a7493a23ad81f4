// Probes the configured datasources in order. The first that serves userdata wins, and its
// metadata gives the hostname and SSH keys; when none serves userdata, the metadata of the first
// that answered at all is used. A source that fails is logged and the next one is tried: nothing
// here may stop the boot. Sources still untried when the total deadline passes are skipped.
import { aws } from "./aws.ts";
import { cdrom } from "./cdrom.ts";
import { gcp } from "./gcp.ts";
import { hetzner } from "./hetzner.ts";
import { openstack } from "./openstack.ts";
import { packet } from "./packet.ts";
import { scaleway } from "./scaleway.ts";
import type { Datasource, Found, ProbeContext } from "./types.ts";
import { vultr } from "./vultr.ts";

export const DATASOURCES: ReadonlyMap<string, Datasource> = new Map(
  [aws, gcp, openstack, packet, scaleway, vultr, hetzner, cdrom].map((d) => [d.name, d]),
);

export type Outcome = "userdata" | "metadata" | "absent" | "failed" | "skipped";

export interface SourceReport {
  name: string;
  outcome: Outcome;
  ms: number;
  detail: string;
}

export interface ProbeReport {
  winner?: { name: string; found: Found };
  sources: SourceReport[];
}

function describe(found: Found): string {
  const parts = [found.userdata ? `userdata (${found.userdata.length} bytes)` : "no userdata"];
  if (found.hostname) parts.push(`hostname ${found.hostname}`);
  parts.push(`${found.sshKeys.length} ssh key(s)`);
  return parts.join(", ");
}

/** Resolves when the deadline passes; the probe it races goes on aborting on its own. */
function deadlinePassed(signal: AbortSignal): Promise<"deadline"> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve("deadline");
    else signal.addEventListener("abort", () => resolve("deadline"), { once: true });
  });
}

export async function probeDatasources(
  names: readonly string[],
  ctx: ProbeContext,
  deadline: AbortSignal,
  sources: ReadonlyMap<string, Datasource> = DATASOURCES,
): Promise<ProbeReport> {
  const report: ProbeReport = { sources: [] };
  let firstMetadata: ProbeReport["winner"];
  for (const name of names) {
    const started = performance.now();
    const done = (outcome: Outcome, detail: string) => {
      const ms = Math.round(performance.now() - started);
      report.sources.push({ name, outcome, ms, detail });
      const line = `datasource ${name}: ${outcome}${detail ? `: ${detail}` : ""} (${(ms / 1000).toFixed(2)} s)`;
      if (outcome === "failed") ctx.log.warn(line);
      else ctx.log.info(line);
    };
    const source = sources.get(name);
    if (!source) {
      done("failed", `unknown datasource (known: ${[...sources.keys()].join(", ")})`);
      continue;
    }
    if (deadline.aborted) {
      done("skipped", "the total deadline passed");
      continue;
    }
    try {
      const result = await Promise.race([source.probe(ctx), deadlinePassed(deadline)]);
      if (result === "deadline") {
        done("failed", "the total deadline passed while probing");
      } else if (result === "absent") {
        done("absent", "");
      } else {
        done(result.userdata ? "userdata" : "metadata", describe(result));
        if (result.userdata) {
          report.winner = { name, found: result };
          break;
        }
        firstMetadata ??= { name, found: result };
      }
    } catch (e) {
      done("failed", (e as Error).message);
    }
  }
  report.winner ??= firstMetadata;
  return report;
}
