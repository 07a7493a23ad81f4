// Private keys as k3s writes them: ECDSA P-256 in SEC1 PEM ("EC PRIVATE KEY") for certificates, RSA
// 2048 in PKCS#1 PEM for the service-account signing key. Kubernetes' keyutil reads the public half
// of an EC key only from SEC1, so PKCS#8 would break --service-account-key-file.
import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from "node:crypto";

export const EC_ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface KeyPair {
  pem: string;
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
}

export function generateEcKeyPem(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return privateKey.export({ type: "sec1", format: "pem" }).toString();
}

export function generateRsaKeyPem(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

/** Imports a PEM EC key into WebCrypto keys, which @peculiar/x509 signs with. */
export async function importEcKey(pem: string): Promise<KeyPair> {
  const obj: KeyObject = createPrivateKey(pem);
  if (obj.asymmetricKeyType !== "ec") throw new Error(`expected an EC private key, got ${obj.asymmetricKeyType}`);
  const der = obj.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(obj).export({ type: "spki", format: "der" });
  const privateKey = await webcrypto.subtle.importKey("pkcs8", der, EC_ALGORITHM, true, ["sign"]);
  const publicKey = await webcrypto.subtle.importKey("spki", spki, EC_ALGORITHM, true, ["verify"]);
  return { pem, privateKey, publicKey };
}

/** The PEM of the public half of a key, e.g. to compare a certificate's key with a key file. */
export function publicKeyPem(privatePem: string): string {
  return createPublicKey(createPrivateKey(privatePem)).export({ type: "spki", format: "pem" }).toString();
}
