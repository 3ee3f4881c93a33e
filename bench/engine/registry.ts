import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { sleep, stopPid } from './process';

function probe(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const r = http.get(`http://${host}/v2/`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    r.on('error', () => resolve(false));
    r.setTimeout(1000, () => r.destroy());
  });
}

/** Debian's docker-registry on 127.0.0.1:`port`, storage under `dir`; stop() kills it by PID. */
export async function startRegistry(dir: string, port: number): Promise<{ host: string; stop(): Promise<void> }> {
  const host = `127.0.0.1:${port}`;
  if (await probe(host)) throw new Error(`something already serves ${host}; pick another --registry-port`);
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n` +
      `storage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'storage')}\n` +
      `http:\n  addr: ${host}\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore', detached: true });
  const stop = () => stopPid(child.pid, 5000);
  for (let i = 0; i < 100; i++) {
    if (await probe(host)) return { host, stop };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  await stop();
  throw new Error(`docker-registry did not start on ${host}`);
}
