// What each file of server/manifests/ last applied, kept in server/deployed-manifests.json, so the
// deployer can do what k3s's deploy controller does with its Addon objects: delete the objects a
// changed file no longer holds, and delete everything a `--disable`d bundled file applied. A file
// removed by hand keeps its objects, as k3s documents ("Deleting files out of this directory will
// not delete the corresponding resources from the cluster").
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** relative file name -> the objects its last successful apply created or updated. */
export type AppliedState = Record<string, ObjectRef[]>;

export function loadAppliedState(file: string): AppliedState {
  if (!existsSync(file)) return {};
  try {
    const v: unknown = JSON.parse(readFileSync(file, "utf8"));
    return v !== null && typeof v === "object" ? (v as AppliedState) : {};
  } catch {
    // A torn or hand-edited file: start over; the next applies record again.
    return {};
  }
}

export function saveAppliedState(file: string, state: AppliedState): void {
  writeFileAtomicSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** The objects in `kubectl apply -o json` output: one object, or a List of several. */
export function parseAppliedObjects(stdout: string): ObjectRef[] {
  if (stdout.trim() === "") return [];
  const v = JSON.parse(stdout) as { kind?: string; items?: unknown[] };
  const objs = (v.kind === "List" && Array.isArray(v.items) ? v.items : [v]) as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }[];
  return objs
    .filter((o) => o.kind && o.apiVersion && o.metadata?.name)
    .map((o) => ({ apiVersion: o.apiVersion!, kind: o.kind!, name: o.metadata!.name!, ...(o.metadata!.namespace ? { namespace: o.metadata!.namespace } : {}) }));
}

const refKey = (r: ObjectRef) => `${r.apiVersion}|${r.kind}|${r.namespace ?? ""}|${r.name}`;

/** Objects in `before` and not in `after`. */
export function droppedObjects(before: ObjectRef[], after: ObjectRef[]): ObjectRef[] {
  const keep = new Set(after.map(refKey));
  return before.filter((r) => !keep.has(refKey(r)));
}

/** kubectl's name of an object: Kind.version.group/name, or Kind/name in the core group (kubectl
 * would read a two-part Kind.v1 as a group named v1). */
export function kubectlRef(r: ObjectRef): string {
  const slash = r.apiVersion.indexOf("/");
  return slash < 0 ? `${r.kind}/${r.name}` : `${r.kind}.${r.apiVersion.slice(slash + 1)}.${r.apiVersion.slice(0, slash)}/${r.name}`;
}

/** argv (after kubectl --kubeconfig X) deleting one object; gone already is no error. */
export function deleteArgs(r: ObjectRef): string[] {
  return ["delete", "--ignore-not-found", "--wait=false", ...(r.namespace ? ["-n", r.namespace] : []), kubectlRef(r)];
}
