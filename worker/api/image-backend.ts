import type { Readable } from 'node:stream';

/** Docker's JSON progress message of pulls, pushes and loads. */
export type ProgressMessage = Record<string, unknown>;

/** What the API needs of the image service (worker/engine/images). */
export interface ImageBackend {
  pull(ref: string, o: { auth?: string; onProgress?: (m: ProgressMessage) => void }): Promise<unknown>;
  push(ref: string, o: { auth?: string; onProgress?: (m: ProgressMessage) => void }): Promise<unknown>;
  load(input: Readable, o?: { onProgress?: (m: ProgressMessage) => void }): Promise<{ loaded: string[] }>;
  save(names: string[]): Promise<Readable> | Readable;
  list(o: { all?: boolean; filters?: Record<string, string[]> }): Promise<unknown[]>;
  inspect(name: string): Promise<unknown>;
  tag(source: string, repo: string, tag?: string): Promise<void>;
  remove(name: string, o: { force?: boolean; noprune?: boolean }): Promise<unknown[]>;
  distributionInspect(ref: string, auth?: string): Promise<unknown>;
}
