import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CertificateAuthority,
  createCsr,
  CREDENTIAL_FILES,
  hasNodeCredentials,
  loadNodeCredentials,
  saveNodeCredentials,
} from '../../../src/pki';

describe('pki/credentials-store (files under the data root)', () => {
  let root = '';
  const { ca, material } = CertificateAuthority.create();
  const make = (nodeId: string) => {
    const csr = createCsr();
    const { certPem } = ca.issueNodeCertificate(csr.csrPem, { nodeId, role: 'worker', clusterId: 'c1' });
    return { key: csr.keyPem, cert: certPem, ca: material.certPem };
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tsswarm-pki-creds-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('saves with a 0600 key and loads back the same credentials', async () => {
    const dir = path.join(root, 'certificates');
    const creds = make('n1');
    assert.equal(await hasNodeCredentials(dir), false);
    await saveNodeCredentials(dir, creds);
    assert.equal(await hasNodeCredentials(dir), true);
    assert.equal(statSync(path.join(dir, CREDENTIAL_FILES.key)).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(dir, CREDENTIAL_FILES.cert)).mode & 0o777, 0o644);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(await loadNodeCredentials(dir), creds);
    assert.deepEqual(readdirSync(dir).sort(), ['ca.crt', 'node.crt', 'node.key'], 'no temp files left');
  });

  it('replaces credentials on rotation', async () => {
    await saveNodeCredentials(root, make('n1'));
    const next = make('n1');
    await saveNodeCredentials(root, next);
    assert.deepEqual(await loadNodeCredentials(root), next);
    assert.equal(statSync(path.join(root, CREDENTIAL_FILES.key)).mode & 0o777, 0o600);
  });

  it('refuses mismatched credentials without writing anything', async () => {
    const a = make('n1');
    const b = make('n2');
    await assert.rejects(saveNodeCredentials(root, { ...a, key: b.key }), {
      name: 'InvalidArgumentError',
      message: /^key:/,
    });
    await assert.rejects(saveNodeCredentials(root, { ...a, ca: CertificateAuthority.create().material.certPem }), {
      message: /^cert: not signed by ca/,
    });
    await assert.rejects(saveNodeCredentials(root, { ...a, cert: 'nope' }), { message: /^cert:/ });
    assert.deepEqual(readdirSync(root), []);
  });

  it('reports missing and damaged files', async () => {
    await assert.rejects(loadNodeCredentials(root), { name: 'NotFoundError' });
    const a = make('n1');
    await saveNodeCredentials(root, a);
    writeFileSync(path.join(root, CREDENTIAL_FILES.key), make('n2').key); // a key from another pair
    await assert.rejects(loadNodeCredentials(root), {
      name: 'InvalidArgumentError',
      message: /^key: does not match cert/,
    });
  });

  describe('a renewal cut short by a crash', () => {
    const put = (name: string, data: string) => writeFileSync(path.join(root, name), data);

    it('after the whole new set was staged: load rolls it forward, whichever renames were done', async () => {
      const old = make('n1');
      const next = make('n1');
      await saveNodeCredentials(root, old);
      put('ca.crt.next', next.ca);
      put('node.key.next', next.key);
      put('node.crt', next.cert); // node.crt.next was renamed already, node.key.next not yet
      assert.deepEqual(await loadNodeCredentials(root), next);
      assert.deepEqual(readdirSync(root).sort(), ['ca.crt', 'node.crt', 'node.key']);
    });

    it('before the key was staged: load keeps the old set and drops the partial staging', async () => {
      const old = make('n1');
      const next = make('n1');
      await saveNodeCredentials(root, old);
      put('ca.crt.next', next.ca);
      put('node.crt.next', next.cert);
      put('node.key.next.tmp', next.key.slice(0, 40)); // torn, never renamed
      assert.deepEqual(await loadNodeCredentials(root), old);
      assert.deepEqual(readdirSync(root).sort(), ['ca.crt', 'node.crt', 'node.key']);
    });

    it('a save after an interrupted one starts clean', async () => {
      await saveNodeCredentials(root, make('n1'));
      put('node.crt.next', make('n2').cert);
      const next = make('n1');
      await saveNodeCredentials(root, next);
      assert.deepEqual(await loadNodeCredentials(root), next);
      assert.deepEqual(readdirSync(root).sort(), ['ca.crt', 'node.crt', 'node.key']);
    });
  });
});
