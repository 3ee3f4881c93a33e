/**
 * PKCS#10 certificate signing requests (RFC 2986): a node builds one to prove it holds its key;
 * the CA parses it and checks the self-signature before it issues anything.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '../api';
import {
  bitString,
  children,
  decode,
  expectTag,
  implicit,
  integer,
  readBitStringBytes,
  readInteger,
  readOid,
  sequence,
  Tag,
} from './der';
import { generateNodeKey, loadPrivateKey, privateKeyToPem, spkiDer } from './keys';
import { OID } from './oids';
import { fromPem, toPem } from './pem';
import { ecdsaSha256Algorithm, signSha256 } from './certificate-builder';
import { encodeName, parseName, type NameAttribute } from './x509-name';

/** A request and the private key it was made for (PKCS#8 PEM). */
export interface CsrWithKey {
  readonly csrPem: string;
  readonly keyPem: string;
}

/** Options for createCsr. */
export interface CreateCsrOptions {
  /** Existing key (PEM or KeyObject) to certify; default: a fresh P-256 key. */
  readonly key?: string | Buffer | KeyObject;
  /** Subject CN. The CA decides the real subject, so this is informational; default "swarm-node". */
  readonly commonName?: string;
}

/** Builds and self-signs a CSR (ecdsa-with-SHA256, no attributes). */
export function createCsr(options: CreateCsrOptions = {}): CsrWithKey {
  const key =
    options.key === undefined
      ? generateNodeKey()
      : typeof options.key === 'string' || Buffer.isBuffer(options.key)
        ? loadPrivateKey(options.key)
        : options.key;
  const info = sequence(
    integer(0),
    encodeName([{ oid: OID.commonName, value: options.commonName ?? 'swarm-node' }]),
    spkiDer(key),
    implicit(0, Buffer.alloc(0), true), // attributes: empty SET
  );
  const der = sequence(info, ecdsaSha256Algorithm(), bitString(signSha256(info, key)));
  return { csrPem: toPem(der, 'CERTIFICATE REQUEST'), keyPem: privateKeyToPem(key) };
}

/** What the CA learns from a verified CSR. */
export interface ParsedCsr {
  readonly subject: NameAttribute[];
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER, copied as-is into the certificate. */
  readonly subjectPublicKeyInfo: Buffer;
}

/**
 * Parses a PEM CSR and verifies its self-signature. Throws InvalidArgumentError ("csr: ...") when it
 * is malformed, not ECDSA P-256 / SHA-256, or its signature does not verify.
 */
export function parseAndVerifyCsr(csrPem: string | Buffer): ParsedCsr {
  const der = fromPem(csrPem, 'CERTIFICATE REQUEST', 'csr');
  try {
    const [info, alg, sig] = children(expectTag(decode(der), Tag.SEQUENCE, 'CertificationRequest'));
    const [version, subject, spki, attrs] = children(expectTag(info, Tag.SEQUENCE, 'CertificationRequestInfo'));
    if (readInteger(expectTag(version, Tag.INTEGER, 'version')) !== 0n)
      throw new InvalidArgumentError('csr: version must be 0');
    if (!attrs || attrs.tag !== 0xa0) throw new InvalidArgumentError('csr: missing attributes');
    const [algId] = children(expectTag(alg, Tag.SEQUENCE, 'signatureAlgorithm'));
    if (readOid(algId!) !== OID.ecdsaWithSha256)
      throw new InvalidArgumentError('csr: signature algorithm must be ecdsa-with-SHA256');
    const spkiRaw = Buffer.from(expectTag(spki, Tag.SEQUENCE, 'subjectPKInfo').raw);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: spkiRaw, format: 'der', type: 'spki' });
    } catch (err) {
      throw new InvalidArgumentError('csr: unreadable public key', { cause: err });
    }
    if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new InvalidArgumentError('csr: public key must be ECDSA P-256');
    }
    const signature = readBitStringBytes(sig!);
    if (!verify('sha256', info!.raw, { key: publicKey, dsaEncoding: 'der' }, signature)) {
      throw new InvalidArgumentError('csr: signature does not verify');
    }
    return { subject: parseName(subject!), publicKey, subjectPublicKeyInfo: spkiRaw };
  } catch (err) {
    if (err instanceof InvalidArgumentError) {
      throw err.message.startsWith('csr:') ? err : new InvalidArgumentError(`csr: ${err.message}`, { cause: err });
    }
    throw new InvalidArgumentError('csr: unreadable', { cause: err });
  }
}
