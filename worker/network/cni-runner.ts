import path from 'node:path';
import { InternalError } from '../../src/api';
import type { CniConflist } from './bridge-conflist';
import { runCommand } from './run-command';

/** The parts of a CNI 1.0 result we read. */
export interface CniResult {
  cniVersion: string;
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  ips?: Array<{ interface?: number; address: string; gateway?: string }>;
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: unknown;
}

export interface CniAttachment {
  containerId: string;
  netnsPath: string;
  ifName: string;
  /** Values for the plugins' declared capabilities, e.g. {portMappings: [...]}. */
  runtimeConfig: Record<string, unknown>;
}

/** A failed plugin, with the CNI error code and message it printed. */
export class CniPluginError extends InternalError {
  constructor(
    readonly plugin: string,
    readonly command: string,
    readonly cniCode: number | undefined,
    message: string,
  ) {
    super(`CNI ${plugin} ${command} failed: ${message}`);
  }
}

/**
 * Runs a conflist the way the CNI spec (1.0) tells a runtime to: each plugin binary in order
 * for ADD, chaining prevResult, and in reverse for DEL. Plugins receive only the runtimeConfig
 * keys they declare in `capabilities`.
 */
export class CniRunner {
  constructor(private readonly binDir: string) {}

  async add(conf: CniConflist, at: CniAttachment): Promise<CniResult> {
    let prev: CniResult | undefined;
    for (const plugin of conf.plugins) {
      const out = await this.exec('ADD', conf, plugin, at, prev);
      prev = JSON.parse(out) as CniResult;
    }
    if (!prev) throw new InternalError(`CNI network ${conf.name} has no plugins`);
    return prev;
  }

  /** DEL through every plugin, even after one fails; throws the first failure at the end. */
  async del(conf: CniConflist, at: CniAttachment, prevResult: CniResult | undefined): Promise<void> {
    let first: unknown;
    for (const plugin of [...conf.plugins].reverse()) {
      try {
        await this.exec('DEL', conf, plugin, at, prevResult);
      } catch (e) {
        first ??= e;
      }
    }
    if (first) throw first;
  }

  private async exec(
    command: 'ADD' | 'DEL',
    conf: CniConflist,
    plugin: CniConflist['plugins'][number],
    at: CniAttachment,
    prev: CniResult | undefined,
  ): Promise<string> {
    const { capabilities, ...rest } = plugin as Record<string, unknown> & {
      type: string;
      capabilities?: Record<string, boolean>;
    };
    const stdin: Record<string, unknown> = { ...rest, cniVersion: conf.cniVersion, name: conf.name };
    if (capabilities) {
      const rc: Record<string, unknown> = {};
      for (const [cap, on] of Object.entries(capabilities))
        if (on && cap in at.runtimeConfig) rc[cap] = at.runtimeConfig[cap];
      stdin.runtimeConfig = rc;
    }
    if (prev) stdin.prevResult = prev;
    const file = path.join(this.binDir, plugin.type);
    const r = await runCommand(file, [], {
      input: JSON.stringify(stdin),
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        CNI_COMMAND: command,
        CNI_CONTAINERID: at.containerId,
        CNI_NETNS: at.netnsPath,
        CNI_IFNAME: at.ifName,
        CNI_PATH: this.binDir,
      },
    });
    if (r.code !== 0) {
      let code: number | undefined;
      let msg = r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`;
      try {
        const e = JSON.parse(r.stdout) as { code?: number; msg?: string; details?: string };
        code = e.code;
        msg = [e.msg, e.details].filter(Boolean).join(': ') || msg;
      } catch {
        // not the JSON error the spec asks for; keep the raw text
      }
      throw new CniPluginError(plugin.type, command, code, msg);
    }
    return r.stdout;
  }
}
