/**
 * Assembles and signs X.509 v3 certificates (RFC 5280 §4.1) with ECDSA P-256 / SHA-256.
 * Callers choose names, validity and extensions; this file knows only the layout.
 */
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString,
  boolean,
  explicit,
  ia5String,
  implicit,
  integer,
  namedBits,
  octetString,
  oid,
  sequence,
  x509Time,
} from './der';
import { OID } from './oids';

/** AlgorithmIdentifier for ecdsa-with-SHA256: parameters absent (RFC 5758 §3.2). */
export function ecdsaSha256Algorithm(): Buffer {
  return sequence(oid(OID.ecdsaWithSha256));
}

/** Signs `data` with the key and returns the DER ECDSA signature. */
export function signSha256(data: Buffer, key: KeyObject): Buffer {
  return sign('sha256', data, { key, dsaEncoding: 'der' });
}

/** A positive random 16-byte serial number (RFC 5280 §4.1.2.2 allows up to 20 octets). */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  if (serial.every((b) => b === 0)) serial[15] = 1;
  return serial;
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** basicConstraints (critical): CA:TRUE or CA:FALSE (the empty SEQUENCE, cA's default). */
export function basicConstraints(ca: boolean): Buffer {
  return extension(OID.basicConstraints, true, ca ? sequence(boolean(true)) : sequence());
}

/** keyUsage (critical) with the given bit numbers (see KeyUsageBit). */
export function keyUsage(bits: number[]): Buffer {
  return extension(OID.keyUsage, true, namedBits(bits));
}

/** extKeyUsage with the given purpose OIDs. */
export function extKeyUsage(purposes: string[]): Buffer {
  return extension(OID.extKeyUsage, false, sequence(...purposes.map((p) => oid(p))));
}

/** subjectKeyIdentifier. */
export function subjectKeyIdentifier(keyId: Buffer): Buffer {
  return extension(OID.subjectKeyIdentifier, false, octetString(keyId));
}

/** authorityKeyIdentifier carrying only keyIdentifier [0]. */
export function authorityKeyIdentifier(keyId: Buffer): Buffer {
  return extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, keyId, false)));
}

/** IPv4/IPv6 text to the 4 or 16 octets an iPAddress GeneralName holds. */
export function ipToBytes(ip: string): Buffer {
  const family = isIP(ip);
  if (family === 4) return Buffer.from(ip.split('.').map((p) => Number(p)));
  if (family !== 6) throw new RangeError(`not an IP address: ${ip}`);
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4) {
    tail = v4[1]!.split('.').map((p) => Number(p));
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length) out.set(tail, 12);
  return out;
}

/** subjectAltName with dNSName [2] and iPAddress [7] entries. */
export function subjectAltName(dnsNames: readonly string[], ipAddresses: readonly string[]): Buffer {
  const names = [
    ...dnsNames.map((d) => implicit(2, ia5String(d).subarray(2), false)),
    ...ipAddresses.map((ip) => implicit(7, ipToBytes(ip), false)),
  ];
  return extension(OID.subjectAltName, false, sequence(...names));
}

/** What goes into one certificate. Names and the public key are already DER. */
export interface CertificateFields {
  readonly serial: Buffer;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectPublicKeyInfo: Buffer;
  readonly extensions: readonly Buffer[];
}

/** Builds the TBSCertificate, signs it with the issuer's key and returns the certificate DER. */
export function buildCertificate(fields: CertificateFields, issuerKey: KeyObject): Buffer {
  const algorithm = ecdsaSha256Algorithm();
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(fields.serial),
    algorithm,
    fields.issuer,
    sequence(x509Time(fields.notBefore), x509Time(fields.notAfter)),
    fields.subject,
    fields.subjectPublicKeyInfo,
    explicit(3, sequence(...fields.extensions)),
  );
  return sequence(tbs, algorithm, bitString(signSha256(tbs, issuerKey)));
}
