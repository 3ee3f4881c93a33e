/**
 * Placement constraints, Docker's syntax: `key==value` or `key!=value`, where key is node.id,
 * node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<name>
 * or engine.labels.<name>. Keys and values compare case-insensitively; label names are
 * case-sensitive. A key the scheduler does not know parses but matches no node. Messages are
 * swarmkit's (manager/constraint), so `docker service create --constraint` errors read the same.
 */
import { BlockList, isIP } from 'node:net';
import { InvalidArgumentError, type NodeObject } from '../../src/api';

export const NODE_LABEL_PREFIX = 'node.labels.';
export const ENGINE_LABEL_PREFIX = 'engine.labels.';

const OPERATORS = ['==', '!='] as const;
// Same character classes as Docker: a value may not contain operators such as <, >, ~, ! or =.
const KEY_RE = /^[a-z_][a-z0-9\-_.]+$/i;
const VALUE_RE = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;

/** One parsed constraint. `value` is kept as written; matching folds case. */
export interface Constraint {
  readonly key: string;
  readonly op: '==' | '!=';
  readonly value: string;
  /** Lower-cased value, compared against lower-cased node fields. */
  readonly folded: string;
  /** Lower-cased key, read once here rather than on every node checked. */
  readonly lkey: string;
  /** For node.ip: the address or subnet; undefined when the value is neither (matches no node). */
  readonly ipSet?: BlockList;
  /** The node field compared, chosen once at parse time; undefined for node.ip and unknown keys. */
  readonly read?: (n: NodeObject) => string;
}

/**
 * Parses each expression. Throws InvalidArgumentError (400) with Docker's message:
 * "constraint expected one operator from ==, !=", "key 'x' is invalid", "value 'x' is invalid".
 */
export function parseConstraints(exprs: readonly string[]): Constraint[] {
  return exprs.map(parseOne);
}

function parseOne(e: string): Constraint {
  for (const op of OPERATORS) {
    const at = e.indexOf(op);
    if (at < 0) continue;
    const key = e.slice(0, at).trim();
    if (!KEY_RE.test(key)) throw new InvalidArgumentError(`key '${key}' is invalid`);
    const value = e.slice(at + op.length).trim();
    if (!VALUE_RE.test(value)) throw new InvalidArgumentError(`value '${value}' is invalid`);
    const lkey = key.toLowerCase();
    const c: Constraint = { key, op, value, folded: value.toLowerCase(), lkey, read: readerOf(key, lkey) };
    return lkey === 'node.ip' ? { ...c, ipSet: ipSetOf(value) } : c;
  }
  throw new InvalidArgumentError(`constraint expected one operator from ${OPERATORS.join(', ')}`);
}

function ipSetOf(value: string): BlockList | undefined {
  const set = new BlockList();
  const family = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  const slash = value.indexOf('/');
  if (slash < 0) {
    if (!isIP(value)) return undefined;
    set.addAddress(value, family(value));
    return set;
  }
  const net = value.slice(0, slash);
  const bits = Number(value.slice(slash + 1));
  const max = isIP(net) === 6 ? 128 : 32;
  if (!isIP(net) || !/^\d+$/.test(value.slice(slash + 1)) || bits > max) return undefined;
  set.addSubnet(net, bits, family(net));
  return set;
}

/** Whether `node` satisfies every constraint. */
export function nodeMatches(constraints: readonly Constraint[], node: NodeObject): boolean {
  for (const c of constraints) if (!matchOne(c, node)) return false;
  return true;
}

type Read = (n: NodeObject) => string;

const FIELDS: Record<string, Read> = {
  'node.id': (n) => n.ID,
  'node.hostname': (n) => n.Description?.Hostname ?? '',
  'node.role': (n) => n.Spec.Role,
  'node.platform.os': (n) => n.Description?.Platform?.OS ?? '',
  'node.platform.arch': (n) => n.Description?.Platform?.Architecture ?? '',
};

/** The node field a key reads (labels: the empty value when missing); undefined for an unknown key. */
function readerOf(key: string, lkey: string): Read | undefined {
  const f = FIELDS[lkey];
  if (f) return f;
  if (lkey.length > NODE_LABEL_PREFIX.length && lkey.startsWith(NODE_LABEL_PREFIX)) {
    const label = key.slice(NODE_LABEL_PREFIX.length);
    return (n) => n.Spec.Labels?.[label] ?? '';
  }
  if (lkey.length > ENGINE_LABEL_PREFIX.length && lkey.startsWith(ENGINE_LABEL_PREFIX)) {
    const label = key.slice(ENGINE_LABEL_PREFIX.length);
    return (n) => n.Description?.Engine?.Labels?.[label] ?? '';
  }
  return undefined;
}

function matchOne(c: Constraint, n: NodeObject): boolean {
  if (c.read) return test(c, c.read(n));
  if (c.lkey !== 'node.ip' || !c.ipSet) return false;
  const addr = n.Status.Addr ?? '';
  const fam = isIP(addr);
  const inside = fam !== 0 && c.ipSet.check(addr, fam === 6 ? 'ipv6' : 'ipv4');
  return c.op === '==' ? inside : !inside;
}

function test(c: Constraint, what: string): boolean {
  const eq = what === c.value || (what.length === c.folded.length && what.toLowerCase() === c.folded);
  return c.op === '==' ? eq : !eq;
}
