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
  /** For node.ip: the address or subnet; undefined when the value is neither (matches no node). */
  readonly ipSet?: BlockList;
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
    const c: Constraint = { key, op, value, folded: value.toLowerCase() };
    return key.toLowerCase() === 'node.ip' ? { ...c, ipSet: ipSetOf(value) } : c;
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

function matchOne(c: Constraint, n: NodeObject): boolean {
  const key = c.key.toLowerCase();
  switch (key) {
    case 'node.id':
      return test(c, n.ID);
    case 'node.hostname':
      return test(c, n.Description?.Hostname ?? '');
    case 'node.role':
      return test(c, n.Spec.Role);
    case 'node.platform.os':
      return test(c, n.Description?.Platform?.OS ?? '');
    case 'node.platform.arch':
      return test(c, n.Description?.Platform?.Architecture ?? '');
    case 'node.ip': {
      if (!c.ipSet) return false;
      const addr = n.Status.Addr ?? '';
      const fam = isIP(addr);
      const inside = fam !== 0 && c.ipSet.check(addr, fam === 6 ? 'ipv6' : 'ipv4');
      return c.op === '==' ? inside : !inside;
    }
  }
  if (key.length > NODE_LABEL_PREFIX.length && key.startsWith(NODE_LABEL_PREFIX))
    return test(c, n.Spec.Labels?.[c.key.slice(NODE_LABEL_PREFIX.length)] ?? '');
  if (key.length > ENGINE_LABEL_PREFIX.length && key.startsWith(ENGINE_LABEL_PREFIX))
    return test(c, n.Description?.Engine?.Labels?.[c.key.slice(ENGINE_LABEL_PREFIX.length)] ?? '');
  return false;
}

function test(c: Constraint, what: string): boolean {
  const eq = what.length === c.folded.length && what.toLowerCase() === c.folded;
  return c.op === '==' ? eq : !eq;
}
