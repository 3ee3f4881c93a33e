export { createApiApp, apiVersionMiddleware, type ApiDeps } from './app';
export { ApiServer, parseListen, type ListenSpec, type TlsFiles } from './server';
export type { ImageBackend, ProgressMessage } from './image-backend';
export type { SystemInfoSource } from './routes/system';
