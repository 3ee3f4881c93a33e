/**
 * Ties a service spec to the objects it names, as swarmkit checks at create and update: every
 * secret and config reference must exist (by ID, else by name) and comes out with both its ID
 * and its current name. Networks are named by ID (service create --network) or by name (stack
 * deploy) and come out as IDs; each must be a swarm network other than ingress (which services
 * join through their published ports, never by name), or one of Docker's predefined node-local
 * networks (bridge, host), which every node has and which are kept by name.
 */
import type { ServiceSpec } from '../../src/api';
import type { ReadTx } from '../../src/store';
import { IngressAttachError, NetworkNotFoundError, ReferenceNotFoundError } from './control-errors';

/** Docker's predefined networks a service may name without the swarm having them. */
const NODE_LOCAL_NETWORKS = new Set(['bridge', 'host']);

function find(tx: ReadTx, kind: 'secret' | 'config', id: string | undefined, name: string | undefined) {
  const byId = id ? tx.get(kind, id) : undefined;
  if (byId && (!name || byId.Spec.Name === name)) return byId;
  return name ? tx.find(kind, { name })[0] : undefined;
}

/**
 * A copy of `spec` with resolved references; throws ReferenceNotFoundError (400) naming the
 * missing secrets or configs, NetworkNotFoundError (404) or IngressAttachError (400).
 */
export function resolveReferences(tx: ReadTx, spec: ServiceSpec): ServiceSpec {
  const s = structuredClone(spec);
  const c = s.TaskTemplate.ContainerSpec;
  if (c?.Secrets) {
    const missing: string[] = [];
    c.Secrets = c.Secrets.map((r) => {
      const o = find(tx, 'secret', r.SecretID, r.SecretName);
      if (!o) missing.push(r.SecretName || r.SecretID);
      return o ? { ...r, SecretID: o.ID, SecretName: o.Spec.Name } : r;
    });
    if (missing.length) throw new ReferenceNotFoundError('secret', missing);
  }
  if (c?.Configs) {
    const missing: string[] = [];
    c.Configs = c.Configs.map((r) => {
      const o = find(tx, 'config', r.ConfigID, r.ConfigName);
      if (!o) missing.push(r.ConfigName || r.ConfigID);
      return o ? { ...r, ConfigID: o.ID, ConfigName: o.Spec.Name } : r;
    });
    if (missing.length) throw new ReferenceNotFoundError('config', missing);
  }
  const net = (n: { Target: string }) => {
    const o = tx.get('network', n.Target) ?? tx.find('network', { name: n.Target })[0];
    if (!o && NODE_LOCAL_NETWORKS.has(n.Target)) return n;
    if (!o) throw new NetworkNotFoundError(n.Target);
    if (o.Spec.Ingress) throw new IngressAttachError(o.Spec.Name);
    return { ...n, Target: o.ID };
  };
  if (s.TaskTemplate.Networks) s.TaskTemplate.Networks = s.TaskTemplate.Networks.map(net);
  if (s.Networks) s.Networks = s.Networks.map(net);
  return s;
}

/** The names of the services whose current spec uses the secret or config `id`. */
export function servicesUsing(tx: ReadTx, kind: 'secret' | 'config', id: string): string[] {
  return tx
    .find('service')
    .filter((svc) => {
      const c = svc.Spec.TaskTemplate.ContainerSpec;
      return kind === 'secret'
        ? (c?.Secrets ?? []).some((r) => r.SecretID === id)
        : (c?.Configs ?? []).some((r) => r.ConfigID === id);
    })
    .map((svc) => svc.Spec.Name)
    .sort();
}
