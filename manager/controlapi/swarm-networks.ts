/**
 * The swarm half of /networks: overlay networks kept in the managers' store. The engine's
 * network routes ask this for what is swarm-scoped (the daemon wires it in), so one list
 * shows local and swarm networks together as Docker's does. Reads need a manager: on a
 * worker or outside a swarm there are no swarm networks to show, and creating one is refused
 * with Docker's 503.
 */
import { ConflictError, TASK_STATES, type NetworkSpec, type ServiceObject } from '../../src/api';
import { ObjectNotFoundError, UniqueKeyConflictError, type ReadTx } from '../../src/store';
import {
  allocateNetworkSpace,
  attachedNetworkIds,
  ingressPorts,
  isSubnetKey,
  newNetworkObject,
  subnetOfKey,
} from '../allocator';
import { FailedPreconditionError, NotInSwarmError, WorkerNodeError } from '../errors';
import type { Manager } from '../manager';
import { rpcMessage } from './control-errors';
import { engineNetwork, type SwarmNetworkResource } from './engine-network';
import { parseSwarmNetworkCreate } from './network-schemas';
import type { SwarmControl } from './swarm-control';
import { withNameCheck } from './route-wrap';

const rank = (s: string) => TASK_STATES.indexOf(s as (typeof TASK_STATES)[number]);
const RUNNING = rank('running');
/** Creates racing for one subnet: each retry sees the winners of the last round. */
const MAX_ALLOCATION_ATTEMPTS = 5;

export class SwarmNetworks {
  constructor(private readonly sc: SwarmControl) {}

  /** The manager, or undefined on a node that has none (a worker, no swarm). */
  private managerOrNone(): Manager | undefined {
    try {
      return this.sc.manager();
    } catch (err) {
      if (err instanceof NotInSwarmError || err instanceof WorkerNodeError) return undefined;
      throw err;
    }
  }

  /** Every swarm network, in the engine's shape; none when this node is no manager. */
  list(): SwarmNetworkResource[] {
    const m = this.managerOrNone();
    return m ? m.store.view((tx) => tx.find('network').map(engineNetwork)) : [];
  }

  /** The swarm network `ref` names (ID, name, ID prefix), or undefined. Ambiguous names throw. */
  find(ref: string): SwarmNetworkResource | undefined {
    const m = this.managerOrNone();
    if (!m) return undefined;
    return m.store.view((tx) => {
      try {
        return engineNetwork(tx.lookup('network', ref));
      } catch (err) {
        if (err instanceof ObjectNotFoundError) return undefined;
        throw err;
      }
    });
  }

  /** `POST /networks/create` for an overlay network: 201's body. `localNames` are taken too. */
  async create(
    body: unknown,
    isLocalName: (name: string) => boolean = () => false,
  ): Promise<{ Id: string; Warning: string }> {
    const store = this.sc.manager().store;
    const req = parseSwarmNetworkCreate(body);
    const exists = `network with name ${req.name} already exists`;
    if (isLocalName(req.name)) throw new ConflictError(exists);
    const spec: NetworkSpec = {
      Name: req.name,
      Labels: req.labels,
      DriverConfiguration: Object.keys(req.options).length
        ? { Name: 'overlay', Options: req.options }
        : { Name: 'overlay' },
      IPAMOptions: {
        Driver: { Name: 'default' },
        ...(req.subnet ? { Configs: [{ Subnet: req.subnet, ...(req.gateway ? { Gateway: req.gateway } : {}) }] } : {}),
      },
    };
    if (req.internal) spec.Internal = true;
    if (req.attachable) spec.Attachable = true;
    if (req.ingress) spec.Ingress = true;
    const write = () =>
      withNameCheck(
        () =>
          store.update((tx) => {
            if (tx.find('network', { name: req.name }).length) throw new ConflictError(exists);
            const networks = tx.find('network');
            const ingress = networks.find((n) => n.Spec.Ingress);
            if (req.ingress && ingress)
              throw new ConflictError(
                rpcMessage('AlreadyExists', `ingress network (${ingress.ID}) is already present`),
              );
            const space = allocateNetworkSpace(networks, { subnet: req.subnet, gateway: req.gateway });
            return tx.create('network', newNetworkObject(spec, space));
          }),
        exists,
      );
    for (let attempt = 1; ; attempt++) {
      try {
        return { Id: (await write()).ID, Warning: '' };
      } catch (err) {
        // Another create took the subnet (or one overlapping it) or the VXLAN id this one
        // picked, from a view that did not have it yet: pick again from the view that has it.
        // A subnet the user gave stays theirs.
        if (!(err instanceof UniqueKeyConflictError)) throw err;
        if (req.subnet && isSubnetKey(err.key))
          throw new ConflictError(
            `invalid pool request: Pool overlaps with other one on this address space: ${req.subnet} overlaps ${subnetOfKey(err.key)}, just given to another network`,
          );
        if (attempt >= MAX_ALLOCATION_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * `DELETE /networks/{id}`: false when there is no such swarm network. Refused (400, Docker's
   * FailedPrecondition) while a service or a task of a service that still exists uses it, and
   * the ingress network while a service publishes ingress ports.
   */
  async remove(ref: string): Promise<boolean> {
    const m = this.managerOrNone();
    if (!m || !this.find(ref)) return false;
    await m.store.update((tx) => {
      const n = tx.lookup('network', ref);
      const user = n.Spec.Ingress ? ingressUser(tx) : serviceUsing(tx, n.ID);
      if (user && n.Spec.Ingress)
        throw new FailedPreconditionError(
          rpcMessage(
            'FailedPrecondition',
            `ingress network cannot be removed because service ${user.ID} depends on it`,
          ),
        );
      if (user)
        throw new FailedPreconditionError(
          rpcMessage('FailedPrecondition', `network ${n.ID} is in use by service ${user.ID}`),
        );
      // As swarmkit: a task still wanted and not past running holds the network, unless its
      // service is gone (stack rm removes the services and then, at once, their networks).
      const task = tx
        .find('task', {
          where: (t) =>
            rank(t.DesiredState) <= RUNNING &&
            rank(t.Status.State) <= RUNNING &&
            !!tx.get('service', t.ServiceID) &&
            (t.NetworksAttachments ?? []).some((a) => a.Network.ID === n.ID),
        })
        .at(0);
      if (task)
        throw new FailedPreconditionError(
          rpcMessage('FailedPrecondition', `network ${n.ID} is in use by task ${task.ID}`),
        );
      tx.delete('network', n.ID);
    });
    return true;
  }
}

function serviceUsing(tx: ReadTx, networkId: string): ServiceObject | undefined {
  return tx.find('service', { where: (s) => attachedNetworkIds(s).includes(networkId) }).at(0);
}

function ingressUser(tx: ReadTx): ServiceObject | undefined {
  return tx.find('service', { where: (s) => ingressPorts(s.Spec.EndpointSpec?.Ports).length > 0 }).at(0);
}
