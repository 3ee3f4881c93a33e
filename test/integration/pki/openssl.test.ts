import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CertificateAuthority, createCsr, fromPem, readNodeIdentity, toPem } from '../../../src/pki';

// What we build byte by byte must read the same to an independent X.509 implementation.
describe('pki against the openssl CLI', function () {
  let dir = '';
  const openssl = (...args: string[]) => spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  const { ca, material } = CertificateAuthority.create();

  before(function () {
    if (spawnSync('openssl', ['version']).status !== 0) {
      console.warn('SKIPPED: the openssl CLI is not installed (apt-get install openssl)');
      this.skip();
    }
    dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-pki-openssl-'));
    writeFileSync(path.join(dir, 'ca.pem'), material.certPem);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the root CA as a v3 CA certificate', () => {
    const r = openssl('x509', '-in', 'ca.pem', '-noout', '-text');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Version: 3 \(0x2\)/);
    assert.match(r.stdout, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(r.stdout, /Issuer: CN ?= ?swarm-ca/);
    assert.match(r.stdout, /Subject: CN ?= ?swarm-ca/);
    assert.match(r.stdout, /NIST CURVE: P-256/);
    assert.match(r.stdout, /X509v3 Basic Constraints: critical\s+CA:TRUE/);
    assert.match(r.stdout, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(r.stdout, /X509v3 Subject Key Identifier/);
    const fp = openssl('x509', '-in', 'ca.pem', '-noout', '-fingerprint', '-sha256');
    assert.equal(fp.stdout.trim().split('=')[1]!.replace(/:/g, '').toLowerCase(), ca.digest);
  });

  it('verifies an issued node certificate against the CA, for client and server use', () => {
    const csr = createCsr();
    writeFileSync(path.join(dir, 'node.csr'), csr.csrPem);
    const issued = ca.issueNodeCertificate(csr.csrPem, {
      nodeId: 'node1',
      role: 'manager',
      clusterId: 'cluster1',
      ipAddresses: ['127.0.0.1'],
    });
    writeFileSync(path.join(dir, 'node.pem'), issued.certPem);
    const req = openssl('req', '-in', 'node.csr', '-noout', '-verify');
    assert.equal(req.status, 0, req.stderr);
    assert.match(req.stdout + req.stderr, /verify OK/i);
    for (const purpose of [[], ['-purpose', 'sslserver'], ['-purpose', 'sslclient']]) {
      const v = openssl('verify', ...purpose, '-CAfile', 'ca.pem', 'node.pem');
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /node\.pem: OK/);
    }
    const text = openssl('x509', '-in', 'node.pem', '-noout', '-text').stdout;
    assert.match(text, /Subject: O ?= ?cluster1, OU ?= ?swarm-manager, CN ?= ?node1/);
    assert.match(text, /DNS:node1, DNS:swarm-manager, DNS:manager, IP Address:127\.0\.0\.1/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(text, /Digital Signature, Key Encipherment/);
    assert.match(text, /CA:FALSE/);
    const serial = openssl('x509', '-in', 'node.pem', '-noout', '-serial').stdout.trim().split('=')[1]!;
    assert.equal(serial.toLowerCase().replace(/^0+/, ''), issued.serial);
  });

  it('openssl refuses a tampered CSR, and so does the CA', () => {
    const der = fromPem(createCsr({ commonName: 'swarm-node' }).csrPem, 'CERTIFICATE REQUEST');
    const at = der.indexOf(Buffer.from('swarm-node'));
    der[at + 1] = 'W'.charCodeAt(0);
    const pem = toPem(der, 'CERTIFICATE REQUEST');
    writeFileSync(path.join(dir, 'bad.csr'), pem);
    // openssl 3.0 exits 0 here; the verdict is in its output.
    const r = openssl('req', '-in', 'bad.csr', '-noout', '-verify');
    assert.ok(r.status !== 0 || /verify failure/i.test(r.stdout + r.stderr), r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /verify OK/i);
    assert.throws(() => ca.issueNodeCertificate(pem, { nodeId: 'n', role: 'worker', clusterId: 'c' }), {
      message: 'csr: signature does not verify',
    });
  });

  it('the CA signs a CSR made by openssl, and openssl verifies the result', () => {
    const gen = openssl(
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ossl.key',
      '-out',
      'ossl.csr',
      '-subj',
      '/CN=whatever',
    );
    assert.equal(gen.status, 0, gen.stderr);
    const csrPem = spawnSync('cat', ['ossl.csr'], { cwd: dir, encoding: 'utf8' }).stdout;
    const issued = ca.issueNodeCertificate(csrPem, { nodeId: 'w7', role: 'worker', clusterId: 'cluster1' });
    writeFileSync(path.join(dir, 'ossl.pem'), issued.certPem);
    assert.equal(openssl('verify', '-CAfile', 'ca.pem', 'ossl.pem').status, 0);
    assert.equal(readNodeIdentity(issued.certPem).role, 'worker');
  });
});
