#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=65536 node --max-semi-space-size=1 --heap-growing-percent=20
// A daemon's allocations come in bursts (50 containers starting, a pull's layer buffers): with
// V8's default young generation growing to 32 MiB and the old one growing by up to 2x before a
// full GC, a burst leaves the RSS 20-40 MiB higher; these limits cost no measurable CPU here.
// glibc raises its mmap threshold to the largest block freed (a 1 MiB layer chunk), and the
// malloc heap then keeps the holes; a fixed threshold returns such blocks at once. At 64 KiB it
// takes in the sockets' 64 KiB read buffers too, which a pull holds by the hundred while its
// layers wait for containerd: with 50 running after a pull per round, 81-92 MiB instead of
// 88-102. glibc has read it by now: the daemon's children (containerd, runc, plugins) do not get it.
delete process.env.MALLOC_MMAP_THRESHOLD_;
// Several blocking FIFO opens may wait on the thread pool at once while many containers start.
process.env.UV_THREADPOOL_SIZE ??= '32';

import { toTsswarmError } from '../../src/api';
import { ImageService } from '../engine/images';
import { Daemon } from './daemon';
import { parseDaemonArgs, USAGE } from './options';

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseDaemonArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`tsswarmd: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (opts === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  process.env.TSSWARM_LOG_LEVEL ??= opts.logLevel;
  const daemon = new Daemon(opts, (deps) => new ImageService(deps));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`tsswarmd: ${signal}: stopping; containers keep running\n`);
    daemon.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await daemon.start();
  } catch (err) {
    process.stderr.write(`tsswarmd: failed to start: ${toTsswarmError(err).message}\n`);
    process.exit(1);
  }
}

void main();
