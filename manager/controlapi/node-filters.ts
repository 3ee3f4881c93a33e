/** Docker's node list filters: id (prefix), name (prefix of the hostname), role, membership, label, node.label. */
import { InvalidArgumentError, type NodeObject } from '../../src/api';

export const NODE_FILTERS = ['id', 'name', 'role', 'membership', 'label', 'node.label'] as const;

function labelMatch(labels: Record<string, string> | undefined, want: string): boolean {
  const eq = want.indexOf('=');
  const k = eq < 0 ? want : want.slice(0, eq);
  if (!labels || !(k in labels)) return false;
  return eq < 0 || labels[k] === want.slice(eq + 1);
}

/** Whether `n` passes every filter (values of one key are ORed, keys ANDed). */
export function nodeMatches(n: NodeObject, f: Record<string, string[]>): boolean {
  for (const r of f.role ?? [])
    if (!['manager', 'worker'].includes(r)) throw new InvalidArgumentError(`Invalid role '${r}'`);
  for (const m of f.membership ?? [])
    if (!['accepted', 'pending'].includes(m)) throw new InvalidArgumentError(`Invalid membership '${m}'`);
  const any = (key: string, test: (v: string) => boolean) => !f[key]?.length || f[key]!.some(test);
  return (
    any('id', (v) => n.ID.startsWith(v)) &&
    any('name', (v) => (n.Description?.Hostname ?? '').startsWith(v)) &&
    any('role', (v) => n.Spec.Role === v) &&
    any('membership', (v) => v === 'accepted') &&
    (f.label ?? []).every((v) => labelMatch(n.Description?.Engine?.Labels, v)) &&
    (f['node.label'] ?? []).every((v) => labelMatch(n.Spec.Labels, v))
  );
}
