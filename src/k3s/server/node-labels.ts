// The labels k3s puts on a server's Node (node-role.kubernetes.io/control-plane, .../master). The
// kubelet may not set them on itself (NodeRestriction), so the server applies them with its admin
// credentials once the Node is registered, retrying until then.
import type { Runner } from "../../exec/runner.ts";
import type { Logger } from "../../system/log.ts";
import { SERVER_NODE_LABELS } from "../control/node-plan.ts";

export async function labelServerNode(o: {
  runner: Runner;
  kubectl: string;
  kubeconfig: string;
  nodeName: string;
  log: Logger;
  attempts?: number;
  intervalMs?: number;
}): Promise<boolean> {
  const attempts = o.attempts ?? 120;
  for (let i = 0; i < attempts; i++) {
    const r = await o.runner
      .run([o.kubectl, "--kubeconfig", o.kubeconfig, "label", "node", o.nodeName, "--overwrite", ...SERVER_NODE_LABELS], { allowFailure: true })
      .catch((e: Error) => ({ exitCode: null, stderr: e.message }));
    if (r.exitCode === 0) {
      o.log.info(`labelled node ${o.nodeName} as a control-plane node`);
      return true;
    }
    // Expected while the Node has not registered yet, so debug only; a kubectl that cannot run says so.
    const why = `label node ${o.nodeName}: ${r.stderr.trim().split("\n").at(-1)}`;
    if (r.exitCode === null) o.log.warn(why);
    else o.log.debug(why);
    await new Promise((res) => setTimeout(res, o.intervalMs ?? 1000));
  }
  o.log.warn(`could not label node ${o.nodeName}: it did not register`);
  return false;
}
