import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import {
  createJoinTokens,
  createRootCa,
  generateJoinToken,
  JOIN_TOKEN_LENGTH,
  matchJoinToken,
  parseJoinToken,
  rotateJoinTokens,
  tokensEqual,
  verifyCaAgainstToken,
} from '../../../src/pki';

describe('pki/join-token (SWMTKN-1-<ca digest>-<secret>)', () => {
  const ca = createRootCa();
  const other = createRootCa();
  const digestHex = createHash('sha256').update(new X509Certificate(ca.certPem).raw).digest('hex');

  it('has Docker’s format: prefix, 50-char base-36 digest, 25-char base-36 secret', () => {
    const token = generateJoinToken(ca.certPem);
    assert.equal(JOIN_TOKEN_LENGTH, 85);
    assert.equal(token.length, 85);
    assert.match(token, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
    const [, , digest, secret] = token.split('-');
    assert.equal(
      BigInt('0x' + digestHex)
        .toString(36)
        .padStart(50, '0'),
      digest,
    );
    assert.equal(secret!.length, 25);
  });

  it('zero-pads small values', () => {
    const zero = generateJoinToken(ca.certPem, () => Buffer.alloc(16));
    assert.ok(zero.endsWith('-' + '0'.repeat(25)));
    const max = generateJoinToken(ca.certPem, () => Buffer.alloc(16, 0xff));
    assert.equal(max.split('-')[3], (2n ** 128n - 1n).toString(36));
    assert.equal(parseJoinToken(max).secret.length, 25);
  });

  it('parses back the CA digest and the secret', () => {
    const token = generateJoinToken(ca.certPem);
    const parsed = parseJoinToken(token);
    assert.equal(parsed.version, 1);
    assert.equal(parsed.caDigest, digestHex);
    assert.equal(parsed.secret, token.slice(-25));
  });

  it('refuses malformed tokens with "invalid join token"', () => {
    const good = generateJoinToken(ca.certPem);
    const bad: unknown[] = [
      '',
      'SWMTKN-1',
      good.replace('SWMTKN-1-', 'SWMTKN-2-'),
      good.replace('SWMTKN', 'swmtkn'),
      good.slice(0, -1),
      good + 'a',
      good.toUpperCase(),
      good.replace(/-([0-9a-z])/g, '_$1'),
      `SWMTKN-1-${'z'.repeat(50)}-${'0'.repeat(25)}`, // digest >= 2^256
      `SWMTKN-1-${'0'.repeat(50)}-${'z'.repeat(25)}`, // secret >= 2^128
      ` ${good}`,
      undefined,
      42,
    ];
    for (const t of bad)
      assert.throws(
        () => parseJoinToken(t),
        { name: 'InvalidArgumentError', message: 'invalid join token' },
        String(t),
      );
  });

  it('makes distinct worker and manager tokens and matches them in constant time', () => {
    const tokens = createJoinTokens(ca.certPem);
    assert.notEqual(tokens.worker, tokens.manager);
    assert.equal(parseJoinToken(tokens.worker).caDigest, parseJoinToken(tokens.manager).caDigest);
    assert.equal(matchJoinToken(tokens.worker, tokens), 'worker');
    assert.equal(matchJoinToken(tokens.manager, tokens), 'manager');
    assert.equal(matchJoinToken(generateJoinToken(ca.certPem), tokens), undefined);
    assert.equal(matchJoinToken('', tokens), undefined);
    assert.ok(tokensEqual('abc', 'abc'));
    assert.ok(!tokensEqual('abc', 'abcd'));
    // A random source that repeats itself still yields distinct tokens.
    let calls = 0;
    const stuck = (n: number): Buffer => Buffer.alloc(n, calls++ < 2 ? 1 : 2);
    const t2 = createJoinTokens(ca.certPem, stuck);
    assert.notEqual(t2.worker, t2.manager);
    // One that never changes is an error, not a hang.
    assert.throws(() => createJoinTokens(ca.certPem, (n) => Buffer.alloc(n)), { name: 'InternalError' });
  });

  it('rotates only the chosen token: new secret, same CA digest', () => {
    const tokens = createJoinTokens(ca.certPem);
    const w = rotateJoinTokens(tokens, ca.certPem, { worker: true });
    assert.notEqual(w.worker, tokens.worker);
    assert.equal(w.manager, tokens.manager);
    assert.equal(parseJoinToken(w.worker).caDigest, parseJoinToken(tokens.worker).caDigest);
    assert.equal(matchJoinToken(tokens.worker, w), undefined, 'the old worker token no longer matches');
    const both = rotateJoinTokens(w, ca.certPem, { worker: true, manager: true });
    assert.notEqual(both.worker, w.worker);
    assert.notEqual(both.manager, w.manager);
    assert.deepEqual(rotateJoinTokens(both, ca.certPem, {}), both);
  });

  it('lets a joining node check the offered CA against the token', () => {
    const token = generateJoinToken(ca.certPem);
    verifyCaAgainstToken(ca.certPem, token);
    verifyCaAgainstToken(new X509Certificate(ca.certPem), token);
    assert.throws(() => verifyCaAgainstToken(other.certPem, token), {
      name: 'InvalidArgumentError',
      message: new RegExp(`remote CA does not match.*expected sha256:${digestHex}`),
    });
    assert.throws(() => verifyCaAgainstToken(ca.certPem, 'SWMTKN-1-x'), { message: 'invalid join token' });
  });
});
