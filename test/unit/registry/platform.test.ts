import assert from 'node:assert/strict';
import { selectPlatformManifest, type OciDescriptor } from '../../../worker/registry';

const m = (
  digest: string,
  architecture: string,
  os = 'linux',
  extra: Partial<OciDescriptor> = {},
  variant?: string,
): OciDescriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest,
  size: 1,
  platform: { architecture, os, ...(variant ? { variant } : {}) },
  ...extra,
});

describe('registry/platform', () => {
  const list = [
    m('sha256:arm', 'arm', 'linux', {}, 'v7'),
    m('sha256:att', 'unknown', 'unknown', { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }),
    m('sha256:win', 'amd64', 'windows'),
    m('sha256:amd', 'amd64'),
    m('sha256:arm64', 'arm64', 'linux', {}, 'v8'),
  ];
  it('picks linux/amd64 from an index', () => {
    assert.equal(selectPlatformManifest(list, { os: 'linux', architecture: 'amd64' }).digest, 'sha256:amd');
  });
  it('prefers the exact variant but accepts another', () => {
    assert.equal(selectPlatformManifest(list, { os: 'linux', architecture: 'arm64' }).digest, 'sha256:arm64');
    assert.equal(
      selectPlatformManifest(list, { os: 'linux', architecture: 'arm', variant: 'v7' }).digest,
      'sha256:arm',
    );
  });
  it('fails with a 404 naming the platform when none matches', () => {
    assert.throws(
      () => selectPlatformManifest(list, { os: 'linux', architecture: 's390x' }, 'busybox:latest'),
      /no matching manifest for linux\/s390x in the manifest list entries of busybox:latest/,
    );
  });
});
