import { randomBytes } from 'node:crypto';
import { isAlreadyExists, type ContainerdClient } from '../containerd';

/**
 * content.write that treats a blob committed meanwhile by a concurrent writer (another pull or
 * load of an image sharing it) as success, applying `labels` to the existing blob.
 */
export async function writeContent(
  client: ContainerdClient,
  expected: { digest: string; size: number },
  data: Buffer | AsyncIterable<Buffer | Uint8Array>,
  labels: Record<string, string> = {},
): Promise<void> {
  try {
    // A write ref of our own: concurrent writers of one blob then race to commit instead of
    // failing on a locked ref, and the loser sees ALREADY_EXISTS.
    await client.content.write(expected, data, labels, `tsswarm-${expected.digest}-${randomBytes(4).toString('hex')}`);
  } catch (err) {
    if (!isAlreadyExists(err) || !(await client.content.exists(expected.digest))) throw err;
    await client.content.labelExisting(expected.digest, labels);
  }
}
