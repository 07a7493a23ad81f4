// Load-or-create for CAs, keys and leaf certificates on disk, with k3s's renewal rules. Keys survive
// a renewal (agents and kubeconfigs keep working); a new CA forces new leaves.
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";
import type { Logger } from "../../system/log.ts";
import { createCaCert, expiresWithin, firstCertPem, renewalReason, signCert, RENEW_WITHIN_DAYS, type CaMaterial, type CertSpec } from "./certs.ts";
import { generateEcKeyPem, importEcKey, type KeyPair } from "./keys.ts";

export interface PemPair {
  crt: string;
  key: string;
}

export interface StoreContext {
  now: Date;
  log: Logger;
  /** Paths (re)written during this run, for logs and tests. */
  written: string[];
}

export async function loadOrCreateKey(path: string, ctx: StoreContext, regenerate = false): Promise<KeyPair> {
  if (!regenerate && existsSync(path)) return importEcKey(readFileSync(path, "utf8"));
  const pem = generateEcKeyPem();
  writeFileAtomicSync(path, pem, { mode: 0o600 });
  ctx.written.push(path);
  return importEcKey(pem);
}

/**
 * A CA made once and kept: renewing a CA silently would cut off every joined node, so one close to
 * expiry is only reported (k3s rotates CAs with an explicit command).
 */
export async function ensureCa(files: PemPair, cnPrefix: string, ctx: StoreContext): Promise<CaMaterial & { created: boolean }> {
  if (existsSync(files.crt) && existsSync(files.key)) {
    const certPem = readFileSync(files.crt, "utf8");
    if (expiresWithin(certPem, ctx.now, RENEW_WITHIN_DAYS)) {
      ctx.log.warn(`CA ${files.crt} expires within ${RENEW_WITHIN_DAYS} days; it is not renewed automatically`);
    }
    return { certPem, key: await importEcKey(readFileSync(files.key, "utf8")), created: false };
  }
  const key = await loadOrCreateKey(files.key, ctx);
  const certPem = await createCaCert(`${cnPrefix}-ca@${Math.floor(ctx.now.getTime() / 1000)}`, key, ctx.now);
  writeFileAtomicSync(files.crt, certPem, { mode: 0o644 });
  ctx.written.push(files.crt);
  return { certPem, key, created: true };
}

/**
 * A leaf certificate, (re)made when missing, when the CA was just made, or for any of k3s's renewal
 * reasons. The file holds the leaf then the CA, as k3s writes it. Returns whether it was (re)made.
 */
export async function ensureLeaf(files: PemPair, spec: CertSpec, ca: CaMaterial & { created: boolean }, ctx: StoreContext): Promise<boolean> {
  let reason: string | undefined;
  if (ca.created) reason = "new CA";
  else if (!existsSync(files.crt) || !existsSync(files.key)) reason = "missing";
  else reason = renewalReason(readFileSync(files.crt, "utf8"), spec, ca.certPem, ctx.now);
  if (!reason) return false;
  if (reason !== "missing" && reason !== "new CA") ctx.log.info(`renewing ${files.crt}: ${reason}`);
  const key = await loadOrCreateKey(files.key, ctx, ca.created && !existsSync(files.crt));
  const leaf = await signCert(spec, key, ca, ctx.now);
  writeFileAtomicSync(files.crt, leaf + firstCertPem(ca.certPem), { mode: 0o644 });
  ctx.written.push(files.crt);
  return true;
}
