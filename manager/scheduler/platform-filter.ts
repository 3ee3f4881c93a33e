/**
 * PlatformFilter: the node's OS and architecture are among Placement.Platforms (an empty field
 * matches anything). x86_64 and amd64 are one architecture, as are aarch64 and arm64.
 */
import { countNodes, type Filter } from './filter';
import type { NodeInfo } from './node-info';
import type { TaskDemand } from './task-demand';

type Platform = { Architecture?: string; OS?: string };

function arch(a: string | undefined): string {
  if (a === 'x86_64') return 'amd64';
  if (a === 'aarch64') return 'arm64';
  return a ?? '';
}

export class PlatformFilter implements Filter {
  private platforms: readonly Platform[] = [];

  setTask(d: TaskDemand): boolean {
    this.platforms = d.placement?.Platforms ?? [];
    return this.platforms.length > 0;
  }

  check(n: NodeInfo): boolean {
    const np = n.node.Description?.Platform;
    if (!np) return false;
    const na = arch(np.Architecture);
    for (const p of this.platforms) {
      const pa = arch(p.Architecture);
      if ((pa === '' || pa === na) && (!p.OS || p.OS === np.OS)) return true;
    }
    return false;
  }

  explain(nodes: number): string {
    return `unsupported platform on ${countNodes(nodes)}`;
  }
}
