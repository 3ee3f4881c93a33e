/**
 * swarmkit's check of published ports at service create and update: an ingress port is the
 * whole cluster's, so no other service may publish the same port and protocol, in ingress or
 * host mode; two host-mode ports may share a number (the scheduler keeps them on other nodes).
 */
import type { PortConfig, ServiceObject, ServiceSpec } from '../../src/api';
import type { ReadTx } from '../../src/store';
import { InvalidSpecError } from './control-errors';

const mode = (p: PortConfig) => p.PublishMode || 'ingress';
const proto = (p: PortConfig) => p.Protocol || 'tcp';

/** The ports a stored service publishes: its spec's, and the ones the allocator filled in. */
function publishedPorts(svc: ServiceObject): PortConfig[] {
  return [...(svc.Spec.EndpointSpec?.Ports ?? []), ...(svc.Endpoint?.Ports ?? [])].filter((p) => p.PublishedPort);
}

/** Throws InvalidSpecError (400) when `spec` publishes a port another service holds; `serviceId` is the one updated. */
export function checkPortConflicts(tx: ReadTx, spec: ServiceSpec, serviceId?: string): void {
  const wanted = (spec.EndpointSpec?.Ports ?? []).filter((p) => p.PublishedPort);
  if (!wanted.length) return;
  for (const other of tx.find('service')) {
    if (other.ID === serviceId) continue;
    for (const theirs of publishedPorts(other)) {
      for (const ours of wanted) {
        if (theirs.PublishedPort !== ours.PublishedPort || proto(theirs) !== proto(ours)) continue;
        if (mode(theirs) === 'host' && mode(ours) === 'host') continue;
        const as = mode(theirs) === 'ingress' ? 'an ingress port' : 'a host-published port';
        throw new InvalidSpecError(
          `port '${ours.PublishedPort}' is already in use by service '${other.Spec.Name}' (${other.ID}) as ${as}`,
        );
      }
    }
  }
}
