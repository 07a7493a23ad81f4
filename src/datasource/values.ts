// Small readers shared by the sources: the first request that decides absent vs present, and the
// plain-text and JSON shapes metadata servers answer with.
import { UnreachableError, type RequestOptions } from "./http.ts";
import type { ProbeContext } from "./types.ts";

/**
 * The GET that tells whether the source is here: nothing answering, or a 404 (another cloud's
 * server on the same link-local address knows nothing of this path), means absent.
 */
export async function getOrAbsent(ctx: ProbeContext, url: string, opts: RequestOptions = {}): Promise<Buffer | "absent"> {
  try {
    return (await ctx.http.get(url, opts)) ?? "absent";
  } catch (e) {
    if (e instanceof UnreachableError) {
      ctx.log.debug(e.message);
      return "absent";
    }
    throw e;
  }
}

/** A hostname as metadata servers send it: the first line, trimmed; undefined when empty. */
export function hostnameOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const line = String(value).split("\n")[0]?.trim() ?? "";
  return line === "" ? undefined : line;
}

/** authorized_keys text: one key a line, blanks and comments dropped. */
export function keyLines(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/** Strings of a list, or of a map's values (the shapes public keys come in); others dropped. */
export function stringsOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value && typeof value === "object" ? Object.values(value) : typeof value === "string" ? [value] : [];
  return items.filter((v): v is string => typeof v === "string").flatMap(keyLines);
}

export function parseJson(body: Buffer, label: string): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new Error(`${label}: not valid JSON (${(e as Error).message})`);
  }
}

export function parseJsonObject(body: Buffer, label: string): Record<string, unknown> {
  const data = parseJson(body, label);
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error(`${label}: expected a JSON object`);
  return data as Record<string, unknown>;
}
