/**
 * The orchestrators' reading of placement constraints: the scheduler's parser and matcher, so
 * that the node a task is placed on and the nodes its service counts as eligible never disagree.
 */
import type { NodeObject } from '../../src/api';
import { nodeMatches, parseConstraints, type Constraint } from '../scheduler';

// Specs in the store are frozen: a constraints array keeps its identity while its service lives.
const parsed = new WeakMap<readonly string[], readonly Constraint[] | null>();

function parse(constraints: readonly string[]): readonly Constraint[] | null {
  let p = parsed.get(constraints);
  if (p === undefined) {
    try {
      p = parseConstraints(constraints);
    } catch {
      p = null;
    }
    parsed.set(constraints, p);
  }
  return p;
}

/**
 * Whether `node` satisfies every constraint. A constraint that does not parse matches no node
 * (the API refuses such specs; a stored one must not place tasks anywhere).
 */
export function matchConstraints(constraints: readonly string[] | undefined | null, node: NodeObject): boolean {
  if (!constraints || constraints.length === 0) return true;
  const p = parse(constraints);
  return p !== null && nodeMatches(p, node);
}
