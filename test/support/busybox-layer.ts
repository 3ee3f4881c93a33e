import { readFileSync } from 'node:fs';
import { pack, type Pack } from 'tar-stream';

/** The applets the test images link to /bin/busybox. */
export const BUSYBOX_APPLETS = [
  'sh',
  'echo',
  'cat',
  'sleep',
  'ls',
  'env',
  'id',
  'hostname',
  'wget',
  'nc',
  'httpd',
  'top',
  'ps',
  'true',
  'false',
  'mkdir',
  'rm',
  'touch',
  'kill',
  'pwd',
  'whoami',
  'head',
  'tail',
  'grep',
  'date',
  'uname',
  'trap',
  'ip',
  'ping',
];

/**
 * An uncompressed layer tar holding Debian's static busybox with its applets, /etc/passwd and
 * /etc/group, and the usual empty directories: enough of a root filesystem to run tests in.
 */
export async function busyboxLayerTar(busybox = '/bin/busybox'): Promise<Buffer> {
  return packTar((p) => {
    const mtime = new Date(0);
    for (const d of ['bin', 'etc', 'tmp', 'root', 'home', 'proc', 'sys', 'dev', 'var', 'var/tmp', 'usr', 'usr/bin']) {
      p.entry({ name: `${d}/`, type: 'directory', mode: d.endsWith('tmp') ? 0o1777 : 0o755, mtime });
    }
    p.entry({ name: 'bin/busybox', mode: 0o755, mtime }, readFileSync(busybox));
    for (const a of BUSYBOX_APPLETS) p.entry({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox', mtime });
    p.entry(
      { name: 'etc/passwd', mode: 0o644, mtime },
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    );
    p.entry({ name: 'etc/group', mode: 0o644, mtime }, 'root:x:0:\nnogroup:x:65534:\n');
  });
}

/** A tar built by `fill`, which adds entries to the pack; resolves with the whole archive. */
export async function packTar(fill: (p: Pack) => void): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  fill(p);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
