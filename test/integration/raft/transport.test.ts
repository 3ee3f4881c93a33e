import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { Transport, type TransportTls } from '../../../src/raft/transport';
import { MessageType, type Message } from '../../../src/raft';

function msg(from: number, to: number, i: number): Message {
  return {
    type: MessageType.App,
    from,
    to,
    term: 1,
    logTerm: 1,
    index: i,
    entries: [{ term: 1, index: i + 1, type: 0, data: Buffer.from(`e${i}`) }],
    commit: 0,
    reject: false,
    rejectHint: 0,
    hintTerm: 0,
  };
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A CA and two node certificates (ECDSA P-256), made with the openssl CLI. */
function makeCerts(dir: string, names: string[]): { ca: string; nodes: Record<string, TransportTls> } {
  const run = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'ignore' });
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=test-ca', '-days', '2', '-out', 'ca.pem');
  const ca = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8');
  const nodes: Record<string, TransportTls> = {};
  for (const n of names) {
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${n}.key`);
    run('req', '-new', '-key', `${n}.key`, '-subj', `/CN=${n}`, '-out', `${n}.csr`);
    run(
      'x509',
      '-req',
      '-in',
      `${n}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${n}.pem`,
    );
    nodes[n] = {
      key: fs.readFileSync(path.join(dir, `${n}.key`), 'utf8'),
      cert: fs.readFileSync(path.join(dir, `${n}.pem`), 'utf8'),
      ca,
    };
  }
  return { ca, nodes };
}

async function pair(tlsA?: TransportTls, tlsB?: TransportTls) {
  const got: { a: Message[]; b: Message[]; snapOk: boolean[] } = { a: [], b: [], snapOk: [] };
  const base = {
    onUnreachable: () => {},
    onSnapshotStatus: (_id: number, ok: boolean) => got.snapOk.push(ok),
    chunkBytes: 64 * 1024,
  };
  const b = new Transport({
    ...base,
    id: 2,
    listen: '127.0.0.1:0',
    peers: new Map(),
    tls: tlsB,
    onMessage: (m) => got.b.push(m),
  });
  await b.start();
  const a = new Transport({
    ...base,
    id: 1,
    listen: '127.0.0.1:0',
    peers: new Map([[2, `127.0.0.1:${b.port()}`]]),
    tls: tlsA,
    onMessage: (m) => got.a.push(m),
  });
  await a.start();
  return { a, b, got };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('raft transport over loopback', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-tls-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('delivers messages in order and streams a snapshot in chunks (plain TCP)', async () => {
    const { a, b, got } = await pair();
    try {
      for (let i = 0; i < 100; i++) a.send([msg(1, 2, i)]);
      const big = Buffer.alloc(1 << 20, 9);
      a.send([
        {
          ...msg(1, 2, 1000),
          type: MessageType.Snap,
          entries: [],
          snapshot: { metadata: { index: 5, term: 1, confState: { voters: [1, 2], learners: [] } }, data: big },
        },
      ]);
      a.send([msg(1, 2, 101)]);
      await until(() => got.b.length === 102);
      assert.deepEqual(
        got.b.filter((m) => m.type === MessageType.App).map((m) => m.index),
        [...Array.from({ length: 100 }, (_, i) => i), 101],
      );
      const snap = got.b.find((m) => m.type === MessageType.Snap)!;
      assert.ok(Buffer.from(snap.snapshot!.data).equals(big));
      assert.deepEqual(got.snapOk, [true]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('reconnects after the receiver restarts', async () => {
    const { a, b, got } = await pair();
    const port = b.port();
    a.send([msg(1, 2, 1)]);
    await until(() => got.b.length === 1);
    await b.stop();
    const b2 = new Transport({
      id: 2,
      listen: `127.0.0.1:${port}`,
      peers: new Map(),
      onMessage: (m) => got.b.push(m),
      onUnreachable: () => {},
      onSnapshotStatus: () => {},
    });
    await b2.start();
    try {
      await until(() => {
        a.send([msg(1, 2, 2)]);
        return got.b.some((m) => m.index === 2);
      });
    } finally {
      await a.stop();
      await b2.stop();
    }
  });

  it('speaks mutual TLS and refuses a peer without a CA-signed certificate', async function () {
    if (!hasOpenssl()) {
      console.warn('SKIP: openssl CLI not found; cannot make test certificates');
      this.skip();
    }
    this.timeout(20000);
    const { nodes } = makeCerts(dir, ['n1', 'n2']);
    const { a, b, got } = await pair(nodes.n1, nodes.n2);
    try {
      a.send([msg(1, 2, 7)]);
      await until(() => got.b.length === 1);
      assert.equal(got.b[0].index, 7);
    } finally {
      await a.stop();
      await b.stop();
    }
    // A rogue node with a self-signed certificate is refused.
    const rogueDir = fs.mkdtempSync(path.join(dir, 'rogue-'));
    const rogue = makeCerts(rogueDir, ['n1']).nodes.n1;
    const p = await pair({ ...rogue, ca: nodes.n2.ca }, nodes.n2);
    try {
      p.a.send([msg(1, 2, 8)]);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(p.got.b.length, 0);
    } finally {
      await p.a.stop();
      await p.b.stop();
    }
  });
  it('shares a port: another TLS server routes the raft ALPN to acceptConnection and answers the rest itself', async function () {
    if (!hasOpenssl()) {
      console.warn('SKIP: openssl CLI not found; cannot make test certificates');
      this.skip();
    }
    this.timeout(20000);
    const { nodes } = makeCerts(fs.mkdtempSync(path.join(dir, 'alpn-')), ['n1', 'n2']);
    const got: Message[] = [];
    const base = { onUnreachable: () => {}, onSnapshotStatus: () => {} };
    const b = new Transport({ ...base, id: 2, peers: new Map(), tls: nodes.n2, onMessage: (m) => got.push(m) });
    await b.start();
    const server = tls.createServer(
      { ...nodes.n2, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['tsswarm-raft', 'http/1.1'] },
      (sock) => {
        if (sock.alpnProtocol === 'tsswarm-raft') b.acceptConnection(sock);
        else sock.end('other protocol\n');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const a = new Transport({
      ...base,
      id: 1,
      peers: new Map([[2, `127.0.0.1:${port}`]]),
      tls: { ...nodes.n1, alpn: 'tsswarm-raft' },
      onMessage: () => {},
    });
    await a.start();
    try {
      a.send([msg(1, 2, 9)]);
      await until(() => got.length === 1);
      assert.equal(got[0].index, 9);
      const other = await new Promise<string>((resolve, reject) => {
        const c = tls.connect({
          ...nodes.n1,
          host: '127.0.0.1',
          port,
          ALPNProtocols: ['http/1.1'],
          checkServerIdentity: () => undefined,
        });
        let text = '';
        c.on('data', (d) => (text += d));
        c.on('end', () => resolve(text));
        c.on('error', reject);
      });
      assert.equal(other, 'other protocol\n');
    } finally {
      await a.stop();
      await b.stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
