import { ConfChangeType, StateRole, type Ready } from '../../../src/raft';
import { fmtEntry, fmtMessage } from '../../sim/format-message';
import { bytes, Network, newTestNode, runReady, type TestNode } from './network';

/**
 * A tiny interpreter for text scenarios (testdata/*.txt): blocks of a command line, `----`,
 * and the expected output, separated by blank lines. Commands:
 *   cluster <ids...> [prevote=false] [checkquorum=false] | node <id> (a fresh, empty member)
 *   campaign <id> | propose <id> <data> | read <id> <ctx> | transfer <id> <to>
 *   conf <id> add-voter|add-learner|remove <node>
 *   tick <n> | isolate <id> | heal | stabilize | status
 */
export class Scenario {
  private net: Network | undefined;

  private network(): Network {
    if (!this.net) throw new Error('no cluster yet: start with `cluster 1 2 3`');
    return this.net;
  }

  run(cmd: string): string {
    const [op, ...args] = cmd.trim().split(/\s+/);
    const num = (i: number): number => {
      const v = Number(args[i]);
      if (!Number.isInteger(v)) throw new Error(`${op}: argument ${i + 1} must be a number, got ${args[i]}`);
      return v;
    };
    switch (op) {
      case 'cluster': {
        const ids = args.filter((a) => !a.includes('=')).map(Number);
        const opt = (k: string): boolean => !args.includes(`${k}=false`);
        this.net = new Network(ids, { preVote: opt('prevote'), checkQuorum: opt('checkquorum') });
        return 'ok';
      }
      case 'node':
        this.network().add(newTestNode(num(0), []));
        return 'ok';
      case 'campaign':
        this.node(num(0)).node.campaign();
        return 'ok';
      case 'propose':
        try {
          this.node(num(0)).node.propose(bytes(args[1] ?? ''));
          return 'ok';
        } catch (e) {
          return `error: ${(e as Error).message}`;
        }
      case 'read':
        this.node(num(0)).node.readIndex(bytes(args[1] ?? 'r'));
        return 'ok';
      case 'transfer':
        this.node(num(0)).node.transferLeadership(num(1));
        return 'ok';
      case 'conf': {
        const type = {
          'add-voter': ConfChangeType.AddVoter,
          'add-learner': ConfChangeType.AddLearner,
          remove: ConfChangeType.RemoveNode,
        }[args[1]];
        if (type === undefined) throw new Error(`conf: unknown change ${args[1]}`);
        try {
          this.node(num(0)).node.proposeConfChange({ type, nodeId: num(2) });
          return 'ok';
        } catch (e) {
          return `error: ${(e as Error).message}`;
        }
      }
      case 'tick': {
        const n = args.length ? num(0) : 1;
        this.network().tickAll(n);
        return 'ok';
      }
      case 'isolate':
        this.network().isolate(num(0));
        return 'ok';
      case 'heal':
        this.network().heal();
        return 'ok';
      case 'stabilize':
        return this.stabilize();
      case 'status':
        return [...this.network().nodes.values()].map((n) => this.status(n)).join('\n');
      default:
        throw new Error(`unknown command ${op}`);
    }
  }

  private node(id: number): TestNode {
    return this.network().get(id);
  }

  private status(n: TestNode): string {
    const s = n.node.status();
    return `${n.id}: ${StateRole[s.role]} term=${s.term} vote=${s.vote} lead=${s.leader} commit=${s.commit} applied=${s.applied} last=${n.node.raft.raftLog.lastIndex()}`;
  }

  /** Runs Ready cycles and deliveries until quiet, printing what each node hands out. */
  private stabilize(): string {
    const net = this.network();
    const out: string[] = [];
    for (let round = 0; round < 100; round++) {
      let any = false;
      for (const n of net.nodes.values()) {
        if (!n.node.hasReady()) continue;
        any = true;
        const reads: string[] = [];
        const orig = n.node.ready.bind(n.node);
        let rd: Ready | undefined;
        n.node.ready = () => (rd = orig());
        const msgs = runReady(n);
        n.node.ready = orig;
        const r = rd!;
        const parts: string[] = [];
        if (r.softState) parts.push(`  soft: ${StateRole[r.softState.role]} lead=${r.softState.leader}`);
        if (r.hardState)
          parts.push(`  hard: term=${r.hardState.term} vote=${r.hardState.vote} commit=${r.hardState.commit}`);
        if (r.entries.length) parts.push(`  persist: ${r.entries.map(fmtEntry).join(' ')}`);
        if (r.snapshot) parts.push(`  snapshot: ${r.snapshot.metadata.term}/${r.snapshot.metadata.index}`);
        if (r.committedEntries.length) parts.push(`  apply: ${r.committedEntries.map(fmtEntry).join(' ')}`);
        for (const rs of r.readStates) reads.push(`  read: ${Buffer.from(rs.context).toString()}@${rs.index}`);
        parts.push(...reads);
        for (const m of msgs) parts.push(`  send: ${fmtMessage(m)}`);
        out.push(`> ${n.id}`, ...parts);
        net.queue.push(...msgs);
      }
      if (net.queue.length) {
        any = true;
        net.deliver();
      }
      if (!any) return out.length ? out.join('\n') : 'quiet';
    }
    throw new Error('stabilize: no quiescence after 100 rounds');
  }
}
