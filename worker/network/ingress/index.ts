/** worker/network/ingress: the routing mesh (published ingress ports on every node's addresses). */
export { IngressMesh, type IngressMeshOptions } from './ingress-mesh';
export { hostRuleset, hostTableName, ingressLink, meshRuleset, publishedPorts, INGRESS_TABLE } from './ingress-ruleset';
