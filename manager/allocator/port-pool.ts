/**
 * The cluster's ingress published ports: ports users chose, and ports handed out from Docker's
 * dynamic range (30000-32767) to ingress ports published as 0. One set per protocol.
 */
import { ConflictError } from '../../src/api';

export const DYNAMIC_PORT_FIRST = 30000;
export const DYNAMIC_PORT_LAST = 32767;

const key = (protocol: string | undefined, port: number) => `${protocol ?? 'tcp'}/${port}`;

export class PortPool {
  /** "tcp/8080" -> the service holding it. */
  private readonly owners = new Map<string, string>();

  /** The service holding a published port, if any. */
  owner(protocol: string | undefined, port: number): string | undefined {
    return this.owners.get(key(protocol, port));
  }

  /** Marks `port` as `serviceId`'s; a ConflictError when another service holds it. */
  reserve(serviceId: string, protocol: string | undefined, port: number): void {
    const k = key(protocol, port);
    const cur = this.owners.get(k);
    if (cur !== undefined && cur !== serviceId)
      throw new ConflictError(`port '${port}' is already in use by service '${cur}'`);
    this.owners.set(k, serviceId);
  }

  /** The lowest free dynamic port for `protocol`, now `serviceId`'s. */
  allocate(serviceId: string, protocol: string | undefined): number {
    for (let p = DYNAMIC_PORT_FIRST; p <= DYNAMIC_PORT_LAST; p++) {
      if (this.owners.has(key(protocol, p))) continue;
      this.owners.set(key(protocol, p), serviceId);
      return p;
    }
    throw new ConflictError('no free port left in the dynamic range 30000-32767');
  }

  /** Releases every port `serviceId` holds. */
  releaseService(serviceId: string): void {
    for (const [k, owner] of this.owners) if (owner === serviceId) this.owners.delete(k);
  }
}
