// OpenStack's meta_data.json, the same document on the metadata server and on a config-2 drive:
// "hostname", and public keys as "public_keys" (name → key) and/or "keys" ([{type, data}]).
import type { Found } from "./types.ts";
import { hostnameOf, parseJsonObject, stringsOf } from "./values.ts";

export function parseOpenstackMetadata(body: Buffer, label: string): Omit<Found, "userdata"> {
  const data = parseJsonObject(body, label);
  const keys = stringsOf(data.public_keys);
  if (Array.isArray(data.keys)) {
    for (const k of data.keys) if (k && typeof k === "object" && typeof (k as { data?: unknown }).data === "string") keys.push(...stringsOf((k as { data: string }).data));
  }
  const hostname = hostnameOf(data.hostname) ?? hostnameOf(data.name);
  return { ...(hostname ? { hostname } : {}), sshKeys: [...new Set(keys)] };
}
