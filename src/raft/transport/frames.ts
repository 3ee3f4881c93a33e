/** Frame kinds on a raft connection: the first payload byte. */
export enum FrameKind {
  /** The dialer's node id (u64); first frame of every connection. */
  Hello = 1,
  /** One encoded Message. */
  Message = 2,
  /** A piece of a large (snapshot) message; more pieces follow. */
  Chunk = 3,
  /** The last piece of a chunked message: the pieces joined decode as one Message. */
  LastChunk = 4,
}
