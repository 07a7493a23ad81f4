// k3s's rule for --kube-apiserver-arg, --kubelet-arg and the like: each `flag=value` replaces the
// default of that flag; `flag+=value` adds to the default (another occurrence of the flag);
// `flag-=value` puts the value before the default; repeating a flag keeps every occurrence.
// The result is sorted by flag name, values of one flag in order, as `--flag=value`.

export type ArgMap = Record<string, string>;

export function splitExtraArg(raw: string): { name: string; value: string } {
  const trimmed = raw.replace(/^--?/, "");
  const eq = trimmed.indexOf("=");
  // A bare flag means true, as in k3s.
  return eq < 0 ? { name: trimmed, value: "true" } : { name: trimmed.slice(0, eq), value: trimmed.slice(eq + 1) };
}

export function buildArgs(defaults: ArgMap, extra: readonly string[]): string[] {
  const initial = new Map(Object.entries(defaults));
  const values = new Map<string, string[]>();
  for (const raw of extra) {
    const { name, value } = splitExtraArg(raw);
    const clean = name.replace(/[+-]+$/, "");
    const initialValue = initial.get(clean);
    const existing = values.get(clean) ?? [];
    let next: string[];
    if (name.endsWith("+")) next = [...(initialValue !== undefined ? [initialValue] : []), ...existing, value];
    else if (name.endsWith("-")) next = [value, ...(initialValue !== undefined ? [initialValue] : []), ...existing];
    else next = [...existing, value];
    initial.delete(clean);
    values.set(clean, next);
  }
  for (const [k, v] of initial) values.set(k, [v]);
  const out: string[] = [];
  for (const k of [...values.keys()].sort()) for (const v of values.get(k)!) out.push(`--${k}=${v}`);
  return out;
}
