import * as protobuf from 'protobufjs';
import { CONTAINERD_PROTO } from './proto-source';

/** Plain-object options for decoding: numbers for int64, enum names as strings, Buffers for bytes. */
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  objects: true,
};

const WELL_KNOWN = ['any', 'empty', 'timestamp', 'field_mask', 'duration'];

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const name of WELL_KNOWN) {
    const json = (protobuf.common as unknown as Record<string, protobuf.INamespace>)[`google/protobuf/${name}.proto`];
    root.addJSON(json.nested ?? {});
  }
  protobuf.parse(CONTAINERD_PROTO, root, { keepCase: false });
  root.resolveAll();
  return root;
}

const root = buildRoot();
const cache = new Map<string, protobuf.Type>();

/** The message type by its full name in CONTAINERD_PROTO (or google.protobuf.*). */
export function messageType(name: string): protobuf.Type {
  let t = cache.get(name);
  if (!t) {
    t = root.lookupType(name);
    cache.set(name, t);
  }
  return t;
}

export function encode(name: string, value: object): Buffer {
  const t = messageType(name);
  const bytes = t.encode(t.fromObject(value)).finish();
  // protobufjs hands a Buffer under node: a view, not a copy, when it does not.
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decode<T>(name: string, bytes: Uint8Array): T {
  const t = messageType(name);
  return t.toObject(t.decode(bytes), TO_OBJECT) as T;
}

/** google.protobuf.Timestamp as it travels: seconds and nanos. */
export interface ProtoTimestamp {
  seconds: number;
  nanos: number;
}

export function toDate(ts: ProtoTimestamp | null | undefined): Date | undefined {
  // Go's zero time (year 1) travels as a large negative number of seconds.
  if (!ts || ts.seconds <= 0) return undefined;
  return new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1e6));
}

/** google.protobuf.Any as it travels. */
export interface ProtoAny {
  type_url: string;
  value: Buffer;
}

/** containerd carries OCI specs as JSON inside an Any with this type URL. */
export const OCI_SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
export const OCI_PROCESS_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';

export function jsonAny(typeUrl: string, value: unknown): ProtoAny {
  return { type_url: typeUrl, value: Buffer.from(JSON.stringify(value)) };
}
