// Certificates with @peculiar/x509, checked with node's own X509Certificate. Lifetimes as k3s:
// CAs 10 years, leaf certificates 1 year, renewed at start when within 90 days of expiry.
import "reflect-metadata";
import { randomBytes, X509Certificate, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { EC_ALGORITHM, type KeyPair } from "./keys.ts";
import { parseIp } from "../util/net-util.ts";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const CA_VALID_DAYS = 3650;
export const CERT_VALID_DAYS = 365;
export const RENEW_WITHIN_DAYS = 90;
const DAY_MS = 86_400_000;

export type Usage = "client" | "server";

export interface CertSpec {
  commonName: string;
  organization?: string[];
  dnsNames?: string[];
  ips?: string[];
  usages: Usage[];
}

export interface CaMaterial {
  certPem: string;
  key: KeyPair;
}

function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // a positive INTEGER
  return b.toString("hex");
}

function subjectName(spec: { commonName: string; organization?: string[] }): x509.JsonName {
  const name: x509.JsonName = [];
  for (const o of spec.organization ?? []) name.push({ O: [o] });
  name.push({ CN: [spec.commonName] });
  return name;
}

/** A self-signed CA certificate; the subject key signs it. */
export async function createCaCert(commonName: string, key: KeyPair, now: Date): Promise<string> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subjectName({ commonName }),
    notBefore: now,
    notAfter: new Date(now.getTime() + CA_VALID_DAYS * DAY_MS),
    signingAlgorithm: EC_ALGORITHM,
    keys: { privateKey: key.privateKey, publicKey: key.publicKey },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(key.publicKey),
    ],
  });
  return pemWithNewline(cert.toString("pem"));
}

/** A leaf certificate for `subject`'s key, signed by the CA, valid from the CA's start as Go's certutil does. */
export async function signCert(spec: CertSpec, subject: KeyPair, ca: CaMaterial, now: Date): Promise<string> {
  const caCert = new x509.X509Certificate(firstCertPem(ca.certPem));
  const ekus = spec.usages.map((u) => (u === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  const names: x509.JsonGeneralName[] = [
    ...(spec.dnsNames ?? []).map((v) => ({ type: "dns" as const, value: v })),
    ...(spec.ips ?? []).map((v) => ({ type: "ip" as const, value: v })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(ekus),
    await x509.SubjectKeyIdentifierExtension.create(subject.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.key.publicKey),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subjectName(spec),
    issuer: caCert.subject,
    notBefore: caCert.notBefore,
    notAfter: new Date(now.getTime() + CERT_VALID_DAYS * DAY_MS),
    signingAlgorithm: EC_ALGORITHM,
    signingKey: ca.key.privateKey,
    publicKey: subject.publicKey,
    extensions,
  });
  return pemWithNewline(cert.toString("pem"));
}

function pemWithNewline(pem: string): string {
  return pem.endsWith("\n") ? pem : `${pem}\n`;
}

export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function firstCertPem(pem: string): string {
  const first = splitPem(pem)[0];
  if (!first) throw new Error("no certificate in PEM data");
  return `${first}\n`;
}

export function expiresWithin(certPem: string, now: Date, days: number): boolean {
  const cert = new X509Certificate(firstCertPem(certPem));
  return new Date(cert.validTo).getTime() - now.getTime() < days * DAY_MS;
}

function subjectField(subject: string, field: string): string[] {
  return subject
    .split("\n")
    .filter((l) => l.startsWith(`${field}=`))
    .map((l) => l.slice(field.length + 1));
}

/** The SANs of a certificate as node prints them ("DNS:a, IP Address:1.2.3.4"). */
function sans(cert: X509Certificate): { dns: Set<string>; ips: Set<string> } {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const part of (cert.subjectAltName ?? "").split(", ")) {
    if (part.startsWith("DNS:")) dns.add(part.slice(4));
    else if (part.startsWith("IP Address:")) ips.add(normalizeIp(part.slice(11)));
  }
  return { dns, ips };
}

/** One spelling per address, so 0:0:0:0:0:0:0:1 (as node prints SANs) equals ::1. */
function normalizeIp(ip: string): string {
  const p = parseIp(ip);
  return `${p.family}/${p.value}`;
}

/**
 * Why a certificate must be made again, or undefined when it is still good: k3s renews when it
 * expires within 90 days, when its name or organizations changed, when a wanted SAN is missing,
 * and when it was not signed by the current CA.
 */
export function renewalReason(certPem: string, spec: CertSpec, caPem: string, now: Date): string | undefined {
  const cert = new X509Certificate(firstCertPem(certPem));
  const ca = new X509Certificate(firstCertPem(caPem));
  if (expiresWithin(certPem, now, RENEW_WITHIN_DAYS)) return `expires ${cert.validTo}`;
  if (subjectField(cert.subject, "CN")[0] !== spec.commonName) return "common name changed";
  const orgs = subjectField(cert.subject, "O").sort().join(",");
  if (orgs !== [...(spec.organization ?? [])].sort().join(",")) return "organizations changed";
  const have = sans(cert);
  const missingDns = (spec.dnsNames ?? []).find((d) => !have.dns.has(d));
  if (missingDns) return `SAN ${missingDns} missing`;
  const missingIp = (spec.ips ?? []).find((ip) => !have.ips.has(normalizeIp(ip)));
  if (missingIp) return `SAN ${missingIp} missing`;
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return "not signed by the current CA";
  return undefined;
}
