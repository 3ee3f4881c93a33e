import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { toTsswarmError } from '../../../src/api';
import { MemoryStore } from '../../../src/store';
import type { Manager } from '../../../manager/manager';
import type { SwarmControl } from '../../../manager/controlapi/swarm-control';
import { serviceRoutes } from '../../../manager/controlapi/service-routes';

export interface Reply {
  status: number;
  body: any;
}

/** The routes over a MemoryStore (no proposer) behind a stand-in SwarmControl, on a loopback port. */
export class Harness {
  readonly store = new MemoryStore();
  private server?: Server;
  private base = '';

  async start(): Promise<this> {
    const sc: SwarmControl = {
      init: async () => '',
      join: async () => {},
      leave: async () => {},
      manager: () => ({ store: this.store }) as unknown as Manager,
      localNodeId: () => 'node1',
    };
    const app = express();
    app.use(serviceRoutes(sc, { now: () => new Date('2026-01-01T00:00:00Z') }));
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const e = toTsswarmError(err);
      res.status(e.httpStatus).json({ message: e.message });
    });
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, '127.0.0.1', () => resolve());
    });
    this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(this.base + path, {
      method,
      headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  filters(f: Record<string, string[]>): string {
    const m: Record<string, Record<string, boolean>> = {};
    for (const [k, vs] of Object.entries(f)) m[k] = Object.fromEntries(vs.map((v) => [v, true]));
    return encodeURIComponent(JSON.stringify(m));
  }
}

/** The body `docker service create --name NAME --replicas N IMAGE` sends. */
export function cliSpec(name: string, replicas = 3, extra: Record<string, unknown> = {}): any {
  return {
    Name: name,
    Labels: {},
    TaskTemplate: {
      ContainerSpec: { Image: 'busybox:latest', Args: ['sleep', '1000'], Init: false, DNSConfig: {} },
      Resources: { Limits: {}, Reservations: {} },
      Placement: {},
      ForceUpdate: 0,
      Runtime: 'container',
    },
    Mode: { Replicated: { Replicas: replicas } },
    EndpointSpec: { Mode: 'vip' },
    ...extra,
  };
}

export const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
