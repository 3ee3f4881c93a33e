/**
 * The benchmark's cluster: nodes with a tier label (web on 80%) and one of 10 zones, and
 * services whose tasks want tier==web and spread over zones.
 */
import type { NodeObject, TaskObject } from '../../src/api';

export const ZONES = 10;

export function makeNodes(n: number): NodeObject[] {
  return Array.from({ length: n }, (_, i) => ({
    ID: `node${String(i).padStart(6, '0')}`,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: {
      Role: 'worker',
      Availability: 'active',
      Labels: { tier: i % 5 === 4 ? 'db' : 'web', zone: `z${i % ZONES}` },
    },
    Description: {
      Hostname: `host${i}`,
      Platform: { OS: 'linux', Architecture: 'x86_64' },
      Resources: { NanoCPUs: 64e9, MemoryBytes: 256 * 2 ** 30 },
    },
    Status: { State: 'ready', Addr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
  }));
}

export function makeTasks(total: number, services: number): TaskObject[] {
  const per = Math.ceil(total / services);
  const out: TaskObject[] = [];
  for (let s = 0; s < services && out.length < total; s++) {
    const serviceId = `svc${String(s).padStart(4, '0')}`;
    for (let k = 0; k < per && out.length < total; k++)
      out.push({
        ID: `${serviceId}task${String(k).padStart(6, '0')}`,
        Version: { Index: 1 },
        CreatedAt: '',
        UpdatedAt: '',
        ServiceID: serviceId,
        Slot: k + 1,
        Spec: {
          ContainerSpec: { Image: 'registry.local:5000/web:1.2' },
          Resources: { Reservations: { NanoCPUs: 1e6, MemoryBytes: 2 ** 20 } },
          Placement: {
            Constraints: ['node.labels.tier==web'],
            Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }],
          },
        },
        Status: { State: 'pending', Message: 'pending task scheduling' },
        DesiredState: 'running',
      });
  }
  return out;
}
