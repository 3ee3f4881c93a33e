import assert from 'node:assert/strict';
import { TaskHealthEvents, TaskHealthWatch, type ContainerEvent } from '../../../worker/agent/tasks';
import type { ContainerRecord } from '../../../worker/engine/containers';

/** An event stream that counts its subscribers. */
class Source {
  subs = new Set<(e: ContainerEvent) => void>();
  subscribe(fn: (e: ContainerEvent) => void) {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }
  emit(id: string, Action: string, Type = 'container') {
    for (const s of [...this.subs]) s({ Type, Action, Actor: { ID: id } });
  }
}

const rec = (id: string, State: Record<string, unknown> = {}) => ({ Id: id, State }) as unknown as ContainerRecord;

describe('task health events', () => {
  it('one subscription while anything is watched; only health_status events of the watched container', () => {
    const src = new Source();
    const ev = new TaskHealthEvents(src);
    assert.equal(src.subs.size, 0, 'nothing watched: not subscribed');
    const got: string[] = [];
    const off1 = ev.watch('c1', (s) => got.push(`a:${s}`));
    const off2 = ev.watch('c1', (s) => got.push(`b:${s}`));
    const off3 = ev.watch('c2', (s) => got.push(`c:${s}`));
    assert.equal(src.subs.size, 1);
    src.emit('c1', 'health_status: healthy');
    src.emit('c1', 'start');
    src.emit('c1', 'health_status: unhealthy', 'image');
    src.emit('c3', 'health_status: unhealthy');
    src.emit('c2', 'health_status: unhealthy');
    assert.deepEqual(got, ['a:healthy', 'b:healthy', 'c:unhealthy']);
    off1();
    off1();
    off2();
    assert.equal(src.subs.size, 1);
    off3();
    assert.equal(src.subs.size, 0, 'the last unwatch unsubscribes');
  });

  it('a watch: healthy and unhealthy stick, next() resolves at the next event, an adopted record seeds it', async () => {
    const src = new Source();
    const w = new TaskHealthWatch(new TaskHealthEvents(src));
    const r = rec('c1', { Running: true });
    assert.deepEqual(w.observe(r), { healthy: false, unhealthy: false });
    let woke = false;
    const next = w.next(r).then(() => (woke = true));
    assert.equal(w.next(r), w.next(r), 'one pending promise shared by the waits');
    src.emit('c1', 'health_status: healthy');
    await next;
    assert.equal(woke, true);
    src.emit('c1', 'health_status: unhealthy');
    assert.deepEqual(w.observe(r), { healthy: true, unhealthy: true });
    w.close();
    assert.equal(src.subs.size, 0);

    const adopted = new TaskHealthWatch(new TaskHealthEvents(src));
    const healthy = rec('c2', { Running: true, Health: { Status: 'healthy', FailingStreak: 0, Log: [] } });
    assert.deepEqual(adopted.observe(healthy), { healthy: true, unhealthy: false });
    const stopped = rec('c3', { Running: false, Health: { Status: 'unhealthy', FailingStreak: 0, Log: [] } });
    assert.deepEqual(adopted.observe(stopped), { healthy: false, unhealthy: false }, 'a new container starts over');
    adopted.close();
  });
});
