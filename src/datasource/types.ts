// What every datasource returns and what it is given. A source either answers (metadata, maybe
// userdata) or is absent; an error while it answers is a failure of that source only, never of the
// boot.
import type { Runner } from "../exec/runner.ts";
import type { Logger } from "../system/log.ts";
import type { MetadataHttp } from "./http.ts";

export interface Found {
  hostname?: string;
  sshKeys: string[];
  /** Raw userdata as served (YAML config, `#cloud-config`, or a `#!` script); undefined when none. */
  userdata?: Buffer;
}

export type ProbeResult = Found | "absent";

export interface ProbeContext {
  http: MetadataHttp;
  runner: Runner;
  /** The node's root: the cdrom source looks for /dev/disk/by-label and mounts under <root>/run. */
  root: string;
  log: Logger;
  /** Milliseconds left of the total deadline (commands run with it as their timeout). */
  remainingMs(): number;
  /** Overrides every HTTP source's base URL (tests, or a metadata proxy); no trailing slash. */
  baseUrl?: string;
}

export interface Datasource {
  readonly name: string;
  probe(ctx: ProbeContext): Promise<ProbeResult>;
}
