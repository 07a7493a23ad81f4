// ssh_authorized_keys: the `rancher` user's ~/.ssh/authorized_keys. `github:USER` entries are
// fetched from GitHub (runtime phase only: there is no network before it); a fetch that fails is
// reported and every other key is still written. Keys already in the file are kept.
import type { Applier, ApplyContext } from "./context.ts";
import { readAccounts } from "../system/users.ts";

export const SSH_USER = "rancher";

export async function fetchGithubKeys(user: string, ctx: ApplyContext): Promise<string[]> {
  if (!/^[A-Za-z0-9-]{1,39}$/.test(user)) throw new Error(`ssh_authorized_keys: "github:${user}" is not a valid GitHub user name`);
  const url = ctx.githubKeysUrl(user);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(ctx.fetchTimeoutMs) });
  } catch (e) {
    const cause = (e as Error).name === "TimeoutError" ? `no answer within ${ctx.fetchTimeoutMs / 1000} s` : ((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message);
    throw new Error(`ssh_authorized_keys: cannot fetch keys of github:${user} from ${url}: ${cause}`);
  }
  if (!res.ok) throw new Error(`ssh_authorized_keys: cannot fetch keys of github:${user} from ${url}: HTTP ${res.status}`);
  return (await res.text()).split("\n").map((l) => l.trim()).filter(Boolean);
}

export const applySshKeys: Applier = async (config, ctx) => {
  const entries = config.ssh_authorized_keys ?? [];
  if (entries.length === 0) return;
  const keys: string[] = [];
  const errors: Error[] = [];
  for (const entry of entries) {
    const gh = /^github:(.*)$/i.exec(entry.trim());
    if (!gh) {
      keys.push(entry.trim());
      continue;
    }
    if (ctx.phase !== "runtime") {
      ctx.log.debug(`ssh_authorized_keys: ${entry} is fetched in the runtime phase, once the network is up`);
      continue;
    }
    try {
      keys.push(...(await fetchGithubKeys(gh[1] ?? "", ctx)));
    } catch (e) {
      errors.push(e as Error);
    }
  }
  const account = (await readAccounts(ctx.files)).find((a) => a.name === SSH_USER);
  if (!account) throw new Error(`ssh_authorized_keys: user "${SSH_USER}" is not in /etc/passwd`);
  const dir = `${account.home}/.ssh`;
  const file = `${dir}/authorized_keys`;
  const existing = ((await ctx.files.readText(file)) ?? "").split("\n").filter(Boolean);
  const merged = [...existing, ...keys.filter((k) => k && !existing.includes(k))];
  const unique = merged.filter((k, i) => merged.indexOf(k) === i);
  await ctx.files.mkdir(dir, { mode: 0o700, uid: account.uid, gid: account.gid });
  await ctx.files.write(file, `${unique.join("\n")}\n`, { mode: 0o600, uid: account.uid, gid: account.gid });
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join("; "));
};
