/** worker/agent: the node's session to the managers (and, next, its task runners). */
export { Agent, type AgentOptions } from './agent';
export { localNodeDescription } from './node-description';
