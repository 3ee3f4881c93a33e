/** A cluster object in a store without raft, as init writes it, for CA tests. */
import { createJoinTokens, type RootCaMaterial, type JoinTokens } from '../../../../src/pki';
import type { MemoryStore } from '../../../../src/store';
import { defaultSwarmSpec } from '../../../../manager/cluster-defaults';
import { tlsInfoOf } from '../../../../manager/init-cluster';

export async function initClusterObjects(store: MemoryStore, ca: RootCaMaterial): Promise<JoinTokens> {
  const tokens = createJoinTokens(ca.certPem);
  await store.update((tx) =>
    tx.create('cluster', {
      ID: 'cluster1',
      Spec: defaultSwarmSpec(),
      TLSInfo: tlsInfoOf(ca.certPem),
      JoinTokens: { Worker: tokens.worker, Manager: tokens.manager },
      Internal: { caKey: ca.keyPem, registry: { removedNodes: [], revokedSerials: [] } },
    } as never),
  );
  return tokens;
}
