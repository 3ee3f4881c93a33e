import * as fs from 'node:fs';
import * as net from 'node:net';

/*
 * Ports come from outside the kernel's ephemeral range. A port the kernel picked for listen(0)
 * and then released is back in the pool it draws outgoing connections' local ports from, so a
 * connection made between the pick and the test's own listen could take it (EADDRINUSE). Outside
 * the range, only a listener that names the port can hold it. Above the range comes first: the
 * fixed ports some tests name (cluster ports 24000+, Prometheus' 29090) are all below it.
 */
const MIN_SPAN = 1000;

function pickRange(): [number, number] {
  let low = 32768;
  let high = 60999;
  try {
    const [l, h] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(l) && Number.isInteger(h) && l <= h) [low, high] = [l, h];
  } catch {
    /* not Linux: the defaults */
  }
  if (65535 - high >= MIN_SPAN) return [high + 1, 65536];
  if (low - 1024 >= MIN_SPAN) return [1024, low];
  throw new Error(`the ephemeral port range ${low}-${high} leaves no room for test ports`);
}

const [from, to] = pickRange();
let next = from + Math.floor(Math.random() * (to - from));

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that is free and that nothing but a listener naming it will take. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < to - from; tries++) {
    const port = next;
    next = next + 1 >= to ? from : next + 1;
    if (await probe(port)) return port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${from}-${to - 1}`);
}
