/** PEM armour (RFC 7468) for DER blobs. */
import { InvalidArgumentError } from '../api';

/** Wraps DER in a PEM block with 64-column base64 lines. */
export function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * The DER of the first PEM block with this label. Throws InvalidArgumentError naming `field`
 * when there is none or its base64 is damaged.
 */
export function fromPem(pem: string | Buffer, label: string, field = label.toLowerCase()): Buffer {
  const text = typeof pem === 'string' ? pem : pem.toString('latin1');
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*?)-----END ${label}-----`);
  const m = re.exec(text);
  if (!m) throw new InvalidArgumentError(`${field}: no PEM block "${label}"`);
  const body = m[1]!.replace(/\s+/g, '');
  if (body.length === 0 || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new InvalidArgumentError(`${field}: bad base64 in PEM block "${label}"`);
  }
  return Buffer.from(body, 'base64');
}
