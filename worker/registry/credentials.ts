import { InvalidArgumentError } from '../../src/api';

/** Credentials for one registry, as the client sends them in X-Registry-Auth. */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker login with a token), used instead of username/password. */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
  serverAddress?: string;
}

/**
 * Decodes an X-Registry-Auth header: base64url (or base64) of JSON
 * {username, password, serveraddress} or {identitytoken}. Empty, "e30=" ({}) and "null" mean none.
 */
export function parseRegistryAuth(header: string | undefined): RegistryCredentials | undefined {
  if (!header || !header.trim()) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header.trim(), 'base64').toString('utf8'));
  } catch {
    throw new InvalidArgumentError('X-Registry-Auth: not base64-encoded JSON');
  }
  if (json === null) return undefined;
  if (typeof json !== 'object' || Array.isArray(json))
    throw new InvalidArgumentError('X-Registry-Auth: not a JSON object');
  const o = json as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = o[k] ?? o[k.toLowerCase()];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new InvalidArgumentError(`X-Registry-Auth: ${k} must be a string`);
    return v;
  };
  const c: RegistryCredentials = {
    username: str('username'),
    password: str('password'),
    identityToken: str('identitytoken'),
    registryToken: str('registrytoken'),
    serverAddress: str('serveraddress'),
  };
  if (!c.username && !c.password && !c.identityToken && !c.registryToken) return undefined;
  return c;
}
