/** Reading a JSON request body on the cluster port, bounded. */
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../api';

/** Largest request body accepted on the cluster port. */
export const MAX_RPC_BODY_BYTES = 1024 * 1024;

/** The parsed JSON body; InvalidArgumentError when too large or not JSON. */
export function readJsonBody(req: IncomingMessage, limit = MAX_RPC_BODY_BYTES): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new InvalidArgumentError(`request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve(text ? JSON.parse(text) : {});
      } catch {
        reject(new InvalidArgumentError('request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}
