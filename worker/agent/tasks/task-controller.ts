import type { PortConfig } from '../../../src/api';
import { overlayAttachments } from '../../network';
import { hasHealthcheck, type ContainerRecord, type ContainerService } from '../../engine/containers';
import type { AssignedTask } from './assigned-task';
import type { Controller } from './controller';
import { TaskRejectedError } from './errors';
import { stopGraceSeconds, taskContainerConfig, taskPorts } from './task-container-config';
import { taskContainerName } from './task-container-name';
import { TaskFiles, type TaskDependencies } from './task-files';
import { TaskHealthWatch } from './task-health-watch';
import type { TaskHealthEvents } from './task-health-events';
import type { TaskNetworks } from './task-networks';
import { TASK_ID_LABEL } from './task-labels';
import { isTerminal } from './task-state-order';
import type { ObservedContainer, ObservedTask } from './task-step';

/** The container service calls a task controller makes. */
export type TaskContainers = Pick<ContainerService, 'create' | 'start' | 'stop' | 'wait' | 'remove' | 'get' | 'list'>;

/** The image service calls a task controller makes (worker/engine/images' ImageService fits). */
export interface TaskImages {
  resolveForRun(ref: string): Promise<unknown>;
  pull(ref: string, o: { auth?: string }): Promise<unknown>;
}

export interface TaskControllerDeps {
  containers: TaskContainers;
  images: TaskImages;
  /** This node's swarm ID, for the com.docker.swarm.node.id label. */
  nodeId: string;
  /** The daemon's data root; task files go under <dataRoot>/tasks/<task id>. */
  dataRoot: string;
  /** The secrets and configs of the current assignment. */
  dependencies(): TaskDependencies;
  /**
   * The engine's health events. Without them healthchecks are not waited on: a task runs
   * once its container has started.
   */
  health?: TaskHealthEvents;
  /** Overlay networks; without it a task's NetworksAttachments are not wired. */
  networks?: TaskNetworks;
}

/**
 * Runs one task as a container of the local ContainerService. The container is found by its
 * com.docker.swarm.task.id label, so a controller made after a daemon restart adopts the
 * container an earlier one created instead of making a second.
 */
export class TaskController implements Controller {
  private containerId?: string;
  private prepareError?: string;
  private startError?: string;
  private shutDown = false;
  private exited?: Promise<unknown>;
  private readonly health?: TaskHealthWatch;
  readonly files: TaskFiles;

  constructor(
    private task: AssignedTask,
    private readonly d: TaskControllerDeps,
  ) {
    this.files = new TaskFiles(d.dataRoot, task.ID);
    if (d.health) this.health = new TaskHealthWatch(d.health);
  }

  /** The latest version of the task (a DesiredState change, a new status from the managers). */
  update(task: AssignedTask): void {
    this.task = task;
  }

  observe(): ObservedTask {
    const r = this.record();
    const o: ObservedTask = { now: new Date().toISOString() };
    if (r) o.container = observedContainer(r);
    if (this.prepareError) o.prepareError = this.prepareError;
    if (this.startError) o.startError = this.startError;
    if (this.shutDown) o.shutDown = true;
    if (r?.State.Running) {
      const ports = publishedPorts(r, taskPorts(this.task));
      if (ports.length) o.ports = ports;
    }
    if (r && this.health && hasHealthcheck(r.Config.Healthcheck)) o.health = this.health.observe(r);
    return o;
  }

  async prepare(): Promise<void> {
    if (this.record()) return;
    try {
      const cs = this.task.Spec.ContainerSpec;
      // Checked before the image: a spec this node cannot run is rejected without a pull.
      taskContainerConfig(this.task, { nodeId: this.d.nodeId });
      await this.ensureImage(cs!.Image!, cs!.PullOptions?.RegistryAuth);
      const files = await this.files.write(this.task, this.d.dependencies());
      const { body } = taskContainerConfig(this.task, { nodeId: this.d.nodeId, files });
      const { Id } = await this.d.containers.create(body, taskContainerName(this.task));
      this.containerId = Id;
      // Wired when the engine has made the container's namespace, before its process starts.
      this.d.networks?.bind(Id, this.task.ID, overlayAttachments(this.task.NetworksAttachments));
    } catch (err) {
      this.prepareError = (err as Error).message;
      await this.files.remove().catch(() => undefined);
    }
  }

  /** The image's pull when this node does not have it, with the service's registry auth. */
  private async ensureImage(ref: string, auth: string | undefined): Promise<void> {
    try {
      await this.d.images.resolveForRun(ref);
      return;
    } catch (err) {
      if ((err as { httpStatus?: number }).httpStatus !== 404) throw err;
    }
    try {
      await this.d.images.pull(ref, auth ? { auth } : {});
    } catch (err) {
      throw new TaskRejectedError(`No such image: ${ref}: ${(err as Error).message}`, { cause: err });
    }
  }

  async start(): Promise<void> {
    const r = this.record();
    if (!r || r.State.Running) return;
    // Watching before the start, so that no health event of this container goes unheard.
    this.health?.follow(r);
    try {
      await this.d.containers.start(r.Id);
    } catch (err) {
      if ((err as { httpStatus?: number }).httpStatus === 304) return;
      this.startError = `starting container failed: ${(err as Error).message}`;
    }
  }

  /** Resolves when the container exits, reports a health status, or `signal` aborts. */
  async wait(signal: AbortSignal): Promise<void> {
    const r = this.record();
    if (!r || !r.State.Running || signal.aborted) return;
    // One waiter per container, shared by every wait(): an aborted wait leaves none behind.
    this.exited ??= this.d.containers.wait(r.Id, 'not-running').finally(() => (this.exited = undefined));
    const healthChanged = this.health && hasHealthcheck(r.Config.Healthcheck) ? this.health.next(r) : undefined;
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done);
      this.exited!.then(done, done);
      healthChanged?.then(done);
    });
  }

  async shutdown(): Promise<void> {
    const r = this.record();
    if (r?.State.Running) {
      try {
        await this.d.containers.stop(r.Id, {
          t: stopGraceSeconds(this.task),
          signal: this.task.Spec.ContainerSpec?.StopSignal,
        });
      } catch (err) {
        if ((err as { httpStatus?: number }).httpStatus !== 304) throw err;
      }
    }
    this.shutDown = true;
  }

  async release(): Promise<void> {
    this.health?.close();
    await this.files.remove();
  }

  async remove(): Promise<void> {
    const r = this.record();
    if (r) {
      await this.d.containers.remove(r.Id, { force: true }).catch((err: unknown) => {
        if ((err as { httpStatus?: number }).httpStatus !== 404) throw err;
      });
    }
    this.containerId = undefined;
    await this.release();
  }

  /** After a restart: a running container of this task gets its overlay networks checked and re-wired. */
  async adoptNetworks(): Promise<void> {
    const r = this.record();
    const attachments = overlayAttachments(this.task.NetworksAttachments);
    // An ended task's container is kept for its logs only: it will not join its networks again.
    if (!r || !this.d.networks || !attachments.length || isTerminal(this.task.Status.State)) return;
    if (r.State.Running && r.Sandbox) await this.d.networks.adopt(r.Id, this.task.ID, attachments, r.Sandbox);
    else this.d.networks.bind(r.Id, this.task.ID, attachments);
  }

  /** Stops listening for the container's health events (the runner is done with the task). */
  close(): void {
    this.health?.close();
  }

  /** The task's container record, by the id it was created with or by its task label. */
  private record(): ContainerRecord | undefined {
    if (this.containerId) {
      try {
        return this.d.containers.get(this.containerId);
      } catch {
        this.containerId = undefined;
      }
    }
    const hit = this.d.containers.list({ all: true, filters: { label: [`${TASK_ID_LABEL}=${this.task.ID}`] } })[0];
    if (!hit) return undefined;
    this.containerId = hit.Id as string;
    return this.d.containers.get(this.containerId);
  }
}

function observedContainer(r: ContainerRecord): ObservedContainer {
  return {
    ID: r.Id,
    Running: r.State.Running || r.State.Restarting,
    Pid: r.State.Pid,
    ExitCode: r.State.ExitCode,
    Started: !r.State.StartedAt.startsWith('0001-'),
  };
}

/** The host-mode ports as the container's sandbox bound them (a PublishedPort of 0 gets the port picked). */
function publishedPorts(r: ContainerRecord, wanted: PortConfig[]): PortConfig[] {
  const out: PortConfig[] = [];
  for (const p of wanted) {
    if (p.PublishMode !== 'host' || !p.TargetPort) continue;
    const proto = p.Protocol ?? 'tcp';
    const bound = r.Sandbox?.Ports?.[`${p.TargetPort}/${proto}`];
    const hostPort = Number(bound?.[0]?.HostPort ?? p.PublishedPort ?? 0);
    out.push({ Protocol: proto, TargetPort: p.TargetPort, PublishedPort: hostPort, PublishMode: 'host' });
  }
  return out;
}
