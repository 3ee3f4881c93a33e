/** The API types the compose conversion builds (re-exported so the CLI imports one place). */
import type { ContainerSpec } from '../src/api';
export type { ConfigReference, PortConfig, SecretReference, ServiceSpec, UpdateConfig } from '../src/api';
export type Healthcheck = NonNullable<ContainerSpec['Healthcheck']>;
