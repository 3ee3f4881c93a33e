import * as fs from 'node:fs';
import * as net from 'node:net';

/*
 * Ports come from below the kernel's ephemeral range. A port the kernel picked for listen(0) and
 * then released is back in the pool it draws outgoing connections' local ports from, so a
 * connection made between the pick and the test's own listen could take it (EADDRINUSE). Below the
 * range, only a listener that names the port can hold it, and each pick here is a new port.
 */
const FLOOR = 10000;

function ephemeralLow(): number {
  try {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > FLOOR + 1000 ? low : 32768;
  } catch {
    return 32768;
  }
}

const ceiling = ephemeralLow();
let next = FLOOR + Math.floor(Math.random() * (ceiling - FLOOR));

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that is free and that nothing but a listener naming it will take. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < ceiling - FLOOR; tries++) {
    const port = next;
    next = next + 1 >= ceiling ? FLOOR : next + 1;
    if (await probe(port)) return port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${FLOOR}-${ceiling - 1}`);
}
