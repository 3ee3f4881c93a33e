/**
 * npm run bench:raftkv [-- -r ROUNDS -s SECS]: runs ../shared/bench/kv/compare.sh (etcd beside
 * raftkv, 3 members each, same client) with the raftkv start template. Members talk plain TCP
 * on loopback (no TLS), as etcd does with http:// peer URLs.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const script = path.resolve(root, '..', 'shared', 'bench', 'kv', 'compare.sh');
const server = path.join(root, 'dist', 'bench', 'raftkv', 'server.js');
// Memory: one malloc arena and a fixed mmap threshold (freed large Buffers go back to the
// system instead of staying in per-thread arenas), no background GC threads (on a small
// machine shared by three members they cost memory and won no throughput in side-by-side
// runs), and a 4 MiB young generation (see capNursery in server.ts).
const memory = process.env.RAFTKV_MEMORY_ENV ?? 'MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=131072 RAFTKV_NURSERY_MB=4';
const nodeFlags = process.env.RAFTKV_NODE_FLAGS ?? '--single-threaded-gc';
const template = `env ${memory} node ${nodeFlags} ${server} --name {name} --data-dir {data} --listen-client-urls http://127.0.0.1:{client} --listen-peer-urls http://127.0.0.1:{peer} --initial-cluster {cluster}`;
const child = spawn('bash', [script, ...process.argv.slice(2), template], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
