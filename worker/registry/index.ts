export * from './credentials';
export * from './media-types';
export * from './platform';
export * from './reference';
export { RegistryClient, RepositorySession, type FetchedManifest, type RegistryClientOptions } from './registry-client';
export { isLoopbackHost, type StreamBody } from './http-request';
export * from './www-authenticate';
