/**
 * Binary encoding of raft Messages for the wire: fixed-width little-endian fields, entries
 * and snapshot in the storage codec's format. Much cheaper per message than JSON.
 */
import type { Entry, Message, MessageType } from '../types';
import { BinaryReader, BinaryWriter, readEntry, readSnapshot, writeEntry, writeSnapshot } from '../storage/codec';

const HAS_SNAPSHOT = 1;
const HAS_CONTEXT = 2;
const REJECT = 4;

/** Appends the encoding of `m` to `w`. */
export function encodeMessage(w: BinaryWriter, m: Message): void {
  let size = 80;
  for (const e of m.entries) size += 24 + e.data.length;
  if (m.snapshot) size += 64 + m.snapshot.data.length;
  if (m.context) size += 4 + m.context.length;
  w.ensure(size);
  w.u8(m.type);
  w.u8((m.snapshot ? HAS_SNAPSHOT : 0) | (m.context ? HAS_CONTEXT : 0) | (m.reject ? REJECT : 0));
  w.u64(m.from);
  w.u64(m.to);
  w.u64(m.term);
  w.u64(m.logTerm);
  w.u64(m.index);
  w.u64(m.commit);
  w.u64(m.rejectHint);
  w.u64(m.hintTerm);
  w.u32(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.snapshot) writeSnapshot(w, m.snapshot);
  if (m.context) w.bytes(m.context);
}

/** Decodes one message; byte fields are views into `r`'s buffer. Throws DecodeError on bad input. */
export function decodeMessage(r: BinaryReader): Message {
  const type = r.u8() as MessageType;
  const flags = r.u8();
  const from = r.u64();
  const to = r.u64();
  const term = r.u64();
  const logTerm = r.u64();
  const index = r.u64();
  const commit = r.u64();
  const rejectHint = r.u64();
  const hintTerm = r.u64();
  const n = r.u32();
  const entries: Entry[] = new Array(n);
  for (let i = 0; i < n; i++) entries[i] = readEntry(r);
  const m: { -readonly [K in keyof Message]: Message[K] } = {
    type,
    from,
    to,
    term,
    logTerm,
    index,
    entries,
    commit,
    reject: (flags & REJECT) !== 0,
    rejectHint,
    hintTerm,
  };
  if (flags & HAS_SNAPSHOT) m.snapshot = readSnapshot(r);
  if (flags & HAS_CONTEXT) m.context = r.bytes();
  return m;
}
