import { familiarReference, parseReference } from '../../registry';
import type { ResolvedImage } from './image-service';
import { DANGLING_PREFIX, REPO_DIGEST_LABEL } from './image-service';
import { toDate } from '../containerd';

function names(group: ResolvedImage[]): { tags: string[]; digests: string[] } {
  const tags: string[] = [];
  const digests = new Set<string>();
  for (const img of group) {
    const n = img.record.name;
    if (n.startsWith(DANGLING_PREFIX)) continue;
    let fam: string;
    try {
      fam = familiarReference(parseReference(n));
    } catch {
      fam = n;
    }
    if (fam.includes('@')) digests.add(fam);
    else tags.push(fam);
    const rd = img.record.labels?.[REPO_DIGEST_LABEL];
    if (rd) {
      try {
        digests.add(familiarReference(parseReference(rd)));
      } catch {
        /* a label we did not write */
      }
    }
  }
  return { tags: tags.sort(), digests: [...digests].sort() };
}

function sizeOf(img: ResolvedImage): number {
  return img.manifest.layers.reduce((n, l) => n + (l.size ?? 0), 0);
}

function createdSeconds(img: ResolvedImage): number {
  const t = Date.parse(img.config.created ?? '');
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}

/** Docker's ImageSummary (GET /images/json) for the records sharing one image id. */
export function toImageSummary(group: ResolvedImage[], inUse: boolean): Record<string, unknown> {
  const img = group[0];
  const { tags, digests } = names(group);
  const size = sizeOf(img);
  void inUse;
  return {
    Containers: -1,
    Created: createdSeconds(img),
    Id: img.id,
    Labels: img.config.config?.Labels ?? null,
    ParentId: '',
    RepoDigests: digests,
    RepoTags: tags,
    SharedSize: -1,
    Size: size,
    VirtualSize: size,
  };
}

/** Docker's ImageInspect (GET /images/{name}/json) for the records sharing one image id. */
export function toImageInspect(group: ResolvedImage[], snapshotter: string): Record<string, unknown> {
  const img = group[0];
  const { tags, digests } = names(group);
  const c = img.config.config ?? {};
  const lastTag = group.map((g) => toDate(g.record.updatedAt)?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
  const size = sizeOf(img);
  return {
    Id: img.id,
    RepoTags: tags,
    RepoDigests: digests,
    Parent: '',
    Comment: img.config.comment ?? '',
    Created: img.config.created ?? '0001-01-01T00:00:00Z',
    DockerVersion: img.config.docker_version ?? '',
    Author: img.config.author ?? '',
    Config: {
      Hostname: '',
      Domainname: '',
      User: c.User ?? '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: c.ExposedPorts ?? null,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: c.Env ?? null,
      Cmd: c.Cmd ?? null,
      Healthcheck: c.Healthcheck ?? null,
      Image: '',
      Volumes: c.Volumes ?? null,
      WorkingDir: c.WorkingDir ?? '',
      Entrypoint: c.Entrypoint ?? null,
      OnBuild: c.OnBuild ?? null,
      Labels: c.Labels ?? null,
      StopSignal: c.StopSignal ?? undefined,
      Shell: c.Shell ?? undefined,
    },
    Architecture: img.config.architecture ?? '',
    ...(img.config.variant ? { Variant: img.config.variant } : {}),
    Os: img.config.os ?? '',
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: null, Name: snapshotter },
    RootFS: { Type: 'layers', Layers: img.config.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: lastTag ? new Date(lastTag).toISOString() : '0001-01-01T00:00:00Z' },
  };
}
