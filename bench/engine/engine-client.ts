import * as http from 'node:http';

/**
 * The Docker Engine API client both daemons are driven with: plain node http over a unix
 * socket, one keep-alive agent, versioned paths. v1.41 because Debian's dockerd 20.10 serves
 * no higher; tsswarmd serves 1.24-1.44.
 */
export class EngineClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private closed = false;

  constructor(
    readonly socket: string,
    readonly version = 'v1.41',
  ) {}

  /** One request; resolves with the status and the whole body. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Buffer }> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (this.closed) return Promise.reject(new Error(`${method} ${path}: client closed (the bench is stopping)`));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socket,
          agent: this.agent,
          method,
          path: `/${this.version}${path}`,
          headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  /** A request that must succeed (2xx); parses a JSON body when there is one. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request(method, path, body);
    if (r.status >= 300) {
      let msg = r.body.toString('utf8');
      try {
        msg = (JSON.parse(msg) as { message?: string }).message ?? msg;
      } catch {
        /* not JSON */
      }
      throw new Error(`${method} ${path} on ${this.socket}: ${r.status} ${msg.trim()}`);
    }
    return (r.body.length ? JSON.parse(r.body.toString('utf8')) : undefined) as T;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.request('GET', '/_ping')).status === 200;
    } catch {
      return false;
    }
  }

  /** POST /images/create; resolves when the progress stream ends, throws on an error line. */
  async pull(image: string, tag: string): Promise<void> {
    const q = `fromImage=${encodeURIComponent(image)}&tag=${encodeURIComponent(tag)}`;
    const r = await this.request('POST', `/images/create?${q}`);
    if (r.status >= 300) throw new Error(`pull ${image}:${tag}: ${r.status} ${r.body.toString('utf8')}`);
    for (const line of r.body.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      const m = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
      if (m.error) throw new Error(`pull ${image}:${tag}: ${m.error}`);
    }
  }

  /** Refuses further requests and drops idle connections. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
  }
}
