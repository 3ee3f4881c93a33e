import { ConfChangeType, type ConfChange } from '../types';

/**
 * The byte form of a ConfChange, carried as the data of EntryType.ConfChange entries:
 * u8 version (1), u8 type, u32 big-endian node id, then the context bytes to the end.
 */
const VERSION = 1;
const HEADER = 6;

/** Encodes a membership change for a ConfChange entry. Throws on an invalid type or node id. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  if (!(cc.type in ConfChangeType) || typeof cc.type !== 'number') {
    throw new RangeError(`raft: confChange.type ${String(cc.type)} is not a ConfChangeType`);
  }
  if (!Number.isInteger(cc.nodeId) || cc.nodeId <= 0 || cc.nodeId > 0xffffffff) {
    throw new RangeError(`raft: confChange.nodeId ${String(cc.nodeId)} must be an integer in 1..2^32-1`);
  }
  const ctx = cc.context ?? EMPTY;
  const out = new Uint8Array(HEADER + ctx.length);
  out[0] = VERSION;
  out[1] = cc.type;
  new DataView(out.buffer).setUint32(2, cc.nodeId, false);
  out.set(ctx, HEADER);
  return out;
}

/** Decodes the data of a ConfChange entry. Throws a RangeError naming what is wrong. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < HEADER) throw new RangeError(`raft: confChange data is ${data.length} bytes, need >= ${HEADER}`);
  if (data[0] !== VERSION) throw new RangeError(`raft: confChange version ${data[0]} is not supported`);
  const type = data[1] as ConfChangeType;
  if (!(type in ConfChangeType)) throw new RangeError(`raft: confChange.type ${type} is not a ConfChangeType`);
  const nodeId = new DataView(data.buffer, data.byteOffset, data.length).getUint32(2, false);
  if (nodeId === 0) throw new RangeError('raft: confChange.nodeId is 0');
  const cc: ConfChange = data.length > HEADER ? { type, nodeId, context: data.slice(HEADER) } : { type, nodeId };
  return cc;
}

const EMPTY = new Uint8Array(0);
