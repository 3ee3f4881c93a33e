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
const template = `node ${server} --name {name} --data-dir {data} --listen-client-urls http://127.0.0.1:{client} --listen-peer-urls http://127.0.0.1:{peer} --initial-cluster {cluster}`;
const child = spawn('bash', [script, ...process.argv.slice(2), template], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
