import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { authorizePeer, CertificateAuthority, CertificateRegistry, createCsr, tlsOptionsFor } from '../../../src/pki';

describe('pki/certificate-registry and peer authorization', () => {
  const { ca, material } = CertificateAuthority.create();
  const issue = (nodeId: string, role: 'manager' | 'worker', clusterId = 'c1') => {
    const csr = createCsr();
    const issued = ca.issueNodeCertificate(csr.csrPem, { nodeId, role, clusterId });
    return { ...issued, keyPem: csr.keyPem };
  };
  const m1 = issue('m1', 'manager');
  const w1 = issue('w1', 'worker');
  const w2 = issue('w2', 'worker');

  it('allows certificates until their node is removed or their serial revoked', () => {
    const reg = new CertificateRegistry();
    for (const c of [m1, w1, w2]) assert.equal(reg.isAllowed(c.certPem), true);
    reg.removeNode('w1');
    reg.revokeSerial(w2.serial.toUpperCase());
    assert.equal(reg.isAllowed(m1.certPem), true);
    assert.equal(reg.isAllowed(w1.certPem), false);
    assert.equal(reg.isAllowed(w2.certPem), false);
    assert.equal(reg.isAllowed({ raw: new X509Certificate(w2.certPem).raw }), false);
    assert.throws(() => reg.check(w1.certPem), { name: 'ForbiddenError', message: /node w1 was removed/ });
    assert.throws(() => reg.check(w2.certPem), { name: 'ForbiddenError', message: /is revoked/ });
    assert.equal(reg.check(m1.certPem).nodeId, 'm1');
    assert.equal(reg.isAllowed(material.certPem), false, 'not a node certificate');
    assert.ok(reg.isSerialRevoked('00:' + w2.serial));
  });

  it('round-trips through its JSON form', () => {
    const reg = new CertificateRegistry({ removedNodes: ['b', 'a'], revokedSerials: ['00FF'] });
    assert.deepEqual(reg.toJSON(), { removedNodes: ['a', 'b'], revokedSerials: ['ff'] });
    const back = CertificateRegistry.fromJSON(JSON.parse(JSON.stringify(reg)));
    assert.deepEqual(back.toJSON(), reg.toJSON());
    assert.ok(back.isNodeRemoved('a'));
  });

  it('refuses bad input naming the field', () => {
    const reg = new CertificateRegistry();
    assert.throws(() => reg.revokeSerial('xyz'), { name: 'InvalidArgumentError', message: /^serial:/ });
    assert.throws(() => reg.removeNode(''), { name: 'InvalidArgumentError', message: /^nodeId:/ });
  });

  it('checks cluster id and role on top of the registry', () => {
    const registry = new CertificateRegistry({ removedNodes: ['w1'] });
    const managers = { clusterId: 'c1', allowedRoles: ['manager'] as const, registry };
    assert.equal(authorizePeer(m1.certPem, managers).nodeId, 'm1');
    assert.throws(() => authorizePeer(w2.certPem, managers), {
      name: 'ForbiddenError',
      message: /role worker is not allowed/,
    });
    assert.throws(() => authorizePeer(w1.certPem, { clusterId: 'c1', registry }), { message: /removed/ });
    assert.throws(() => authorizePeer(issue('x1', 'manager', 'c2').certPem, { clusterId: 'c1' }), {
      message: /cluster c2 is not c1/,
    });
  });

  it('builds node:tls options whose identity hook applies the policy', () => {
    const opts = tlsOptionsFor(
      { key: w1.keyPem, cert: w1.certPem, ca: material.certPem },
      { allowedRoles: ['manager'] },
    );
    assert.equal(opts.requestCert, true);
    assert.equal(opts.rejectUnauthorized, true);
    assert.equal(opts.ca, material.certPem);
    const asPeer = (pem: string) => ({ raw: new X509Certificate(pem).raw }) as never;
    assert.equal(opts.checkServerIdentity('10.0.0.1', asPeer(m1.certPem)), undefined);
    assert.match(String(opts.checkServerIdentity('10.0.0.1', asPeer(w2.certPem))), /role worker/);
    assert.match(
      String(opts.checkServerIdentity('10.0.0.1', asPeer(issue('m9', 'manager', 'c9').certPem))),
      /cluster c9/,
    );
  });
});
