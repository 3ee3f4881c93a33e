import assert from 'node:assert/strict';
import { isLoopbackHost, RegistryClient } from '../../../worker/registry';

describe('registry/base URL (plain HTTP only for loopback and insecure registries)', () => {
  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1:5000', '127.3.4.5', 'localhost:5000', 'localhost', '[::1]:5000', '::1'])
      assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['10.0.0.1:5000', 'registry.local', 'docker.io', '128.0.0.1', 'localhost.evil.com'])
      assert.equal(isLoopbackHost(h), false, h);
  });
  it('uses https unless loopback or listed as insecure', () => {
    const c = new RegistryClient({ insecureRegistries: ['registry.local:5000', 'plain.example'] });
    assert.equal(c.baseUrl('docker.io').href, 'https://registry-1.docker.io/');
    assert.equal(c.baseUrl('ghcr.io').href, 'https://ghcr.io/');
    assert.equal(c.baseUrl('127.0.0.1:5000').href, 'http://127.0.0.1:5000/');
    assert.equal(c.baseUrl('localhost:5000').href, 'http://localhost:5000/');
    assert.equal(c.baseUrl('registry.local:5000').href, 'http://registry.local:5000/');
    assert.equal(c.baseUrl('registry.local:6000').href, 'https://registry.local:6000/');
    assert.equal(c.baseUrl('plain.example:5000').href, 'http://plain.example:5000/');
  });
});
