import assert from 'node:assert/strict';
import { familiarReference, normalizeReference, parseReference, registryHost } from '../../../worker/registry';

const D = `sha256:${'a'.repeat(64)}`;

describe('registry/reference', () => {
  const cases: Array<[string, string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
    ['127.0.0.1:5000/repo:tag', '127.0.0.1:5000/repo:tag', '127.0.0.1:5000/repo:tag'],
    ['localhost/a/b', 'localhost/a/b:latest', 'localhost/a/b:latest'],
    ['ghcr.io/org/img:v1.2-rc_3', 'ghcr.io/org/img:v1.2-rc_3', 'ghcr.io/org/img:v1.2-rc_3'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    [`host:5000/x:1@${D}`, `host:5000/x:1@${D}`, `host:5000/x:1@${D}`],
  ];
  for (const [input, full, familiar] of cases) {
    it(`normalizes ${input}`, () => {
      assert.equal(normalizeReference(input), full);
      assert.equal(familiarReference(parseReference(input)), familiar);
    });
  }

  it('splits domain, path, tag and digest', () => {
    assert.deepEqual(parseReference('127.0.0.1:5000/a/b:c'), {
      domain: '127.0.0.1:5000',
      path: 'a/b',
      tag: 'c',
      digest: undefined,
    });
    assert.deepEqual(parseReference(`a@${D}`), { domain: 'docker.io', path: 'library/a', tag: undefined, digest: D });
  });

  for (const bad of [
    '',
    'UPPER',
    'a b',
    'busybox:',
    ':tag',
    'a//b',
    'a@sha256:xyz',
    '-a',
    'a:b:c',
    'a/B',
    `a@sha256:${'a'.repeat(63)}`,
    'a:' + 'x'.repeat(129),
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => parseReference(bad),
        (e: Error & { httpStatus?: number }) => {
          assert.equal(e.httpStatus, 400);
          assert.match(e.message, /^invalid reference format/);
          return true;
        },
      );
    });
  }

  it('talks to registry-1.docker.io for docker.io', () => {
    assert.equal(registryHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryHost('127.0.0.1:5000'), '127.0.0.1:5000');
  });
});
