/**
 * Join tokens in Docker's format: `SWMTKN-1-<ca digest>-<secret>`, where the digest is the SHA-256
 * of the root CA certificate's DER written in base 36 and zero-padded to 50 characters
 * (ceil(log36(2^256))), and the secret is 16 random bytes in base 36 zero-padded to 25 characters
 * (ceil(log36(2^128))). The digest lets a joining node check the CA it is offered before trusting
 * it; the secret is what the CA checks before issuing a certificate.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InternalError, InvalidArgumentError } from '../api';
import { certificateDigest, type CertificateInput } from './certificate-reader';
import type { NodeRole } from './node-role';

/** Token prefix with the only format version produced and accepted. */
export const JOIN_TOKEN_PREFIX = 'SWMTKN-1-';
/** Characters of the base-36 CA digest. */
export const JOIN_TOKEN_DIGEST_LENGTH = 50;
/** Characters of the base-36 secret. */
export const JOIN_TOKEN_SECRET_LENGTH = 25;
/** Total token length: prefix + digest + '-' + secret = 85. */
export const JOIN_TOKEN_LENGTH = JOIN_TOKEN_PREFIX.length + JOIN_TOKEN_DIGEST_LENGTH + 1 + JOIN_TOKEN_SECRET_LENGTH;

const SECRET_BYTES = 16;
const TOKEN_RE = new RegExp(
  `^SWMTKN-1-([0-9a-z]{${JOIN_TOKEN_DIGEST_LENGTH}})-([0-9a-z]{${JOIN_TOKEN_SECRET_LENGTH}})$`,
);

/** A parsed token. */
export interface ParsedJoinToken {
  readonly version: 1;
  /** SHA-256 of the root CA certificate DER, 64 lower-case hex characters. */
  readonly caDigest: string;
  /** The 25-character base-36 secret. */
  readonly secret: string;
}

/** The worker and manager tokens of a cluster. */
export interface JoinTokens {
  readonly worker: string;
  readonly manager: string;
}

function base36(bytes: Buffer, width: number): string {
  return BigInt('0x' + (bytes.length ? bytes.toString('hex') : '0'))
    .toString(36)
    .padStart(width, '0');
}

/** A new token for the CA certificate, with a fresh secret. `random` is for tests. */
export function generateJoinToken(caCert: CertificateInput, random: (n: number) => Buffer = randomBytes): string {
  const digest = Buffer.from(certificateDigest(caCert), 'hex');
  const secret = random(SECRET_BYTES);
  if (secret.length !== SECRET_BYTES) throw new RangeError('random must return 16 bytes');
  return `${JOIN_TOKEN_PREFIX}${base36(digest, JOIN_TOKEN_DIGEST_LENGTH)}-${base36(secret, JOIN_TOKEN_SECRET_LENGTH)}`;
}

/**
 * Splits and validates a token. Throws InvalidArgumentError "invalid join token" for anything not
 * exactly `SWMTKN-1-` + 50 base-36 chars (a value below 2^256) + `-` + 25 base-36 chars (below 2^128).
 */
export function parseJoinToken(token: unknown): ParsedJoinToken {
  const m = typeof token === 'string' ? TOKEN_RE.exec(token) : null;
  if (!m) throw new InvalidArgumentError('invalid join token');
  const digest = parseBase36(m[1]!);
  const secret = parseBase36(m[2]!);
  if (digest >= 1n << 256n || secret >= 1n << 128n) throw new InvalidArgumentError('invalid join token');
  return { version: 1, caDigest: digest.toString(16).padStart(64, '0'), secret: m[2]! };
}

function parseBase36(text: string): bigint {
  let n = 0n;
  for (const c of text) n = n * 36n + BigInt(parseInt(c, 36));
  return n;
}

/** A new token different from every one in `avoid`; a random source that keeps repeating is an error. */
function freshToken(caCert: CertificateInput, random: (n: number) => Buffer, avoid: readonly string[]): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    const token = generateJoinToken(caCert, random);
    if (!avoid.includes(token)) return token;
  }
  throw new InternalError('join token: the random source keeps returning the same secret');
}

/** Fresh worker and manager tokens for the CA, with distinct secrets. */
export function createJoinTokens(caCert: CertificateInput, random: (n: number) => Buffer = randomBytes): JoinTokens {
  const worker = freshToken(caCert, random, []);
  return { worker, manager: freshToken(caCert, random, [worker]) };
}

/**
 * Tokens after rotating the chosen ones: a rotated token gets a new secret and the (current) CA's
 * digest; the other keeps its value. The two secrets stay distinct.
 */
export function rotateJoinTokens(
  tokens: JoinTokens,
  caCert: CertificateInput,
  which: { readonly worker?: boolean; readonly manager?: boolean },
  random: (n: number) => Buffer = randomBytes,
): JoinTokens {
  const worker = which.worker ? freshToken(caCert, random, [tokens.worker, tokens.manager]) : tokens.worker;
  const manager = which.manager ? freshToken(caCert, random, [tokens.manager, worker]) : tokens.manager;
  return { worker, manager };
}

/** Constant-time string equality (both sides hashed first so lengths never leak). */
export function tokensEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/**
 * The role a presented token grants, or undefined if it matches neither. Both comparisons always
 * run, in constant time, so timing does not tell which token was close.
 */
export function matchJoinToken(presented: string, tokens: JoinTokens): NodeRole | undefined {
  const isWorker = tokensEqual(presented, tokens.worker);
  const isManager = tokensEqual(presented, tokens.manager);
  return isManager ? 'manager' : isWorker ? 'worker' : undefined;
}

/**
 * On a joining node: checks that the CA certificate a manager offered is the one the token pins.
 * Throws InvalidArgumentError "invalid join token" for a malformed token, and InvalidArgumentError
 * "remote CA does not match the join token's digest ..." when the CA differs.
 */
export function verifyCaAgainstToken(caCert: CertificateInput, token: string): void {
  const { caDigest } = parseJoinToken(token);
  const actual = certificateDigest(caCert);
  if (!timingSafeEqual(Buffer.from(actual, 'hex'), Buffer.from(caDigest, 'hex'))) {
    throw new InvalidArgumentError(
      `remote CA does not match the join token's digest (expected sha256:${caDigest}, got sha256:${actual})`,
    );
  }
}
