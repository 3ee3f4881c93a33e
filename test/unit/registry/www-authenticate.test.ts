import assert from 'node:assert/strict';
import { parseRegistryAuth, parseWwwAuthenticate } from '../../../worker/registry';

describe('registry/www-authenticate', () => {
  it('parses a Bearer challenge with quoted parameters', () => {
    const c = parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"',
    );
    assert.deepEqual(c, [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull,push',
        },
      },
    ]);
  });

  it('parses Basic, unquoted values, escapes and several challenges', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="tsswarm-test"'), [
      { scheme: 'basic', params: { realm: 'tsswarm-test' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Basic realm=x, Bearer realm="a\\"b", error="invalid_token"'), [
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'a"b', error: 'invalid_token' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate(''), []);
  });
});

describe('registry/credentials (X-Registry-Auth)', () => {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  it('decodes username/password and identity tokens', () => {
    assert.deepEqual(parseRegistryAuth(enc({ username: 'u', password: 'p', serveraddress: 'h:5000' })), {
      username: 'u',
      password: 'p',
      identityToken: undefined,
      registryToken: undefined,
      serverAddress: 'h:5000',
    });
    assert.equal(parseRegistryAuth(enc({ identitytoken: 't' }))?.identityToken, 't');
    assert.equal(
      parseRegistryAuth(Buffer.from(JSON.stringify({ username: 'ü?>', password: 'x' })).toString('base64'))?.username,
      'ü?>',
    );
  });
  it('treats empty, {} and null as no credentials', () => {
    for (const h of [undefined, '', 'e30=', 'e30', enc(null), enc({ username: '' })])
      assert.equal(parseRegistryAuth(h), undefined);
  });
  it('rejects garbage with a 400 naming the header', () => {
    assert.throws(() => parseRegistryAuth('!!!notjson'), /X-Registry-Auth/);
    assert.throws(() => parseRegistryAuth(enc([1])), /X-Registry-Auth/);
    assert.throws(() => parseRegistryAuth(enc({ username: 3 })), /username/);
  });
});
