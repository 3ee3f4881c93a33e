import type { EngineClient } from '../engine/engine-client';

/**
 * What a failed or interrupted referee run leaves on the candidate: its services (label
 * bench=swarmbench), their task containers and the single-node swarm. Removed before the
 * daemon stops, since a stopped tsswarmd keeps its containers running.
 */
export async function removeSwarmLeftovers(c: EngineClient): Promise<void> {
  const warn = (e: Error) => process.stderr.write(`bench: ${e.message}\n`);
  const filters = (label: string) => encodeURIComponent(JSON.stringify({ label: { [label]: true } }));
  try {
    const services = await c.call<Array<{ ID: string }>>('GET', `/services?filters=${filters('bench=swarmbench')}`);
    for (const s of services) await c.call('DELETE', `/services/${s.ID}`).catch(warn);
  } catch {
    // no swarm: no services
  }
  try {
    const tasks = await c.call<Array<{ Id: string }>>(
      'GET',
      `/containers/json?all=1&filters=${filters('com.docker.swarm.task.id')}`,
    );
    for (const t of tasks) await c.call('DELETE', `/containers/${t.Id}?force=1`).catch(warn);
  } catch (e) {
    warn(e as Error);
  }
  await c.call('POST', '/swarm/leave?force=1').catch(() => undefined);
}
