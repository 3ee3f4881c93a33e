/** Reads the parts of a certificate the PKI needs that node:crypto does not hand out as DER. */
import { X509Certificate } from 'node:crypto';
import { InvalidArgumentError } from '../api';
import { children, decode, expectTag, Tag } from './der';
import { fromPem } from './pem';
import { parseName, type NameAttribute } from './x509-name';

/** A certificate in any of the forms callers hold. `{ raw }` is what TLSSocket.getPeerCertificate() returns. */
export type CertificateInput = string | Buffer | X509Certificate | { readonly raw: Buffer };

/** The certificate as an X509Certificate; throws InvalidArgumentError naming `field` if unreadable. */
export function toX509(cert: CertificateInput, field = 'certificate'): X509Certificate {
  if (cert instanceof X509Certificate) return cert;
  try {
    if (typeof cert === 'string') return new X509Certificate(fromPem(cert, 'CERTIFICATE', field));
    if (Buffer.isBuffer(cert)) {
      const der = cert.subarray(0, 11).toString('latin1').startsWith('-----BEGIN')
        ? fromPem(cert, 'CERTIFICATE', field)
        : cert;
      return new X509Certificate(der);
    }
    if (cert && Buffer.isBuffer(cert.raw)) return new X509Certificate(cert.raw);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`${field}: not an X.509 certificate`, { cause: err });
  }
  throw new InvalidArgumentError(`${field}: not an X.509 certificate`);
}

/** Raw DER pieces of a certificate's TBSCertificate. */
export interface CertificateParts {
  readonly subject: Buffer;
  readonly subjectAttributes: NameAttribute[];
  readonly subjectPublicKeyInfo: Buffer;
}

/** Splits a certificate's TBSCertificate (RFC 5280 §4.1) into the parts used to issue children. */
export function certificateParts(cert: CertificateInput): CertificateParts {
  const der = toX509(cert).raw;
  const [tbs] = children(expectTag(decode(der), Tag.SEQUENCE, 'Certificate'));
  const fields = children(expectTag(tbs, Tag.SEQUENCE, 'TBSCertificate'));
  // With the [0] version present: version, serial, signature, issuer, validity, subject, spki, ...
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = expectTag(fields[base + 4], Tag.SEQUENCE, 'subject');
  const spki = expectTag(fields[base + 5], Tag.SEQUENCE, 'subjectPublicKeyInfo');
  return {
    subject: Buffer.from(subject.raw),
    subjectAttributes: parseName(subject),
    subjectPublicKeyInfo: Buffer.from(spki.raw),
  };
}

/** Serial number as lower-case hex without leading zeros, the form the registry compares. */
export function normalizeSerial(serial: string): string {
  const hex = serial.replace(/:/g, '').toLowerCase().replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

/** SHA-256 of the certificate's DER, lower-case hex (the CA digest a join token pins). */
export function certificateDigest(cert: CertificateInput): string {
  return toX509(cert).fingerprint256.replace(/:/g, '').toLowerCase();
}
