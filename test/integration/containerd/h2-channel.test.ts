import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { H2Channel } from '../../../worker/engine/containerd/h2-channel';
import { framePrefix } from '../../../worker/engine/containerd/grpc-frames';

const frame = (body: Buffer) => Buffer.concat([framePrefix(body.length), body]);

/** A gRPC peer on a unix socket: each path is a handler of the raw stream and its request body. */
class FakeServer {
  server = http2.createServer();
  sessions = new Set<http2.ServerHttp2Session>();
  lastHeaders?: http2.IncomingHttpHeaders;

  constructor(
    readonly socket: string,
    handlers: Record<string, (s: http2.ServerHttp2Stream, body: Buffer) => void>,
  ) {
    this.server.on('session', (s) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    this.server.on('stream', (stream, headers) => {
      this.lastHeaders = headers;
      stream.on('error', () => undefined); // a reset of our own making
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => handlers[String(headers[':path'])]?.(stream, Buffer.concat(parts).subarray(5)));
    });
  }

  async listen(): Promise<void> {
    this.server.listen(this.socket);
    await once(this.server, 'listening');
  }

  /** Closes the listener and cuts every session, as a containerd killed -9 would. */
  async kill(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

function ok(stream: http2.ServerHttp2Stream, messages: Buffer[], split = false): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  const wire = Buffer.concat(messages.map(frame));
  if (split) for (let i = 0; i < wire.length; i += 3) stream.write(wire.subarray(i, i + 3));
  else stream.write(wire);
  stream.end();
}

describe('gRPC over HTTP/2 (H2Channel, a fake peer on a unix socket)', function () {
  this.timeout(20_000);
  let dir: string;
  let socket: string;
  let server: FakeServer;
  let channel: H2Channel;
  const handlers: Record<string, (s: http2.ServerHttp2Stream, body: Buffer) => void> = {
    '/t.S/Echo': (s, body) => ok(s, [Buffer.from(body).reverse()]),
    '/t.S/Missing': (s) =>
      s.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '5',
          'grpc-message': 'no%20such%20%C3%A9',
        },
        { endStream: true },
      ),
    '/t.S/FailAfterData': (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '9', 'grpc-message': 'in use' }));
      s.end(frame(Buffer.from('partial')));
    },
    '/t.S/Never': () => undefined,
    '/t.S/Reset': (s) => s.close(http2.constants.NGHTTP2_INTERNAL_ERROR),
    '/t.S/Three': (s) => ok(s, [Buffer.from('one'), Buffer.alloc(0), Buffer.alloc(100_000, 9)], true),
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-h2-'));
    socket = path.join(dir, 'peer.sock');
    server = new FakeServer(socket, handlers);
    await server.listen();
    channel = new H2Channel(socket);
  });

  afterEach(async () => {
    channel.close();
    await server.kill().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes unary calls, many at once, with the metadata as headers', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        channel.unary('/t.S/Echo', { 'containerd-namespace': 'ns' }, Buffer.from(`abc${i}`)),
      ),
    );
    assert.equal(answers[7].toString(), '7cba');
    assert.equal(server.lastHeaders?.['containerd-namespace'], 'ns');
    assert.equal(server.lastHeaders?.['content-type'], 'application/grpc');
    assert.equal(server.sessions.size, 1);
  });

  it('reports a status sent alone or after data, and a reset stream', async () => {
    await assert.rejects(channel.unary('/t.S/Missing', {}, Buffer.alloc(0)), { code: 5, details: 'no such é' });
    await assert.rejects(channel.unary('/t.S/FailAfterData', {}, Buffer.alloc(0)), { code: 9, details: 'in use' });
    await assert.rejects(channel.unary('/t.S/Reset', {}, Buffer.alloc(0)), (e: { code?: number }) => e.code === 14);
  });

  it('gives up at the deadline, and tells the peer its timeout', async () => {
    const t0 = Date.now();
    await assert.rejects(channel.unary('/t.S/Never', {}, Buffer.alloc(0), 200), { code: 4 });
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(server.lastHeaders?.['grpc-timeout'], '200m');
  });

  it('reads a server stream whose messages arrive in pieces, then its OK end', async () => {
    const call = channel.call('/t.S/Three', {});
    await call.send([Buffer.from('req')]);
    call.end();
    const got: Buffer[] = [];
    for (let b = await call.next(); b !== undefined; b = await call.next()) got.push(b);
    assert.deepEqual(got, [Buffer.from('one'), Buffer.alloc(0), Buffer.alloc(100_000, 9)]);
  });

  it('fails fast while the peer is gone, reconnects on its own and says so', async () => {
    await channel.waitForReady(2000);
    assert.equal(channel.connected, true);
    const down = once(channel, 'down');
    const pending = channel.call('/t.S/Never', {});
    await pending.send([Buffer.alloc(0)]);
    await server.kill();
    await down;
    await assert.rejects(pending.next(), (e: { code?: number }) => e.code === 14);
    await assert.rejects(channel.unary('/t.S/Echo', {}, Buffer.from('x')), (e: { code?: number }) => e.code === 14);
    const up = once(channel, 'up');
    rmSync(socket, { force: true });
    server = new FakeServer(socket, handlers);
    await server.listen();
    await up;
    assert.equal((await channel.unary('/t.S/Echo', {}, Buffer.from('ab'))).toString(), 'ba');
  });

  it('refuses calls once closed, and waitForReady times out with no peer', async () => {
    await server.kill();
    const lonely = new H2Channel(path.join(dir, 'nobody.sock'));
    await assert.rejects(lonely.waitForReady(300), { code: 14 });
    lonely.close();
    assert.throws(() => lonely.call('/t.S/Echo', {}), { code: 14 });
    await assert.rejects(lonely.unary('/t.S/Echo', {}, Buffer.alloc(0)), { code: 14 });
  });
});
