export * from './errors';
export * from './event-sink';
export * from './filters';
export * from './version';
export * from './swarm-types';
export * from './ipv4-subnet';
export * from './network-resource';
