/**
 * Snapshot files: snap/<index hex16>-<term hex16>.snap holding [u32 crc32c][encoded snapshot].
 * Written atomically: a temp file, fsync, rename, fsync of the folder, so a crash leaves either
 * the old set of files or the new one, never a half-written snapshot under a real name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Snapshot } from '../types';
import { BinaryReader, BinaryWriter, readSnapshot, writeConfState, writeSnapshot } from './codec';
import { crc32c } from './crc32c';
import { FatalStorageError } from './errors';

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

/** fsyncs a folder so that a rename or unlink in it survives a crash. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `snap` into `dir` atomically and returns its file name. Throws FatalStorageError on I/O failure. */
export function writeSnapshotFile(dir: string, snap: Snapshot): string {
  const w = new BinaryWriter(64 + snap.data.length);
  w.u32(0);
  writeSnapshot(w, snap);
  const buf = w.view();
  buf.writeUInt32LE(crc32c(buf, 0, 4), 0);
  const name = `${hex16(snap.metadata.index)}-${hex16(snap.metadata.term)}.snap`;
  const tmp = path.join(dir, `${name}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(dir, name));
    fsyncDir(dir);
  } catch (err) {
    throw new FatalStorageError(`writing snapshot ${name}`, { cause: err });
  }
  return name;
}

/**
 * Like writeSnapshotFile, but with asynchronous I/O so that the caller's event loop keeps
 * serving while a large snapshot goes to disk. The data is written as is, not copied.
 */
export async function writeSnapshotFileAsync(dir: string, snap: Snapshot): Promise<string> {
  const w = new BinaryWriter(128);
  w.u32(0);
  w.u64(snap.metadata.index);
  w.u64(snap.metadata.term);
  writeConfState(w, snap.metadata.confState);
  w.u32(snap.data.length);
  const head = w.view();
  const crc = crc32c(snap.data, crc32c(head, 0, 4));
  head.writeUInt32LE(crc, 0);
  const name = `${hex16(snap.metadata.index)}-${hex16(snap.metadata.term)}.snap`;
  const tmp = path.join(dir, `${name}.tmp`);
  try {
    const fh = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(head);
      await fh.writeFile(snap.data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, path.join(dir, name));
    fsyncDir(dir);
  } catch (err) {
    throw new FatalStorageError(`writing snapshot ${name}`, { cause: err });
  }
  return name;
}

/** Snapshot file names in `dir`, newest (highest index) first. Leftover temp files are removed. */
export function listSnapshotFiles(dir: string): string[] {
  const names: string[] = [];
  for (const n of fs.readdirSync(dir)) {
    if (n.endsWith('.tmp')) fs.rmSync(path.join(dir, n), { force: true });
    else if (NAME.test(n)) names.push(n);
  }
  return names.sort().reverse();
}

/** Reads and verifies one snapshot file; returns undefined if it is damaged. */
export function readSnapshotFile(file: string): Snapshot | undefined {
  const buf = fs.readFileSync(file);
  if (buf.length < 4 || crc32c(buf, 0, 4) !== buf.readUInt32LE(0)) return undefined;
  try {
    const s = readSnapshot(new BinaryReader(buf, 4));
    return { metadata: s.metadata, data: Buffer.from(s.data) };
  } catch {
    return undefined;
  }
}
