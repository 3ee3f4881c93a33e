/**
 * Placement constraints as swarmkit reads them: `key==value` or `key!=value`, values compared
 * case-insensitively. Keys: node.id, node.hostname, node.role, node.platform.os,
 * node.platform.arch, node.labels.<k> (the node's Spec.Labels), engine.labels.<k> (the
 * engine's). A label the node lacks fails `==` and passes `!=`.
 * (Kept here until manager/scheduler exports a matcher; the two should become one.)
 */
import type { NodeObject } from '../../src/api';
import { InvalidConstraintError } from './errors';

export interface Constraint {
  readonly key: string;
  readonly op: '==' | '!=';
  readonly value: string;
}

const RE = /^\s*([\w.\-/]+)\s*(==|!=)\s*(.*?)\s*$/;

/** Parses one constraint; throws InvalidConstraintError. */
export function parseConstraint(text: string): Constraint {
  const m = RE.exec(text);
  if (!m || m[3] === '') throw new InvalidConstraintError(text);
  const key = m[1].toLowerCase();
  const known =
    ['node.id', 'node.hostname', 'node.role', 'node.platform.os', 'node.platform.arch'].includes(key) ||
    /^(node|engine)\.labels\../.test(key);
  if (!known) throw new InvalidConstraintError(text);
  // Label names keep their case; only the prefix is case-insensitive.
  const k = key.includes('.labels.')
    ? key.slice(0, key.indexOf('.labels.') + 8) + m[1].slice(key.indexOf('.labels.') + 8)
    : key;
  return { key: k, op: m[2] as '==' | '!=', value: m[3] };
}

function nodeValue(node: NodeObject, key: string): string | undefined {
  switch (key) {
    case 'node.id':
      return node.ID;
    case 'node.hostname':
      return node.Description?.Hostname ?? node.Spec.Name;
    case 'node.role':
      return node.Spec.Role;
    case 'node.platform.os':
      return node.Description?.Platform?.OS;
    case 'node.platform.arch':
      return node.Description?.Platform?.Architecture;
  }
  if (key.startsWith('node.labels.')) return node.Spec.Labels?.[key.slice(12)];
  if (key.startsWith('engine.labels.')) return node.Description?.Engine?.Labels?.[key.slice(14)];
  return undefined;
}

/** Whether `node` satisfies one parsed constraint. */
export function matchConstraint(c: Constraint, node: NodeObject): boolean {
  const v = nodeValue(node, c.key);
  const eq = v !== undefined && v.toLowerCase() === c.value.toLowerCase();
  return c.op === '==' ? eq : !eq;
}

/**
 * Whether `node` satisfies every constraint. A constraint that does not parse matches no
 * node (the API refuses such specs; a stored one must not place tasks anywhere).
 */
export function matchConstraints(constraints: readonly string[] | undefined | null, node: NodeObject): boolean {
  if (!constraints || constraints.length === 0) return true;
  for (const text of constraints) {
    let c: Constraint;
    try {
      c = parseConstraint(text);
    } catch {
      return false;
    }
    if (!matchConstraint(c, node)) return false;
  }
  return true;
}
