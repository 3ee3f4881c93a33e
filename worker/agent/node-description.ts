/** What a node tells the managers about itself (Docker's Node.Description). */
import * as os from 'node:os';
import { ENGINE_VERSION, type NodeDescription } from '../../src/api';

export function localNodeDescription(
  hostname = os.hostname(),
  engineLabels: Record<string, string> = {},
): NodeDescription {
  return {
    Hostname: hostname,
    Platform: { Architecture: os.machine(), OS: 'linux' },
    Resources: { NanoCPUs: os.cpus().length * 1e9, MemoryBytes: os.totalmem() },
    Engine: {
      EngineVersion: ENGINE_VERSION,
      Labels: engineLabels,
      Plugins: [
        { Type: 'Log', Name: 'json-file' },
        { Type: 'Network', Name: 'bridge' },
        { Type: 'Network', Name: 'host' },
        { Type: 'Network', Name: 'null' },
        { Type: 'Network', Name: 'overlay' },
        { Type: 'Volume', Name: 'local' },
      ],
    },
  };
}
