import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  CertificateAuthority,
  createCsr,
  createRenewalRequest,
  needsRenewal,
  parseAndVerifyCsr,
  pickRenewalFraction,
  renewalTime,
} from '../../../src/pki';

const DAY = 24 * 3600 * 1000;

describe('pki/renewal', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const { ca } = CertificateAuthority.create({ now });
  const { certPem } = ca.issueNodeCertificate(createCsr().csrPem, {
    nodeId: 'n1',
    role: 'worker',
    clusterId: 'c1',
    now,
    validityMs: 100 * DAY,
  });
  const cert = new X509Certificate(certPem);
  const from = new Date(cert.validFrom).getTime();
  const life = new Date(cert.validTo).getTime() - from;
  const at = (fraction: number): Date => new Date(from + life * fraction);

  it('renews once the chosen fraction of the lifetime has passed', () => {
    assert.equal(needsRenewal(certPem, at(0.1)), false);
    assert.equal(needsRenewal(certPem, at(0.79)), false);
    assert.equal(needsRenewal(certPem, at(0.8)), true);
    assert.equal(needsRenewal(certPem, at(0.49), 0.5), false);
    assert.equal(needsRenewal(certPem, at(0.5), 0.5), true);
    assert.equal(needsRenewal(certPem, at(0.6), 0.65), false);
    assert.equal(needsRenewal(certPem, new Date(from + life + 1)), true, 'expired');
    assert.equal(needsRenewal(certPem, new Date(from - DAY)), false, 'not yet valid');
    assert.equal(renewalTime(certPem, 0.5).getTime(), from + life / 2);
  });

  it('keeps the fraction within the 0.5..0.8 window', () => {
    assert.throws(() => needsRenewal(certPem, now, 0.4), { name: 'InvalidArgumentError', message: /^fraction:/ });
    assert.throws(() => needsRenewal(certPem, now, 0.9), { name: 'InvalidArgumentError' });
    assert.throws(() => needsRenewal(certPem, now, NaN), { name: 'InvalidArgumentError' });
    assert.equal(
      pickRenewalFraction(() => 0),
      0.5,
    );
    assert.ok(Math.abs(pickRenewalFraction(() => 0.999999) - 0.8) < 1e-5);
    for (let i = 0; i < 50; i++) {
      const f = pickRenewalFraction();
      assert.ok(f >= 0.5 && f <= 0.8);
    }
  });

  it('renews with a new key', () => {
    const first = createCsr();
    const renewal = createRenewalRequest('n1');
    assert.notEqual(renewal.keyPem, first.keyPem);
    assert.equal(parseAndVerifyCsr(renewal.csrPem).subject[0]!.value, 'n1');
    const renewed = ca.issueNodeCertificate(renewal.csrPem, { nodeId: 'n1', role: 'worker', clusterId: 'c1' });
    assert.ok(new X509Certificate(renewed.certPem).checkPrivateKey(createPrivateKey(renewal.keyPem)));
  });
});
