import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { RegistryClient, parseReference } from '../../../worker/registry';
import { buildBusyboxImage, pushBuiltImage, type BuiltImage } from '../../support/busybox-image';
import {
  htpasswdLine,
  requireRegistry,
  startTestRegistry,
  tokenAuthUnavailableReason,
  type TestRegistry,
} from '../../support/registry';

async function drain(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('registry client (real docker-registry)', function () {
  this.timeout(60_000);
  let reg: TestRegistry;
  let image: BuiltImage;
  const client = new RegistryClient();

  before(async function () {
    requireRegistry(this);
    reg = await startTestRegistry();
    image = await buildBusyboxImage();
  });
  after(async () => reg?.stop());

  it('pushes an image and reads its manifest and blobs back, verified', async () => {
    const digest = await pushBuiltImage(client, `${reg.host}/test/busybox:latest`, image);
    assert.equal(digest, image.manifestDigest);
    const repo = client.repository(parseReference(`${reg.host}/test/busybox`));
    const m = await repo.getManifest('latest');
    assert.equal(m.digest, image.manifestDigest);
    assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const head = await repo.headManifest('latest');
    assert.equal(head.digest, image.manifestDigest);
    assert.equal(head.size, image.manifestBlob.length);
    const blob = await repo.getBlob(image.layerDigests[0], image.layers[0].length);
    assert.ok((await drain(blob.stream)).equals(image.layers[0]));
    assert.equal(await repo.blobExists(image.layerDigests[0]), true);
    assert.equal(await repo.blobExists(`sha256:${'0'.repeat(64)}`), false);
  });

  it('reports an unknown tag as a 404 "manifest for … not found"', async () => {
    const repo = client.repository(parseReference(`${reg.host}/test/busybox`));
    await assert.rejects(repo.getManifest('nope'), (e: Error & { httpStatus?: number }) => {
      assert.equal(e.httpStatus, 404);
      assert.match(e.message, new RegExp(`^manifest for ${reg.host}/test/busybox:nope not found`));
      return true;
    });
  });

  it('fails a blob whose bytes do not match its digest', async () => {
    const other = await buildBusyboxImage({ extraLayers: 1, label: 'corrupt' });
    await pushBuiltImage(client, `${reg.host}/test/corrupt:latest`, other);
    const d = other.layerDigests[1];
    const orig = other.layers[1];
    const bad = Buffer.from(orig);
    bad[bad.length - 1] ^= 0xff;
    writeFileSync(reg.blobDataPath(d), bad);
    const repo = client.repository(parseReference(`${reg.host}/test/corrupt`));
    const blob = await repo.getBlob(d, orig.length);
    await assert.rejects(drain(blob.stream), /verification failed for digest sha256:[0-9a-f]{64}/);
  });

  describe('with bearer token auth', () => {
    let tokReg: TestRegistry | undefined;
    const creds = { username: 'tok', password: 'en' };
    before(async function () {
      const why = tokenAuthUnavailableReason();
      if (why) {
        console.warn(`SKIPPED bearer token registry tests: ${why}`);
        this.skip();
      }
      tokReg = await startTestRegistry({ tokenAuth: creds });
    });
    after(async () => tokReg?.stop());

    it('gets a token from the realm with basic credentials, then pushes and pulls', async () => {
      await pushBuiltImage(client, `${tokReg!.host}/tok/busybox:1`, image, creds);
      const repo = client.repository(parseReference(`${tokReg!.host}/tok/busybox`), { credentials: creds });
      assert.equal((await repo.getManifest('1')).digest, image.manifestDigest);
      assert.ok((await drain((await repo.getBlob(image.configDigest)).stream)).equals(image.configBlob));
    });

    it('reports 401 for an anonymous token without access and for a refused password', async () => {
      const anon = client.repository(parseReference(`${tokReg!.host}/tok/busybox`));
      await assert.rejects(anon.getManifest('1'), (e: Error & { httpStatus?: number }) => {
        assert.equal(e.httpStatus, 401);
        assert.match(e.message, /unauthorized: authentication required/);
        return true;
      });
      const wrong = client.repository(parseReference(`${tokReg!.host}/tok/busybox`), {
        credentials: { username: 'tok', password: 'bad' },
      });
      await assert.rejects(wrong.getManifest('1'), /unauthorized: incorrect username or password/);
    });
  });

  describe('with basic auth', () => {
    let authReg: TestRegistry | undefined;
    before(async function () {
      if (!htpasswdLine('u', 'p')) {
        console.warn('SKIPPED basic-auth registry tests: no htpasswd (apache2-utils) nor python3 crypt with bcrypt');
        this.skip();
      }
      authReg = await startTestRegistry({ basicAuth: { username: 'tester', password: 's3cret' } });
    });
    after(async () => authReg?.stop());

    it('pushes and pulls with the right credentials', async () => {
      const creds = { username: 'tester', password: 's3cret' };
      await pushBuiltImage(client, `${authReg!.host}/private/busybox:1`, image, creds);
      const repo = client.repository(parseReference(`${authReg!.host}/private/busybox`), { credentials: creds });
      assert.equal((await repo.getManifest('1')).digest, image.manifestDigest);
    });

    it('refuses wrong or missing credentials with a 401 and the registry message', async () => {
      for (const credentials of [{ username: 'tester', password: 'wrong' }, undefined]) {
        const repo = client.repository(parseReference(`${authReg!.host}/private/busybox`), { credentials });
        await assert.rejects(repo.getManifest('1'), (e: Error & { httpStatus?: number }) => {
          assert.equal(e.httpStatus, 401);
          assert.match(e.message, /unauthorized: authentication required/);
          return true;
        });
      }
    });
  });
});
