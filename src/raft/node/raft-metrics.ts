/**
 * prom-client metrics of one RaftNode, registered on the registry the application gives
 * (never the global one). Gauges are read at scrape time; hot-path counters take batches.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RaftGaugeSource {
  term(): number;
  leader(): number;
  isLeader(): boolean;
  commit(): number;
  applied(): number;
}

export class RaftMetrics {
  readonly proposals: Counter<'result'>;
  readonly messagesSent: Counter;
  readonly messagesReceived: Counter;
  readonly messagesDropped: Counter;
  readonly snapshots: Counter<'kind'>;
  readonly fsyncSeconds: Histogram;
  readonly readyBatches: Counter;

  constructor(registry: Registry, src: RaftGaugeSource, prefix = 'raft_') {
    const reg = [registry];
    new Gauge({
      name: `${prefix}term`,
      help: 'Current raft term',
      registers: reg,
      collect() {
        this.set(src.term());
      },
    });
    new Gauge({
      name: `${prefix}leader_id`,
      help: 'Id of the known leader (0 if none)',
      registers: reg,
      collect() {
        this.set(src.leader());
      },
    });
    new Gauge({
      name: `${prefix}is_leader`,
      help: '1 if this node is the leader',
      registers: reg,
      collect() {
        this.set(src.isLeader() ? 1 : 0);
      },
    });
    new Gauge({
      name: `${prefix}commit_index`,
      help: 'Highest committed log index',
      registers: reg,
      collect() {
        this.set(src.commit());
      },
    });
    new Gauge({
      name: `${prefix}applied_index`,
      help: 'Highest applied log index',
      registers: reg,
      collect() {
        this.set(src.applied());
      },
    });
    this.proposals = new Counter({
      name: `${prefix}proposals_total`,
      help: 'Proposals by outcome',
      labelNames: ['result'],
      registers: reg,
    });
    this.messagesSent = new Counter({
      name: `${prefix}messages_sent_total`,
      help: 'Messages handed to peers',
      registers: reg,
    });
    this.messagesReceived = new Counter({
      name: `${prefix}messages_received_total`,
      help: 'Messages received from peers',
      registers: reg,
    });
    this.messagesDropped = new Counter({
      name: `${prefix}messages_dropped_total`,
      help: 'Messages dropped (peer queue full or down)',
      registers: reg,
    });
    this.snapshots = new Counter({
      name: `${prefix}snapshots_total`,
      help: 'Snapshots created, installed or sent',
      labelNames: ['kind'],
      registers: reg,
    });
    this.readyBatches = new Counter({
      name: `${prefix}ready_batches_total`,
      help: 'Ready batches persisted (group commits)',
      registers: reg,
    });
    this.fsyncSeconds = new Histogram({
      name: `${prefix}wal_fsync_duration_seconds`,
      help: 'WAL fdatasync latency',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: reg,
    });
  }
}
