/** ECDSA P-256 keys: generation, PEM and the key identifiers certificates carry. */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '../api';
import { children, decode, expectTag, readBitStringBytes, Tag } from './der';

/** A fresh ECDSA P-256 private key. */
export function generateNodeKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

/** A private key as PKCS#8 PEM ("PRIVATE KEY"). */
export function privateKeyToPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Loads a PEM private key, refusing anything but ECDSA P-256. */
export function loadPrivateKey(pem: string | Buffer, field = 'key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new InvalidArgumentError(`${field}: not a PEM private key`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new InvalidArgumentError(`${field}: must be an ECDSA P-256 key`);
  }
  return key;
}

/** SubjectPublicKeyInfo DER of a private or public key. */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/**
 * Key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1), so the CA's
 * subjectKeyIdentifier and its children's authorityKeyIdentifier agree.
 */
export function keyIdentifier(spki: Buffer): Buffer {
  const [, bits] = children(expectTag(decode(spki), Tag.SEQUENCE, 'SubjectPublicKeyInfo'));
  return createHash('sha1')
    .update(readBitStringBytes(expectTag(bits, Tag.BIT_STRING, 'subjectPublicKey')))
    .digest();
}
