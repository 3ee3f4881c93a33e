import assert from 'node:assert/strict';
import { cliSpec, Harness } from './harness';

describe('published port conflicts', () => {
  let h: Harness;
  before(async () => {
    h = await new Harness().start();
  });
  after(() => h.stop());

  const publishing = (name: string, port: number, mode: 'ingress' | 'host', protocol = 'tcp') =>
    cliSpec(name, 1, {
      EndpointSpec: { Ports: [{ Protocol: protocol, TargetPort: 80, PublishedPort: port, PublishMode: mode }] },
    });

  it("refuses an ingress port another service publishes, with swarmkit's message", async () => {
    const a = await h.call('POST', '/services/create', publishing('a', 8080, 'ingress'));
    assert.equal(a.status, 201, JSON.stringify(a.body));
    for (const mode of ['ingress', 'host'] as const) {
      const r = await h.call('POST', '/services/create', publishing(`b-${mode}`, 8080, mode));
      assert.equal(r.status, 400);
      assert.match(
        r.body.message,
        new RegExp(`port '8080' is already in use by service 'a' \\(${a.body.ID}\\) as an ingress port`),
      );
    }
  });

  it('lets host-mode ports share a number, and the same number over another protocol', async () => {
    for (const name of ['h1', 'h2'])
      assert.equal((await h.call('POST', '/services/create', publishing(name, 9090, 'host'))).status, 201);
    const r = await h.call('POST', '/services/create', publishing('u', 9090, 'ingress'));
    assert.equal(r.status, 400);
    assert.match(r.body.message, /as a host-published port/);
    assert.equal((await h.call('POST', '/services/create', publishing('udp', 8080, 'ingress', 'udp'))).status, 201);
  });

  it('lets a service keep its own port on update', async () => {
    const cur = (await h.call('GET', '/services/a')).body;
    const r = await h.call('POST', `/services/${cur.ID}/update?version=${cur.Version.Index}`, {
      ...cur.Spec,
      Labels: { changed: '1' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
});
