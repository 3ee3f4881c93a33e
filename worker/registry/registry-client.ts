import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { InternalError, NotFoundError, TsswarmError, UnauthorizedError, UnavailableError } from '../../src/api';
import type { RegistryCredentials } from './credentials';
import { httpRequest, isLoopbackHost, readBody, type StreamBody } from './http-request';
import { MANIFEST_ACCEPT } from './media-types';
import { registryHost, type ImageReference } from './reference';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate';

export interface RegistryClientOptions {
  /** Registries ("host:port" or "host") spoken to over plain HTTP besides loopback ones. */
  insecureRegistries?: string[];
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number;
  userAgent?: string;
}

/** A manifest or index as the registry serves it. */
export interface FetchedManifest {
  mediaType: string;
  digest: string;
  size: number;
  body: Buffer;
}

/**
 * A Registry HTTP API v2 client. Plain HTTP only for loopback registries and the configured
 * insecure ones; HTTPS otherwise. Sessions are per repository and carry their auth state.
 */
export class RegistryClient {
  constructor(private readonly opts: RegistryClientOptions = {}) {}

  /** Base URL of a registry domain ("docker.io" -> https://registry-1.docker.io). */
  baseUrl(domain: string): URL {
    const host = registryHost(domain);
    const hostname = host.replace(/:\d+$/, '');
    const insecure =
      isLoopbackHost(host) || (this.opts.insecureRegistries ?? []).some((r) => r === host || r === hostname);
    return new URL(`${insecure ? 'http' : 'https'}://${host}/`);
  }

  /** A session on one repository; `push` asks for push rights as well as pull. */
  repository(
    ref: Pick<ImageReference, 'domain' | 'path'>,
    o: { credentials?: RegistryCredentials; push?: boolean } = {},
  ): RepositorySession {
    return new RepositorySession(this.baseUrl(ref.domain), ref.domain, ref.path, o.credentials, !!o.push, this.opts);
  }
}

/** Registry error bodies {"errors":[{code,message}]} as Docker prints them: "unauthorized: authentication required". */
function registryMessage(body: Buffer, status: number): { text: string; codes: string[] } {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    if (Array.isArray(j.errors) && j.errors.length) {
      return {
        text: j.errors
          .map((e) => `${(e.code ?? 'unknown').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`)
          .join('; '),
        codes: j.errors.map((e) => e.code ?? ''),
      };
    }
  } catch {
    /* not JSON */
  }
  const text = body.toString('utf8').trim().slice(0, 200);
  return { text: text || `HTTP status ${status}`, codes: [] };
}

export class RepositorySession {
  private authorization?: string;

  constructor(
    readonly base: URL,
    readonly domain: string,
    readonly path: string,
    private readonly credentials: RegistryCredentials | undefined,
    private readonly push: boolean,
    private readonly opts: RegistryClientOptions,
  ) {
    if (credentials?.registryToken) this.authorization = `Bearer ${credentials.registryToken}`;
  }

  private url(suffix: string): URL {
    return new URL(`/v2/${this.path}/${suffix}`, this.base);
  }

  /**
   * Sends a request, answering a 401 challenge once (Bearer token or Basic), and following
   * redirects for GET/HEAD. Non-2xx answers other than those `okStatus` allows become typed errors.
   */
  private async send(
    method: string,
    url: URL,
    o: { headers?: Record<string, string>; body?: Buffer | StreamBody; okStatus?: number[]; what: string },
  ): Promise<IncomingMessage> {
    let target = url;
    let retried = false;
    for (let hops = 0; hops < 10; hops++) {
      const sameHost = target.host === this.base.host;
      const headers: Record<string, string> = { 'user-agent': this.opts.userAgent ?? 'tsswarm', ...o.headers };
      if (sameHost && this.authorization) headers.authorization = this.authorization;
      const res = await httpRequest({ method, url: target, headers, body: o.body, timeoutMs: this.opts.timeoutMs });
      const status = res.statusCode ?? 0;
      if (
        [301, 302, 303, 307, 308].includes(status) &&
        res.headers.location &&
        (method === 'GET' || method === 'HEAD')
      ) {
        res.resume();
        target = new URL(res.headers.location, target);
        continue;
      }
      if (status === 401 && sameHost && !retried) {
        const body = await readBody(res);
        retried = true;
        const header = res.headers['www-authenticate'];
        const challenges = parseWwwAuthenticate(Array.isArray(header) ? header.join(', ') : (header ?? ''));
        if (!(await this.authenticate(challenges))) throw new UnauthorizedError(registryMessage(body, status).text);
        continue;
      }
      if ((status >= 200 && status < 300) || o.okStatus?.includes(status)) return res;
      const body = method === 'HEAD' ? Buffer.alloc(0) : await readBody(res).catch(() => Buffer.alloc(0));
      throw this.errorFor(status, body, o.what);
    }
    throw new UnavailableError(`${o.what}: too many redirects`);
  }

  private errorFor(status: number, body: Buffer, what: string): TsswarmError {
    const m = registryMessage(body, status);
    if (status === 401) return new UnauthorizedError(m.text);
    if (status === 403) return new UnauthorizedError(`denied: ${m.text}`);
    if (status === 404) return new NotFoundError('registry object', what, { message: `${what} not found: ${m.text}` });
    if (status === 429) return new UnavailableError(`toomanyrequests: ${m.text}`);
    return new UnavailableError(`${what}: registry answered ${status}: ${m.text}`);
  }

  /** Obtains an Authorization header for the challenges; false when none can be answered. */
  private async authenticate(challenges: AuthChallenge[]): Promise<boolean> {
    const c = this.credentials;
    const bearer = challenges.find((x) => x.scheme === 'bearer');
    if (bearer?.params.realm) {
      const scope = `repository:${this.path}:${this.push ? 'pull,push' : 'pull'}`;
      const realm = new URL(bearer.params.realm);
      let res: IncomingMessage;
      if (c?.identityToken) {
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: c.identityToken,
          service: bearer.params.service ?? '',
          scope,
          client_id: 'tsswarm',
        });
        res = await httpRequest({
          method: 'POST',
          url: realm,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.from(form.toString()),
          timeoutMs: this.opts.timeoutMs,
        });
      } else {
        if (bearer.params.service) realm.searchParams.set('service', bearer.params.service);
        realm.searchParams.set('scope', scope);
        const headers: Record<string, string> = {};
        if (c?.username !== undefined) headers.authorization = basic(c.username, c.password ?? '');
        res = await httpRequest({ method: 'GET', url: realm, headers, timeoutMs: this.opts.timeoutMs });
      }
      const body = await readBody(res);
      if (res.statusCode === 401 || res.statusCode === 403)
        throw new UnauthorizedError(registryMessage(body, 401).text);
      if ((res.statusCode ?? 0) >= 300)
        throw new UnavailableError(`token server ${realm.origin} answered ${res.statusCode}`);
      const j = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
      const token = j.token ?? j.access_token;
      if (!token) throw new UnavailableError(`token server ${realm.origin} sent no token`);
      this.authorization = `Bearer ${token}`;
      return true;
    }
    if (challenges.some((x) => x.scheme === 'basic') && c?.username !== undefined) {
      this.authorization = basic(c.username, c.password ?? '');
      return true;
    }
    return false;
  }

  private manifestError(reference: string, err: unknown): unknown {
    if (err instanceof NotFoundError) {
      const name = `${this.domain}/${this.path}${reference.includes(':') ? '@' : ':'}${reference}`;
      return new NotFoundError('manifest', name, {
        message: `manifest for ${name} not found: manifest unknown`,
        cause: err,
      });
    }
    return err;
  }

  /** GET a manifest or index by tag or digest; the body is checked against a digest reference. */
  async getManifest(reference: string): Promise<FetchedManifest> {
    let res: IncomingMessage;
    try {
      res = await this.send('GET', this.url(`manifests/${reference}`), {
        headers: { accept: MANIFEST_ACCEPT },
        what: `manifest ${reference}`,
      });
    } catch (err) {
      throw this.manifestError(reference, err);
    }
    const body = await readBody(res);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference)
      throw new InternalError(
        `manifest verification failed for digest ${reference}: the registry sent content with digest ${digest}`,
      );
    let mediaType = String(res.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    try {
      const doc = JSON.parse(body.toString('utf8')) as { mediaType?: string; manifests?: unknown };
      if (doc.mediaType) mediaType = doc.mediaType;
      else if (!mediaType || mediaType === 'application/json')
        mediaType = Array.isArray(doc.manifests)
          ? 'application/vnd.oci.image.index.v1+json'
          : 'application/vnd.oci.image.manifest.v1+json';
    } catch {
      throw new InternalError(`manifest ${reference} from ${this.domain}/${this.path} is not JSON`);
    }
    return { mediaType, digest, size: body.length, body };
  }

  /** HEAD a manifest: its descriptor without the body. */
  async headManifest(reference: string): Promise<{ mediaType: string; digest: string; size: number }> {
    let res: IncomingMessage;
    try {
      res = await this.send('HEAD', this.url(`manifests/${reference}`), {
        headers: { accept: MANIFEST_ACCEPT },
        what: `manifest ${reference}`,
      });
    } catch (err) {
      throw this.manifestError(reference, err);
    }
    res.resume();
    const digest = String(res.headers['docker-content-digest'] ?? '');
    if (!digest) return this.getManifest(reference);
    return {
      mediaType: String(res.headers['content-type'] ?? '')
        .split(';')[0]
        .trim(),
      digest,
      size: Number(res.headers['content-length'] ?? 0),
    };
  }

  /**
   * GET a blob as a stream that fails, at its end, unless its bytes hash to `digest` (and match
   * `size` when given). `size` in the result is the Content-Length (or the expected size).
   */
  async getBlob(digest: string, size?: number): Promise<{ stream: Readable; size: number }> {
    const res = await this.send('GET', this.url(`blobs/${digest}`), { what: `blob ${digest}` });
    const hash = createHash('sha256');
    let n = 0;
    const where = `${this.domain}/${this.path}`;
    const verify = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        n += chunk.length;
        cb(null, chunk);
      },
      flush(cb) {
        const got = `sha256:${hash.digest('hex')}`;
        if (got !== digest)
          cb(
            new InternalError(
              `filesystem layer verification failed for digest ${digest}: ${where} sent content with digest ${got}`,
            ),
          );
        else if (size !== undefined && n !== size)
          cb(new InternalError(`blob ${digest} from ${where}: expected ${size} bytes, got ${n}`));
        else cb();
      },
    });
    res.on('error', (err) => verify.destroy(err));
    // The reader may start late (after a containerd round trip); its iterator still sees the error.
    verify.on('error', () => undefined);
    res.pipe(verify);
    return { stream: verify, size: Number(res.headers['content-length'] ?? size ?? 0) };
  }

  async blobExists(digest: string): Promise<boolean> {
    const res = await this.send('HEAD', this.url(`blobs/${digest}`), { okStatus: [404], what: `blob ${digest}` });
    res.resume();
    return res.statusCode !== 404;
  }

  /**
   * Uploads a blob in one piece: POST an upload, then PUT ?digest= with the bytes (a buffer, or a
   * stream of known size opened per attempt). The registry checks the digest.
   */
  async putBlob(digest: string, data: Buffer | StreamBody): Promise<void> {
    const start = await this.send('POST', this.url('blobs/uploads/'), {
      headers: { 'content-length': '0' },
      what: `upload of ${digest}`,
    });
    start.resume();
    const location = start.headers.location;
    if (!location) throw new UnavailableError(`registry ${this.domain} gave no upload location for ${digest}`);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const put = await this.send('PUT', url, {
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
      what: `upload of ${digest}`,
    });
    put.resume();
  }

  /** PUT a manifest under a tag or digest; returns the digest the registry reports. */
  async putManifest(reference: string, mediaType: string, body: Buffer): Promise<string> {
    const res = await this.send('PUT', this.url(`manifests/${reference}`), {
      headers: { 'content-type': mediaType },
      body,
      what: `manifest ${reference}`,
    });
    res.resume();
    return String(res.headers['docker-content-digest'] ?? `sha256:${createHash('sha256').update(body).digest('hex')}`);
  }
}

function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}
