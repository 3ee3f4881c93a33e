/**
 * The swarm object model as the Docker Engine API (1.44) shows it: ID, Version.Index,
 * CreatedAt, UpdatedAt, Spec (what the user asked for) and the observed parts (Status,
 * Endpoint, ...). Field names are Docker's, so an object read from the store can be served
 * as JSON unchanged. Durations are nanoseconds, as in Docker; times are RFC 3339 strings.
 * Most fields are optional because Docker omits empty ones.
 */

/** Docker's `Version`: the raft index of the object's last change. */
export interface ObjectVersion {
  Index: number;
}

export type Labels = Record<string, string>;

/** Fields every stored swarm object carries. */
export interface ObjectMeta {
  ID: string;
  Version: ObjectVersion;
  CreatedAt: string;
  UpdatedAt: string;
}

export interface Driver {
  Name?: string;
  Options?: Record<string, string> | null;
}

export interface TlsInfo {
  TrustRoot?: string;
  CertIssuerSubject?: string;
  CertIssuerPublicKey?: string;
}

// ---- cluster (GET /swarm) ----

export interface SwarmSpec {
  Name?: string;
  Labels?: Labels;
  Orchestration?: { TaskHistoryRetentionLimit?: number };
  Raft?: {
    SnapshotInterval?: number;
    KeepOldSnapshots?: number;
    LogEntriesForSlowFollowers?: number;
    ElectionTick?: number;
    HeartbeatTick?: number;
  };
  Dispatcher?: { HeartbeatPeriod?: number };
  CAConfig?: {
    NodeCertExpiry?: number;
    ExternalCAs?: { Protocol: string; URL: string; Options?: Record<string, string>; CACert?: string }[];
    SigningCACert?: string;
    SigningCAKey?: string;
    ForceRotate?: number;
  };
  TaskDefaults?: { LogDriver?: Driver };
  EncryptionConfig?: { AutoLockManagers?: boolean };
}

export interface JoinTokens {
  Worker: string;
  Manager: string;
}

/** The cluster object (one per swarm), as GET /swarm answers on a manager. */
export interface ClusterObject extends ObjectMeta {
  Spec: SwarmSpec;
  TLSInfo?: TlsInfo;
  RootRotationInProgress?: boolean;
  DefaultAddrPool?: string[] | null;
  SubnetSize?: number;
  DataPathPort?: number;
  JoinTokens?: JoinTokens;
}

// ---- node ----

export type NodeRole = 'worker' | 'manager';
export type NodeAvailability = 'active' | 'pause' | 'drain';
export type NodeState = 'unknown' | 'down' | 'ready' | 'disconnected';
export type Reachability = 'unknown' | 'unreachable' | 'reachable';

export interface NodeSpec {
  Name?: string;
  Labels?: Labels;
  Role: NodeRole;
  Availability: NodeAvailability;
}

export interface NodeDescription {
  Hostname?: string;
  Platform?: { Architecture?: string; OS?: string };
  Resources?: {
    NanoCPUs?: number;
    MemoryBytes?: number;
    GenericResources?: {
      NamedResourceSpec?: { Kind: string; Value: string };
      DiscreteResourceSpec?: { Kind: string; Value: number };
    }[];
  };
  Engine?: { EngineVersion?: string; Labels?: Labels; Plugins?: { Type: string; Name: string }[] };
  TLSInfo?: TlsInfo;
  CSIInfo?: unknown[];
}

export interface NodeStatus {
  State: NodeState;
  Message?: string;
  Addr?: string;
}

export interface ManagerStatus {
  Leader?: boolean;
  Reachability: Reachability;
  Addr: string;
}

export interface NodeObject extends ObjectMeta {
  Spec: NodeSpec;
  Description?: NodeDescription;
  Status: NodeStatus;
  ManagerStatus?: ManagerStatus;
}

// ---- service and task spec ----

export interface Mount {
  Target?: string;
  Source?: string;
  Type?: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster';
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Labels; DriverConfig?: Driver };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface FileReference {
  File?: { Name: string; UID?: string; GID?: string; Mode?: number };
  Runtime?: Record<string, never>;
}

export interface SecretReference extends FileReference {
  SecretID: string;
  SecretName: string;
}

export interface ConfigReference extends FileReference {
  ConfigID: string;
  ConfigName: string;
}

export interface ContainerSpec {
  Image?: string;
  Labels?: Labels;
  Command?: string[];
  Args?: string[];
  Hostname?: string;
  Env?: string[];
  Dir?: string;
  User?: string;
  Groups?: string[];
  Privileges?: {
    CredentialSpec?: unknown;
    SELinuxContext?: unknown;
    /** Profile: the profile's JSON, base64 as Go encodes []byte, when Mode is custom. */
    Seccomp?: { Mode?: 'default' | 'unconfined' | 'custom'; Profile?: string };
    AppArmor?: { Mode?: string };
    NoNewPrivileges?: boolean;
  };
  TTY?: boolean;
  OpenStdin?: boolean;
  ReadOnly?: boolean;
  Mounts?: Mount[];
  StopSignal?: string;
  StopGracePeriod?: number;
  /** Docker's HealthConfig (durations in ns); the engine runs it, the agent waits for healthy. */
  Healthcheck?: {
    Test?: string[];
    Interval?: number;
    Timeout?: number;
    Retries?: number;
    StartPeriod?: number;
    StartInterval?: number;
  };
  Hosts?: string[];
  DNSConfig?: { Nameservers?: string[]; Search?: string[]; Options?: string[] };
  Secrets?: SecretReference[];
  Configs?: ConfigReference[];
  Isolation?: string;
  Init?: boolean | null;
  Sysctls?: Record<string, string>;
  CapabilityAdd?: string[];
  CapabilityDrop?: string[];
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
}

export interface ResourceSet {
  NanoCPUs?: number;
  MemoryBytes?: number;
  Pids?: number;
  GenericResources?: unknown[];
}

export interface RestartPolicy {
  Condition?: 'none' | 'on-failure' | 'any';
  Delay?: number;
  MaxAttempts?: number;
  Window?: number;
}

export interface Placement {
  Constraints?: string[];
  Preferences?: { Spread: { SpreadDescriptor: string } }[];
  MaxReplicas?: number;
  Platforms?: { Architecture?: string; OS?: string }[];
}

export interface NetworkAttachmentConfig {
  Target: string;
  Aliases?: string[];
  DriverOpts?: Record<string, string>;
}

export interface TaskSpec {
  PluginSpec?: unknown;
  ContainerSpec?: ContainerSpec;
  NetworkAttachmentSpec?: { ContainerID: string };
  Resources?: { Limits?: ResourceSet; Reservations?: ResourceSet };
  RestartPolicy?: RestartPolicy;
  Placement?: Placement;
  ForceUpdate?: number;
  Runtime?: string;
  Networks?: NetworkAttachmentConfig[];
  LogDriver?: Driver;
}

export interface UpdateConfig {
  Parallelism?: number;
  Delay?: number;
  FailureAction?: 'continue' | 'pause' | 'rollback';
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: 'stop-first' | 'start-first';
}

export interface PortConfig {
  Name?: string;
  Protocol?: 'tcp' | 'udp' | 'sctp';
  TargetPort?: number;
  PublishedPort?: number;
  PublishMode?: 'ingress' | 'host';
}

export interface EndpointSpec {
  Mode?: 'vip' | 'dnsrr';
  Ports?: PortConfig[];
}

export interface ServiceMode {
  Replicated?: { Replicas?: number };
  Global?: Record<string, never>;
  ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number };
  GlobalJob?: Record<string, never>;
}

export interface ServiceSpec {
  Name: string;
  Labels?: Labels;
  TaskTemplate: TaskSpec;
  Mode?: ServiceMode;
  UpdateConfig?: UpdateConfig;
  RollbackConfig?: UpdateConfig;
  Networks?: NetworkAttachmentConfig[];
  EndpointSpec?: EndpointSpec;
}

// ---- service ----

export interface VirtualIp {
  NetworkID: string;
  Addr: string;
}

export interface Endpoint {
  Spec?: EndpointSpec;
  Ports?: PortConfig[];
  VirtualIPs?: VirtualIp[];
}

export type UpdateState =
  'updating' | 'paused' | 'completed' | 'rollback_started' | 'rollback_paused' | 'rollback_completed';

export interface UpdateStatus {
  State?: UpdateState;
  StartedAt?: string;
  CompletedAt?: string;
  Message?: string;
}

export interface ServiceObject extends ObjectMeta {
  Spec: ServiceSpec;
  /** swarmkit's spec_version: the Version.Index of the last change of Spec (set by whoever writes Spec). */
  SpecVersion?: ObjectVersion;
  PreviousSpec?: ServiceSpec;
  Endpoint?: Endpoint;
  UpdateStatus?: UpdateStatus;
  JobStatus?: { JobIteration: ObjectVersion; LastExecution?: string };
}

// ---- task ----

/** Docker's task states, in the order a task moves through them (never backwards). */
export const TASK_STATES = [
  'new',
  'pending',
  'assigned',
  'accepted',
  'preparing',
  'ready',
  'starting',
  'running',
  'complete',
  'shutdown',
  'failed',
  'rejected',
  'remove',
  'orphaned',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface TaskStatus {
  Timestamp?: string;
  State: TaskState;
  Message?: string;
  Err?: string;
  ContainerStatus?: { ContainerID?: string; PID?: number; ExitCode?: number };
  PortStatus?: { Ports?: PortConfig[] };
}

/** A network as a task carries it (the swarm shape, not the engine's network inspect). */
export interface NetworkAttachment {
  Network: NetworkObject;
  Addresses: string[];
}

export interface TaskObject extends ObjectMeta {
  Name?: string;
  Labels?: Labels;
  Spec: TaskSpec;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  AssignedGenericResources?: unknown[];
  Status: TaskStatus;
  DesiredState: TaskState;
  NetworksAttachments?: NetworkAttachment[];
  JobIteration?: ObjectVersion;
  /** The service's Name and Labels when the task was made (swarmkit's service_annotations). */
  ServiceAnnotations?: { Name?: string; Labels?: Labels };
  /** The service's SpecVersion (or Version) the task's Spec was taken from (swarmkit's spec_version). */
  SpecVersion?: ObjectVersion;
}

// ---- network (swarm shape) ----

export interface IpamConfig {
  Subnet?: string;
  Range?: string;
  Gateway?: string;
}

export interface NetworkSpec {
  Name: string;
  Labels?: Labels;
  DriverConfiguration?: Driver;
  IPv6Enabled?: boolean;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  IPAMOptions?: { Driver?: Driver; Configs?: IpamConfig[] };
  ConfigFrom?: { Network: string };
  Scope?: string;
}

export interface NetworkObject extends ObjectMeta {
  Spec: NetworkSpec;
  DriverState?: Driver;
  IPAMOptions?: { Driver?: Driver; Configs?: IpamConfig[] };
}

// ---- secret and config ----

export interface SecretSpec {
  Name: string;
  Labels?: Labels;
  /** Base64 of the secret's bytes. Docker never returns it on inspect. */
  Data?: string;
  Driver?: Driver;
  Templating?: Driver;
}

export interface SecretObject extends ObjectMeta {
  Spec: SecretSpec;
}

export interface ConfigSpec {
  Name: string;
  Labels?: Labels;
  /** Base64 of the config's bytes. */
  Data?: string;
  Templating?: Driver;
}

export interface ConfigObject extends ObjectMeta {
  Spec: ConfigSpec;
}

/** Every kind of stored swarm object, by its store kind name. */
export interface SwarmObjectKinds {
  cluster: ClusterObject;
  node: NodeObject;
  service: ServiceObject;
  task: TaskObject;
  network: NetworkObject;
  secret: SecretObject;
  config: ConfigObject;
}

export type SwarmObjectKind = keyof SwarmObjectKinds;
export type SwarmObject = SwarmObjectKinds[SwarmObjectKind];
