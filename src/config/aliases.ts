// The alias table: which spellings of a key mean which schema field. It is computed once from the
// schema's field names by fixed rules and pinned by a unit test, so every accepted spelling is known:
//   snake_case (canonical), camelCase, lowercase joined (`runcmd`), kebab-case, and for lists and maps
//   the singular of each (`dns_nameserver`, `k3os.sysctl[...]`), plus the explicit extras below (`pass`, `ssid`, `efi`).
import type { z } from "zod";
import { shapeOf } from "./shape.ts";

/** Spellings that the rules above cannot derive, per field name. */
const EXTRA_ALIASES: Record<string, string[]> = {
  passphrase: ["pass", "psk"],
  name: ["ssid"],
  force_efi: ["efi"],
  ssh_authorized_keys: ["authorized_keys", "ssh_keys"],
};

function spellingsOf(field: string, isCollection: boolean): string[] {
  const forms = new Set<string>();
  const add = (snake: string) => {
    forms.add(snake);
    forms.add(snake.replaceAll("_", ""));
    forms.add(snake.replaceAll("_", "-"));
  };
  add(field);
  // Singular forms only for lists and maps, where k3OS accepted either (`dns_nameserver`, `sysctl`).
  if (isCollection && field.endsWith("s") && field.length > 1) add(field.slice(0, -1));
  for (const extra of EXTRA_ALIASES[field] ?? []) add(extra);
  return [...forms];
}

const tables = new WeakMap<z.ZodType, Map<string, string>>();

/** Lower-cased spelling → field name, for one object schema. */
export function aliasTable(objectSchema: z.ZodType): Map<string, string> {
  const cached = tables.get(objectSchema);
  if (cached) return cached;
  const shape = shapeOf(objectSchema);
  const table = new Map<string, string>();
  if (shape.kind === "object") {
    const fields = Object.keys(shape.fields);
    // Canonical names first, so a field's own name always wins over another field's alias.
    for (const f of fields) table.set(f, f);
    for (const f of fields) {
      const kind = shapeOf(shape.fields[f] as z.ZodType).kind;
      for (const s of spellingsOf(f, kind === "array" || kind === "record")) if (!table.has(s)) table.set(s, f);
    }
  }
  tables.set(objectSchema, table);
  return table;
}

/** The field a key means in this object schema, or undefined for an unknown key. */
export function resolveAlias(objectSchema: z.ZodType, key: string): string | undefined {
  return aliasTable(objectSchema).get(key.toLowerCase());
}
