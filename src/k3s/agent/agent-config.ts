// The cluster settings a server hands a joining agent (GET /v1-k3s/config) and a joining server
// compares with its own: their shape, in one schema both sides use. The reply comes from the
// network, so the agent validates it before any of it reaches a component's arguments.
import { z } from "zod";
import type { Settings } from "../cli/settings.ts";

export const AGENT_CONFIG_KEYS = ["clusterCidr", "serviceCidr", "clusterDns", "clusterDomain", "flannelBackend", "serviceNodePortRange"] as const;

/** The cluster settings an agent must share with the servers. */
export type AgentConfig = Pick<Settings, (typeof AGENT_CONFIG_KEYS)[number]>;

// Loose on purpose (strings, not CIDRs): the server validated these as its own settings, and the
// agent's own checks (settings.ts) cover what it passes on. This guards the shape.
export const agentConfigSchema = z.object({
  clusterCidr: z.array(z.string()).min(1),
  serviceCidr: z.array(z.string()).min(1),
  clusterDns: z.array(z.string()).min(1),
  clusterDomain: z.string().min(1),
  flannelBackend: z.enum(["vxlan", "host-gw", "none"]),
  serviceNodePortRange: z.string().regex(/^\d+-\d+$/),
}) satisfies z.ZodType<AgentConfig>;

/** Only those: the settings also hold the tokens, which must never reach an agent. */
export function pickAgentConfig(s: AgentConfig): AgentConfig {
  return Object.fromEntries(AGENT_CONFIG_KEYS.map((k) => [k, s[k]])) as AgentConfig;
}
