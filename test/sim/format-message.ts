import { ConfChangeType, EntryType, MessageType, type Message } from '../../src/raft';
import { decodeConfChange } from '../../src/raft/core';

/** Entries as term/index[:data], ConfChange entries by their change. */
export function fmtEntry(e: { term: number; index: number; type: EntryType; data: Uint8Array }): string {
  if (e.type === EntryType.ConfChange) {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index}:${ConfChangeType[cc.type]}(${cc.nodeId})`;
  }
  return `${e.term}/${e.index}${e.data.length ? `:${Buffer.from(e.data).toString()}` : ''}`;
}

/** One line per message, fields by type. */
export function fmtMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${MessageType[m.type]} term=${m.term}`;
  switch (m.type) {
    case MessageType.App:
      s += ` log=${m.logTerm}/${m.index} commit=${m.commit}`;
      if (m.entries.length) s += ` entries=[${m.entries.map(fmtEntry).join(' ')}]`;
      break;
    case MessageType.AppResp:
      s += ` index=${m.index}`;
      if (m.reject) s += ` reject hint=${m.hintTerm}/${m.rejectHint}`;
      break;
    case MessageType.Vote:
    case MessageType.PreVote:
      s += ` last=${m.logTerm}/${m.index}`;
      break;
    case MessageType.VoteResp:
    case MessageType.PreVoteResp:
      if (m.reject) s += ' reject';
      break;
    case MessageType.Heartbeat:
      s += ` commit=${m.commit}`;
      break;
    case MessageType.Snap:
      s += ` snapshot=${m.snapshot?.metadata.term}/${m.snapshot?.metadata.index}`;
      break;
    case MessageType.ReadIndexResp:
      s += ` index=${m.index}`;
      break;
    case MessageType.Prop:
      s += ` entries=${m.entries.length}`;
      break;
  }
  if (m.context && m.context.length && m.type !== MessageType.Vote) s += ` ctx=${Buffer.from(m.context).toString()}`;
  return s;
}
