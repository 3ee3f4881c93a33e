/** Random object ids in swarmkit's shape: 128 random bits in base 36, zero-padded to 25 characters. */
import { randomBytes } from 'node:crypto';

/** A new node (or cluster) id, e.g. "2f3tq0wx8v9l3zq2hnb6j1k4e". Valid as a DNS label. */
export function generateNodeId(random: (n: number) => Buffer = randomBytes): string {
  return BigInt('0x' + random(16).toString('hex'))
    .toString(36)
    .padStart(25, '0');
}
