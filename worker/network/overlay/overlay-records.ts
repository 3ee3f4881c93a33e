import type { NetworkView } from '../../../src/rpc';

/**
 * What the name server answers a container on these networks, as Docker's embedded DNS does:
 * a service's name or alias -> its VIP (vip mode) or its running tasks (dnsrr);
 * `tasks.<service>` -> its running tasks; a task's name -> its address. Null: not a name of
 * these networks (ask upstream). An empty list: a known name with nothing to give (NODATA).
 */
export function overlayLookup(views: Iterable<NetworkView>, query: string): string[] | null {
  const name = query.toLowerCase().replace(/\.$/, '');
  const tasksOf = name.startsWith('tasks.') ? name.slice('tasks.'.length) : null;
  let found: string[] | null = null;
  const add = (addrs: readonly string[]) => {
    found ??= [];
    for (const a of addrs) if (!found.includes(a)) found.push(a);
  };
  for (const v of views) {
    for (const s of v.Services) {
      const names = [s.Name, ...s.Aliases].map((n) => n.toLowerCase());
      if (tasksOf !== null && names.includes(tasksOf)) add(s.Backends);
      else if (names.includes(name)) add(s.Mode === 'vip' && s.VIP ? [s.VIP] : s.Backends);
    }
    for (const e of v.Endpoints) if (e.TaskName.toLowerCase() === name) add([e.Addr]);
  }
  return found;
}
