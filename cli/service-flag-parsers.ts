/**
 * The docker CLI's value syntaxes for service flags: --publish (short "8080:80/udp" and long
 * "published=8080,target=80,mode=host"), --mount, --secret/--config, memory sizes, CPUs,
 * --placement-pref and KEY=VALUE lists. Each throws an Error worded as docker's.
 */
import type { ConfigReference, Mount, PortConfig, SecretReference } from '../src/api';

function csvFields(s: string): [string, string | undefined][] {
  return s.split(',').map((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? [f.trim().toLowerCase(), undefined] : [f.slice(0, eq).trim().toLowerCase(), f.slice(eq + 1)];
  });
}

function port(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid ${what} port: ${v}`);
  return n;
}

/** --publish / -p. */
export function parsePublish(s: string): PortConfig {
  if (s.includes('=')) {
    const p: PortConfig = { Protocol: 'tcp', PublishMode: 'ingress' };
    for (const [k, v = ''] of csvFields(s)) {
      if (k === 'target') p.TargetPort = port(v, 'target');
      else if (k === 'published') p.PublishedPort = port(v, 'published');
      else if (k === 'protocol') p.Protocol = v as PortConfig['Protocol'];
      else if (k === 'mode') p.PublishMode = v as PortConfig['PublishMode'];
      else throw new Error(`invalid field key ${k}`);
    }
    if (!p.TargetPort) throw new Error(`missing mandatory field "target"`);
    if (!['tcp', 'udp', 'sctp'].includes(p.Protocol!)) throw new Error(`invalid protocol value ${p.Protocol}`);
    if (!['ingress', 'host'].includes(p.PublishMode!)) throw new Error(`invalid publish mode value ${p.PublishMode}`);
    return p;
  }
  const [ports, proto = 'tcp'] = s.split('/');
  const parts = ports!.split(':');
  if (parts.length > 2) throw new Error(`invalid port format: ${s}`);
  const target = port(parts[parts.length - 1]!, 'target');
  const p: PortConfig = { Protocol: proto as PortConfig['Protocol'], TargetPort: target, PublishMode: 'ingress' };
  if (parts.length === 2) p.PublishedPort = port(parts[0]!, 'published');
  return p;
}

const truthy = (v: string | undefined) => v === undefined || ['1', 'true', 't'].includes(v.toLowerCase());

/** --mount type=bind|volume|tmpfs,source=,target=,readonly,... */
export function parseMount(s: string): Mount {
  const m: Mount = { Type: 'volume' };
  for (const [k, v] of csvFields(s)) {
    switch (k) {
      case 'type':
        m.Type = v as Mount['Type'];
        break;
      case 'source':
      case 'src':
        m.Source = v;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = v;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = truthy(v);
        break;
      case 'consistency':
        m.Consistency = v;
        break;
      case 'bind-propagation':
        m.BindOptions = { ...m.BindOptions, Propagation: v };
        break;
      case 'volume-nocopy':
        m.VolumeOptions = { ...m.VolumeOptions, NoCopy: truthy(v) };
        break;
      case 'volume-driver':
        m.VolumeOptions = { ...m.VolumeOptions, DriverConfig: { Name: v } };
        break;
      case 'volume-label': {
        const [lk, lv = ''] = (v ?? '').split('=');
        m.VolumeOptions = { ...m.VolumeOptions, Labels: { ...m.VolumeOptions?.Labels, [lk!]: lv } };
        break;
      }
      case 'tmpfs-size':
        m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: parseBytes(v ?? '') };
        break;
      case 'tmpfs-mode':
        m.TmpfsOptions = { ...m.TmpfsOptions, Mode: parseInt(v ?? '', 8) };
        break;
      default:
        throw new Error(`unexpected key '${k}' in '${s}'`);
    }
  }
  if (!m.Target) throw new Error('target is required');
  return m;
}

type FileRef = { source: string; file: { Name: string; UID: string; GID: string; Mode: number } };

function parseFileRef(s: string): FileRef {
  if (!s.includes('=')) return { source: s, file: { Name: s, UID: '0', GID: '0', Mode: 0o444 } };
  const r: FileRef = { source: '', file: { Name: '', UID: '0', GID: '0', Mode: 0o444 } };
  for (const [k, v = ''] of csvFields(s)) {
    if (k === 'source' || k === 'src') r.source = v;
    else if (k === 'target') r.file.Name = v;
    else if (k === 'uid') r.file.UID = v;
    else if (k === 'gid') r.file.GID = v;
    else if (k === 'mode') r.file.Mode = parseInt(v, 8);
    else throw new Error(`invalid field '${k}' must be a key=value pair`);
  }
  if (!r.source) throw new Error(`source is required`);
  r.file.Name ||= r.source;
  return r;
}

/** --secret NAME or source=NAME,target=...; the daemon resolves the name to an ID. */
export function parseSecretRef(s: string): SecretReference {
  const r = parseFileRef(s);
  return { File: r.file, SecretID: '', SecretName: r.source };
}

/** --config NAME or source=NAME,target=... */
export function parseConfigRef(s: string): ConfigReference {
  const r = parseFileRef(s);
  return { File: r.file, ConfigID: '', ConfigName: r.source };
}

/** "512m", "1g", "100k", "1024" into bytes (docker's RAMInBytes: binary units). */
export function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(s.trim());
  if (!m) throw new Error(`invalid size: '${s}'`);
  const pow = ' kmgtp'.indexOf((m[2] || ' ').toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** pow);
}

/** "0.5" CPUs into NanoCPUs. */
export function parseCpus(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new Error(`invalid CPU value: ${s}`);
  return Math.round(n * 1e9);
}

/** --placement-pref spread=node.labels.zone */
export function parsePlacementPref(s: string): { Spread: { SpreadDescriptor: string } } {
  const eq = s.indexOf('=');
  if (eq < 0 || s.slice(0, eq).toLowerCase() !== 'spread')
    throw new Error(`invalid placement preference "${s}": only spread is supported`);
  return { Spread: { SpreadDescriptor: s.slice(eq + 1) } };
}

/** KEY=VALUE pairs into a map (a bare KEY gets ""). */
export function toLabels(list: string[] | undefined, into: Record<string, string> = {}): Record<string, string> {
  for (const l of list ?? []) {
    const eq = l.indexOf('=');
    into[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return into;
}
