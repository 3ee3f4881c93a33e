/**
 * /secrets and /configs: create, list, inspect, update (labels only), remove. One factory for
 * both, since Docker treats them alike except that a secret's Data is never returned and the
 * size limits differ (swarmkit: 500 KiB for a secret, 1000 KiB for a config).
 */
import { Router } from 'express';
import { parseFilters, type ConfigObject, type SecretObject } from '../../src/api';
import { SequenceConflictError } from '../../src/store';
import { InUseError, InvalidSpecError } from './control-errors';
import { publicConfig, publicSecret } from './public-objects';
import { servicesUsing } from './resolve-references';
import { param, requiredVersion, withNameCheck, wrap } from './route-wrap';
import { labelMatches } from './service-filters';
import { parseConfigSpec, parseSecretSpec } from './service-schemas';
import type { SwarmControl } from './swarm-control';

export type DataKind = 'secret' | 'config';

/** swarmkit's MaxSecretSize and MaxConfigSize, in bytes. */
export const MAX_DATA_BYTES: Record<DataKind, number> = { secret: 500 * 1024, config: 1000 * 1024 };
export const SECRET_CONFIG_FILTERS = ['id', 'name', 'names', 'label'] as const;

const VALID_NAME = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Spec = { Name?: string; Labels?: Record<string, string>; Data?: string; Driver?: { Name?: string } };
type Stored = SecretObject | ConfigObject;

function checkName(name: string | undefined): string {
  if (!name) throw new InvalidSpecError('name must be provided');
  if (name.length > 64 || !VALID_NAME.test(name))
    throw new InvalidSpecError(
      'invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]',
    );
  return name;
}

/** The decoded bytes of `Data`; Go's JSON decoding of []byte refuses what is not base64. */
function dataBytes(kind: DataKind, data: string | undefined): Buffer {
  const clean = (data ?? '').replace(/\s/g, '');
  if (!BASE64.test(clean) || clean.length % 4 === 1)
    throw new InvalidSpecError(`invalid ${kind} data: Data is not valid base64`);
  return Buffer.from(clean, 'base64');
}

function checkData(kind: DataKind, spec: Spec): void {
  if (kind === 'secret' && spec.Driver?.Name) return;
  const n = dataBytes(kind, spec.Data).length;
  const max = MAX_DATA_BYTES[kind];
  if (n < 1 || n >= max) throw new InvalidSpecError(`${kind} data must be larger than 0 and less than ${max} bytes`);
}

export function secretConfigMatches(o: Stored, f: Record<string, string[]>): boolean {
  const any = (key: string, test: (v: string) => boolean) => !f[key]?.length || f[key]!.some(test);
  return (
    any('id', (v) => o.ID.startsWith(v)) &&
    any('name', (v) => o.Spec.Name.startsWith(v)) &&
    any('names', (v) => o.Spec.Name === v) &&
    (f.label ?? []).every((v) => labelMatches(o.Spec.Labels, v))
  );
}

export function secretConfigRoutes(sc: SwarmControl, kind: DataKind): Router {
  const r = Router();
  const base = `/${kind}s`;
  const parse = (body: unknown): Spec => (kind === 'secret' ? parseSecretSpec(body) : parseConfigSpec(body));
  const show = (o: Stored) => (kind === 'secret' ? publicSecret(o as SecretObject) : publicConfig(o as ConfigObject));

  r.post(
    `${base}/create`,
    wrap(async (req, res) => {
      const store = sc.manager().store;
      const spec = parse(req.body);
      const name = checkName(spec.Name);
      checkData(kind, spec);
      const full = { ...spec, Name: name, Labels: spec.Labels ?? {} };
      const created = await withNameCheck(
        () => store.update((tx) => tx.create(kind, { Spec: full } as never) as Stored),
        `${kind} ${name} already exists`,
      );
      res.status(201).json({ ID: created.ID });
    }),
  );
  r.get(
    base,
    wrap(async (req, res) => {
      const store = sc.manager().store;
      const f = parseFilters(req.query.filters, SECRET_CONFIG_FILTERS);
      res.json(store.view((tx) => (tx.find(kind) as Stored[]).filter((o) => secretConfigMatches(o, f)).map(show)));
    }),
  );
  r.get(
    `${base}/:id`,
    wrap(async (req, res) => {
      const store = sc.manager().store;
      res.json(show(store.view((tx) => tx.lookup(kind, param(req, 'id')) as Stored)));
    }),
  );
  r.post(
    `${base}/:id/update`,
    wrap(async (req, res) => {
      const store = sc.manager().store;
      const version = requiredVersion(req, kind);
      const spec = parse(req.body);
      await store.update((tx) => {
        const cur = tx.lookup(kind, param(req, 'id')) as Stored;
        if (cur.Version.Index !== version) throw new SequenceConflictError(kind, cur.ID, version, cur.Version.Index);
        const curData = dataBytes(kind, cur.Spec.Data);
        const changedData = spec.Data !== undefined && spec.Data !== '' && !dataBytes(kind, spec.Data).equals(curData);
        if ((spec.Name ?? '') !== cur.Spec.Name || changedData)
          throw new InvalidSpecError('only updates to Labels are allowed');
        const next = structuredClone(cur);
        next.Spec.Labels = spec.Labels ?? {};
        tx.update(kind, next as never);
      });
      res.status(200).end();
    }),
  );
  r.delete(
    `${base}/:id`,
    wrap(async (req, res) => {
      const store = sc.manager().store;
      await store.update((tx) => {
        const cur = tx.lookup(kind, param(req, 'id')) as Stored;
        const users = servicesUsing(tx, kind, cur.ID);
        if (users.length) throw new InUseError(kind, cur.Spec.Name, users);
        tx.delete(kind, cur.ID);
      });
      res.status(204).end();
    }),
  );
  return r;
}
