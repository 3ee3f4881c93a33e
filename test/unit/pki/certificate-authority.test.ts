import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  CertificateAuthority,
  children,
  createCsr,
  createRootCa,
  decode,
  DEFAULT_NODE_CERT_VALIDITY_MS,
  fromPem,
  generateNodeId,
  parseAndVerifyCsr,
  readNodeIdentity,
  toPem,
} from '../../../src/pki';

const DAY = 24 * 3600 * 1000;

describe('pki/certificate-authority', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  const { ca, material } = CertificateAuthority.create({ now });

  it('makes a self-signed P-256 root CA that node:crypto reads as a CA', () => {
    const cert = new X509Certificate(material.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, 'CN=swarm-ca');
    assert.equal(cert.issuer, 'CN=swarm-ca');
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(cert.verify(cert.publicKey), 'self-signature verifies');
    assert.ok(cert.checkIssued(cert));
    const from = new Date(cert.validFrom).getTime();
    const to = new Date(cert.validTo).getTime();
    assert.ok(from <= now.getTime() && from > now.getTime() - DAY);
    assert.ok(Math.abs(to - now.getTime() - 20 * 365 * DAY) < 1000);
    assert.equal(ca.digest, cert.fingerprint256.replace(/:/g, '').toLowerCase());
    assert.match(ca.digest, /^[0-9a-f]{64}$/);
  });

  it('refuses a key that does not belong to the CA certificate', () => {
    const other = createRootCa();
    assert.throws(() => new CertificateAuthority({ certPem: material.certPem, keyPem: other.keyPem }), {
      name: 'InvalidArgumentError',
      message: /ca key: does not match/,
    });
    assert.throws(() => new CertificateAuthority({ certPem: 'junk', keyPem: other.keyPem }), {
      name: 'InvalidArgumentError',
      message: /ca certificate/,
    });
  });

  it('issues node certificates carrying node id, role and cluster id', () => {
    const { csrPem, keyPem } = createCsr();
    const issued = ca.issueNodeCertificate(csrPem, {
      nodeId: 'node1',
      role: 'worker',
      clusterId: 'cluster7',
      ipAddresses: ['10.0.0.5', 'fd00::5'],
      now,
    });
    const cert = new X509Certificate(issued.certPem);
    assert.equal(cert.subject, 'O=cluster7\nOU=swarm-worker\nCN=node1');
    assert.equal(cert.issuer, 'CN=swarm-ca');
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(new X509Certificate(material.certPem)));
    assert.ok(cert.verify(new X509Certificate(material.certPem).publicKey));
    assert.ok(ca.signed(issued.certPem));
    assert.ok(cert.checkPrivateKey(createPrivateKey(keyPem)));
    assert.equal(
      cert.subjectAltName,
      'DNS:node1, DNS:swarm-worker, DNS:worker, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:5',
    );
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.checkHost('node1'), 'node1');
    assert.equal(cert.checkIP('10.0.0.5'), '10.0.0.5');
    assert.equal(new Date(cert.validTo).getTime(), now.getTime() + DEFAULT_NODE_CERT_VALIDITY_MS);
    assert.equal(issued.notAfter.getTime(), now.getTime() + DEFAULT_NODE_CERT_VALIDITY_MS);
    assert.match(issued.serial, /^[0-9a-f]{1,32}$/);
    assert.equal(issued.serial, cert.serialNumber.toLowerCase().replace(/^0+/, ''));

    const id = readNodeIdentity(issued.certPem);
    assert.equal(id.nodeId, 'node1');
    assert.equal(id.role, 'worker');
    assert.equal(id.clusterId, 'cluster7');
    assert.equal(id.serial, issued.serial);
    assert.deepEqual(readNodeIdentity(cert), id);
    assert.deepEqual(readNodeIdentity({ raw: cert.raw }), id);
  });

  it('uses a fresh random serial for every certificate and honours validityMs', () => {
    const { csrPem } = createCsr();
    const req = { nodeId: 'm1', role: 'manager', clusterId: 'c1', now, validityMs: 2 * 3600 * 1000 } as const;
    const a = ca.issueNodeCertificate(csrPem, req);
    const b = ca.issueNodeCertificate(csrPem, req);
    assert.notEqual(a.serial, b.serial);
    assert.equal(a.notAfter.getTime(), now.getTime() + 2 * 3600 * 1000);
    assert.equal(readNodeIdentity(a.certPem).role, 'manager');
    assert.equal(new X509Certificate(a.certPem).subject, 'O=c1\nOU=swarm-manager\nCN=m1');
  });

  it('ignores the subject the CSR asks for', () => {
    const { csrPem } = createCsr({ commonName: 'i-am-the-ca' });
    assert.equal(parseAndVerifyCsr(csrPem).subject[0]!.value, 'i-am-the-ca');
    const issued = ca.issueNodeCertificate(csrPem, { nodeId: 'n2', role: 'worker', clusterId: 'c1' });
    assert.equal(readNodeIdentity(issued.certPem).nodeId, 'n2');
  });

  it('refuses a CSR whose signature does not verify', () => {
    const { csrPem } = createCsr({ commonName: 'swarm-node' });
    const der = fromPem(csrPem, 'CERTIFICATE REQUEST');
    // Change the requested CN after signing.
    const at = der.indexOf(Buffer.from('swarm-node'));
    const tampered = Buffer.from(der);
    tampered[at] = 'S'.charCodeAt(0);
    const req = { nodeId: 'n3', role: 'worker', clusterId: 'c1' } as const;
    assert.throws(() => ca.issueNodeCertificate(toPem(tampered, 'CERTIFICATE REQUEST'), req), {
      name: 'InvalidArgumentError',
      message: 'csr: signature does not verify',
    });
    // Swap in another key's public key.
    const other = fromPem(createCsr().csrPem, 'CERTIFICATE REQUEST');
    const spkiOf = (d: Buffer): Buffer => children(children(decode(d))[0]!)[2]!.raw;
    const swapped = Buffer.from(
      der.toString('hex').replace(spkiOf(der).toString('hex'), spkiOf(other).toString('hex')),
      'hex',
    );
    assert.throws(() => ca.issueNodeCertificate(toPem(swapped, 'CERTIFICATE REQUEST'), req), {
      message: 'csr: signature does not verify',
    });
  });

  it('refuses unreadable CSRs and bad request fields naming the field', () => {
    const { csrPem } = createCsr();
    const ok = { nodeId: 'n4', role: 'worker', clusterId: 'c1' } as const;
    const cases: Array<[string | Buffer, object, RegExp]> = [
      ['not a csr', ok, /^csr: no PEM block/],
      [toPem(Buffer.from('300100', 'hex'), 'CERTIFICATE REQUEST'), ok, /^csr:/],
      [toPem(Buffer.from('3000', 'hex'), 'CERTIFICATE REQUEST'), ok, /^csr:/],
      [csrPem, { ...ok, nodeId: 'a b' }, /^nodeId:/],
      [csrPem, { ...ok, nodeId: '' }, /^nodeId:/],
      [csrPem, { ...ok, clusterId: 'x'.repeat(64) }, /^clusterId:/],
      [csrPem, { ...ok, role: 'admin' }, /^role:/],
      [csrPem, { ...ok, ipAddresses: ['1.2.3'] }, /^ipAddresses:/],
      [csrPem, { ...ok, validityMs: 1000 }, /^validityMs:/],
    ];
    for (const [csr, req, message] of cases) {
      assert.throws(
        () => ca.issueNodeCertificate(csr, req as never),
        { name: 'InvalidArgumentError', message },
        String(message),
      );
    }
  });

  it('caps a node certificate at the CA’s own expiry', () => {
    const { csrPem } = createCsr();
    const late = new Date(now.getTime() + 20 * 365 * DAY - 10 * DAY);
    const issued = ca.issueNodeCertificate(csrPem, { nodeId: 'n5', role: 'worker', clusterId: 'c1', now: late });
    assert.equal(issued.notAfter.getTime(), new Date(new X509Certificate(material.certPem).validTo).getTime());
  });

  it('refuses to read an identity from a certificate without one', () => {
    assert.throws(() => readNodeIdentity(material.certPem), {
      name: 'InvalidArgumentError',
      message: /exactly one OU/,
    });
    assert.throws(() => readNodeIdentity('garbage'), { name: 'InvalidArgumentError' });
  });

  it('generates node ids in swarmkit’s shape', () => {
    const id = generateNodeId();
    assert.match(id, /^[0-9a-z]{25}$/);
    assert.notEqual(generateNodeId(), id);
    assert.equal(
      generateNodeId(() => Buffer.alloc(16)),
      '0'.repeat(25),
    );
  });
});
