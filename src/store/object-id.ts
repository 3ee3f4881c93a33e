import { randomBytes } from 'node:crypto';

/**
 * A new object ID shaped like swarmkit's: 128 random bits in base 36, zero-padded to 25
 * characters. IDs are chosen by the writer and travel in the raft entry, so every replica
 * stores the same one.
 */
export function newObjectId(random: (n: number) => Uint8Array = randomBytes): string {
  const b = random(16);
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n.toString(36).padStart(25, '0');
}
