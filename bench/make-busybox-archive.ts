import { writeFileSync } from 'node:fs';
import { buildBusyboxImage, dockerArchiveOf } from '../test/support/busybox-image';

/** Writes a docker-archive of a busybox image built from Debian's busybox-static: make-busybox-archive OUT TAG. */
async function main(): Promise<void> {
  const [out, tag = 'busybox:latest'] = process.argv.slice(2);
  if (!out) throw new Error('usage: make-busybox-archive OUT.tar [TAG]');
  writeFileSync(out, await dockerArchiveOf(await buildBusyboxImage(), [tag]));
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
