import { InvalidArgumentError } from '../../src/api';

/** The registry Docker Hub names are normalized to. */
export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAINS = new Set(['index.docker.io', 'registry-1.docker.io']);

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

/** A parsed, normalized image reference (docker.io/library/busybox:latest). */
export interface ImageReference {
  /** Registry host as written, normalized ("docker.io", "127.0.0.1:5000"). */
  domain: string;
  /** Repository path inside the registry ("library/busybox"). */
  path: string;
  /** Tag, if any; "latest" is filled in when neither tag nor digest is given. */
  tag?: string;
  /** "sha256:<hex>", if the reference pins a digest. */
  digest?: string;
}

function invalid(detail?: string): InvalidArgumentError {
  return new InvalidArgumentError(detail ? `invalid reference format: ${detail}` : 'invalid reference format');
}

/**
 * Parses a reference the way Docker does: "busybox", "user/app:1", "host:5000/repo:tag",
 * "repo@sha256:…". A name without a domain is on docker.io, and a one-component docker.io name is
 * under library/. Throws InvalidArgumentError "invalid reference format" on anything else.
 */
export function parseReference(input: string, opts: { defaultTag?: boolean } = {}): ImageReference {
  if (typeof input !== 'string' || input.length === 0 || input.length > 512) throw invalid();
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid();
    if (digest.startsWith('sha256:') && !/^sha256:[a-f0-9]{64}$/.test(digest)) throw invalid();
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw invalid();
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first)) {
      domain = first;
      path = rest.slice(slash + 1);
      if (!DOMAIN.test(domain)) throw invalid();
    }
  }
  if (LEGACY_DOMAINS.has(domain)) domain = DEFAULT_DOMAIN;
  if (path.length === 0) throw invalid();
  if (/[A-Z]/.test(path)) throw invalid('repository name must be lowercase');
  for (const c of path.split('/')) if (!PATH_COMPONENT.test(c)) throw invalid();
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (domain.length + path.length + 1 > 255) throw invalid('repository name must not be more than 255 characters');
  if (!tag && !digest && opts.defaultTag !== false) tag = 'latest';
  return { domain, path, tag, digest };
}

/** "docker.io/library/busybox" */
export function repositoryName(r: ImageReference): string {
  return `${r.domain}/${r.path}`;
}

/** The full normalized form: "docker.io/library/busybox:latest" or "…@sha256:…" (both when both). */
export function formatReference(r: ImageReference): string {
  return `${repositoryName(r)}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** Docker's short form of a repository: "busybox", "user/app", "127.0.0.1:5000/repo". */
export function familiarRepository(r: ImageReference): string {
  if (r.domain !== DEFAULT_DOMAIN) return repositoryName(r);
  return r.path.startsWith('library/') && r.path.split('/').length === 2 ? r.path.slice(8) : r.path;
}

/** Docker's short form of a whole reference: "busybox:latest", "busybox@sha256:…". */
export function familiarReference(r: ImageReference): string {
  return `${familiarRepository(r)}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** Normalizes a reference string to its full form, adding ":latest" when it has no tag or digest. */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** The host to talk HTTP to for a domain (Docker Hub's API lives on registry-1.docker.io). */
export function registryHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
}
