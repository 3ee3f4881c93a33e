/**
 * The subset of containerd's gRPC API (v1.6+) that tsswarmd speaks, declared in proto3.
 * Only the messages and fields we use; names and numbers follow containerd's wire format.
 * Kept as text in the source so the compiled daemon needs no .proto files beside it.
 */
export const CONTAINERD_PROTO = `
syntax = "proto3";
package containerd;

import "google/protobuf/any.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/field_mask.proto";

message types {
  message Mount { string type = 1; string source = 2; string target = 3; repeated string options = 4; }
  message Descriptor { string media_type = 1; string digest = 2; int64 size = 3; map<string, string> annotations = 5; }
}

message v1types {
  enum Status { UNKNOWN = 0; CREATED = 1; RUNNING = 2; STOPPED = 3; PAUSED = 4; PAUSING = 5; }
  message Process {
    string container_id = 1; string id = 2; uint32 pid = 3; Status status = 4;
    string stdin = 5; string stdout = 6; string stderr = 7; bool terminal = 8;
    uint32 exit_status = 9; google.protobuf.Timestamp exited_at = 10;
  }
}

message version { message VersionResponse { string version = 1; string revision = 2; } }

message content {
  message Info { string digest = 1; int64 size = 2; google.protobuf.Timestamp created_at = 3; google.protobuf.Timestamp updated_at = 4; map<string, string> labels = 5; }
  message InfoRequest { string digest = 1; }
  message InfoResponse { Info info = 1; }
  message UpdateRequest { Info info = 1; google.protobuf.FieldMask update_mask = 2; }
  message UpdateResponse { Info info = 1; }
  message ListContentRequest { repeated string filters = 1; }
  message ListContentResponse { repeated Info info = 1; }
  message DeleteContentRequest { string digest = 1; }
  message ReadContentRequest { string digest = 1; int64 offset = 2; int64 size = 3; }
  message ReadContentResponse { int64 offset = 1; bytes data = 2; }
  enum WriteAction { STAT = 0; WRITE = 1; COMMIT = 2; }
  message WriteContentRequest { WriteAction action = 1; string ref = 2; int64 total = 3; string expected = 4; int64 offset = 5; bytes data = 6; map<string, string> labels = 7; }
  message WriteContentResponse { WriteAction action = 1; int64 offset = 4; int64 total = 5; string digest = 6; }
  message AbortRequest { string ref = 1; }
}

message leases {
  message Lease { string id = 1; google.protobuf.Timestamp created_at = 2; map<string, string> labels = 3; }
  message CreateRequest { string id = 1; map<string, string> labels = 3; }
  message CreateResponse { Lease lease = 1; }
  message DeleteRequest { string id = 1; bool sync = 2; }
  message ListRequest { repeated string filters = 1; }
  message ListResponse { repeated Lease leases = 1; }
}

message snapshots {
  enum Kind { UNKNOWN = 0; VIEW = 1; ACTIVE = 2; COMMITTED = 3; }
  message Info { string name = 1; string parent = 2; Kind kind = 3; google.protobuf.Timestamp created_at = 4; google.protobuf.Timestamp updated_at = 5; map<string, string> labels = 6; }
  message PrepareSnapshotRequest { string snapshotter = 1; string key = 2; string parent = 3; map<string, string> labels = 4; }
  message MountsResponse { repeated containerd.types.Mount mounts = 1; }
  message MountsRequest { string snapshotter = 1; string key = 2; }
  message CommitSnapshotRequest { string snapshotter = 1; string name = 2; string key = 3; map<string, string> labels = 4; }
  message RemoveSnapshotRequest { string snapshotter = 1; string key = 2; }
  message StatSnapshotRequest { string snapshotter = 1; string key = 2; }
  message StatSnapshotResponse { Info info = 1; }
  message UpdateSnapshotRequest { string snapshotter = 1; Info info = 2; google.protobuf.FieldMask update_mask = 3; }
  message UpdateSnapshotResponse { Info info = 1; }
  message ListSnapshotsRequest { string snapshotter = 1; repeated string filters = 2; }
  message ListSnapshotsResponse { repeated Info info = 1; }
  message UsageRequest { string snapshotter = 1; string key = 2; }
  message UsageResponse { int64 size = 1; int64 inodes = 2; }
}

message diff {
  message ApplyRequest { containerd.types.Descriptor diff = 1; repeated containerd.types.Mount mounts = 2; }
  message ApplyResponse { containerd.types.Descriptor applied = 1; }
}

message images {
  message Image { string name = 1; map<string, string> labels = 2; containerd.types.Descriptor target = 3; google.protobuf.Timestamp created_at = 7; google.protobuf.Timestamp updated_at = 8; }
  message GetImageRequest { string name = 1; }
  message GetImageResponse { Image image = 1; }
  message CreateImageRequest { Image image = 1; }
  message CreateImageResponse { Image image = 1; }
  message UpdateImageRequest { Image image = 1; google.protobuf.FieldMask update_mask = 2; }
  message UpdateImageResponse { Image image = 1; }
  message ListImagesRequest { repeated string filters = 1; }
  message ListImagesResponse { repeated Image images = 1; }
  message DeleteImageRequest { string name = 1; bool sync = 2; }
}

message containers {
  message Container {
    message Runtime { string name = 1; google.protobuf.Any options = 2; }
    string id = 1; map<string, string> labels = 2; string image = 3; Runtime runtime = 4;
    google.protobuf.Any spec = 5; string snapshotter = 6; string snapshot_key = 7;
    google.protobuf.Timestamp created_at = 8; google.protobuf.Timestamp updated_at = 9;
    map<string, google.protobuf.Any> extensions = 10;
  }
  message GetContainerRequest { string id = 1; }
  message GetContainerResponse { Container container = 1; }
  message ListContainersRequest { repeated string filters = 1; }
  message ListContainersResponse { repeated Container containers = 1; }
  message CreateContainerRequest { Container container = 1; }
  message CreateContainerResponse { Container container = 1; }
  message UpdateContainerRequest { Container container = 1; google.protobuf.FieldMask update_mask = 2; }
  message UpdateContainerResponse { Container container = 1; }
  message DeleteContainerRequest { string id = 1; }
}

message tasks {
  message CreateTaskRequest {
    string container_id = 1; repeated containerd.types.Mount rootfs = 3;
    string stdin = 4; string stdout = 5; string stderr = 6; bool terminal = 7;
    google.protobuf.Any options = 9; string runtime_path = 10;
  }
  message CreateTaskResponse { string container_id = 1; uint32 pid = 2; }
  message StartRequest { string container_id = 1; string exec_id = 2; }
  message StartResponse { uint32 pid = 1; }
  message DeleteTaskRequest { string container_id = 1; }
  message DeleteProcessRequest { string container_id = 1; string exec_id = 2; }
  message DeleteResponse { string id = 1; uint32 pid = 2; uint32 exit_status = 3; google.protobuf.Timestamp exited_at = 4; }
  message GetRequest { string container_id = 1; string exec_id = 2; }
  message GetResponse { containerd.v1types.Process process = 1; }
  message ListTasksRequest { string filter = 1; }
  message ListTasksResponse { repeated containerd.v1types.Process tasks = 1; }
  message KillRequest { string container_id = 1; string exec_id = 2; uint32 signal = 3; bool all = 4; }
  message ExecProcessRequest { string container_id = 1; string stdin = 2; string stdout = 3; string stderr = 4; bool terminal = 5; google.protobuf.Any spec = 6; string exec_id = 7; }
  message ResizePtyRequest { string container_id = 1; string exec_id = 2; uint32 width = 3; uint32 height = 4; }
  message CloseIORequest { string container_id = 1; string exec_id = 2; bool stdin = 3; }
  message PauseTaskRequest { string container_id = 1; }
  message ResumeTaskRequest { string container_id = 1; }
  message ListPidsRequest { string container_id = 1; }
  message ProcessInfo { uint32 pid = 1; }
  message ListPidsResponse { repeated ProcessInfo processes = 1; }
  message WaitRequest { string container_id = 1; string exec_id = 2; }
  message WaitResponse { uint32 exit_status = 1; google.protobuf.Timestamp exited_at = 2; }
}

message eventsapi {
  message SubscribeRequest { repeated string filters = 1; }
  message Envelope { google.protobuf.Timestamp timestamp = 1; string namespace = 2; string topic = 3; google.protobuf.Any event = 4; }
}

message events {
  message TaskCreate { string container_id = 1; uint32 pid = 6; }
  message TaskStart { string container_id = 1; uint32 pid = 2; }
  message TaskDelete { string container_id = 1; uint32 pid = 2; uint32 exit_status = 3; google.protobuf.Timestamp exited_at = 4; string id = 5; }
  message TaskExit { string container_id = 1; string id = 2; uint32 pid = 3; uint32 exit_status = 4; google.protobuf.Timestamp exited_at = 5; }
  message TaskOOM { string container_id = 1; }
  message TaskExecAdded { string container_id = 1; string exec_id = 2; }
  message TaskExecStarted { string container_id = 1; string exec_id = 2; uint32 pid = 3; }
  message TaskPaused { string container_id = 1; }
  message TaskResumed { string container_id = 1; }
}
`;

/**
 * containerd's services, with the request and response message of each method.
 * Paths on the wire are /<service>/<method>; messages are resolved in CONTAINERD_PROTO.
 */
export const SERVICES = {
  version: {
    service: 'containerd.services.version.v1.Version',
    methods: { Version: ['google.protobuf.Empty', 'containerd.version.VersionResponse'] },
  },
  content: {
    service: 'containerd.services.content.v1.Content',
    methods: {
      Info: ['containerd.content.InfoRequest', 'containerd.content.InfoResponse'],
      Update: ['containerd.content.UpdateRequest', 'containerd.content.UpdateResponse'],
      List: ['containerd.content.ListContentRequest', 'containerd.content.ListContentResponse', 'server'],
      Delete: ['containerd.content.DeleteContentRequest', 'google.protobuf.Empty'],
      Read: ['containerd.content.ReadContentRequest', 'containerd.content.ReadContentResponse', 'server'],
      Write: ['containerd.content.WriteContentRequest', 'containerd.content.WriteContentResponse', 'bidi'],
      Abort: ['containerd.content.AbortRequest', 'google.protobuf.Empty'],
    },
  },
  leases: {
    service: 'containerd.services.leases.v1.Leases',
    methods: {
      Create: ['containerd.leases.CreateRequest', 'containerd.leases.CreateResponse'],
      Delete: ['containerd.leases.DeleteRequest', 'google.protobuf.Empty'],
      List: ['containerd.leases.ListRequest', 'containerd.leases.ListResponse'],
    },
  },
  snapshots: {
    service: 'containerd.services.snapshots.v1.Snapshots',
    methods: {
      Prepare: ['containerd.snapshots.PrepareSnapshotRequest', 'containerd.snapshots.MountsResponse'],
      View: ['containerd.snapshots.PrepareSnapshotRequest', 'containerd.snapshots.MountsResponse'],
      Mounts: ['containerd.snapshots.MountsRequest', 'containerd.snapshots.MountsResponse'],
      Commit: ['containerd.snapshots.CommitSnapshotRequest', 'google.protobuf.Empty'],
      Remove: ['containerd.snapshots.RemoveSnapshotRequest', 'google.protobuf.Empty'],
      Stat: ['containerd.snapshots.StatSnapshotRequest', 'containerd.snapshots.StatSnapshotResponse'],
      Update: ['containerd.snapshots.UpdateSnapshotRequest', 'containerd.snapshots.UpdateSnapshotResponse'],
      List: ['containerd.snapshots.ListSnapshotsRequest', 'containerd.snapshots.ListSnapshotsResponse', 'server'],
      Usage: ['containerd.snapshots.UsageRequest', 'containerd.snapshots.UsageResponse'],
    },
  },
  diff: {
    service: 'containerd.services.diff.v1.Diff',
    methods: { Apply: ['containerd.diff.ApplyRequest', 'containerd.diff.ApplyResponse'] },
  },
  images: {
    service: 'containerd.services.images.v1.Images',
    methods: {
      Get: ['containerd.images.GetImageRequest', 'containerd.images.GetImageResponse'],
      List: ['containerd.images.ListImagesRequest', 'containerd.images.ListImagesResponse'],
      Create: ['containerd.images.CreateImageRequest', 'containerd.images.CreateImageResponse'],
      Update: ['containerd.images.UpdateImageRequest', 'containerd.images.UpdateImageResponse'],
      Delete: ['containerd.images.DeleteImageRequest', 'google.protobuf.Empty'],
    },
  },
  containers: {
    service: 'containerd.services.containers.v1.Containers',
    methods: {
      Get: ['containerd.containers.GetContainerRequest', 'containerd.containers.GetContainerResponse'],
      List: ['containerd.containers.ListContainersRequest', 'containerd.containers.ListContainersResponse'],
      Create: ['containerd.containers.CreateContainerRequest', 'containerd.containers.CreateContainerResponse'],
      Update: ['containerd.containers.UpdateContainerRequest', 'containerd.containers.UpdateContainerResponse'],
      Delete: ['containerd.containers.DeleteContainerRequest', 'google.protobuf.Empty'],
    },
  },
  tasks: {
    service: 'containerd.services.tasks.v1.Tasks',
    methods: {
      Create: ['containerd.tasks.CreateTaskRequest', 'containerd.tasks.CreateTaskResponse'],
      Start: ['containerd.tasks.StartRequest', 'containerd.tasks.StartResponse'],
      Delete: ['containerd.tasks.DeleteTaskRequest', 'containerd.tasks.DeleteResponse'],
      DeleteProcess: ['containerd.tasks.DeleteProcessRequest', 'containerd.tasks.DeleteResponse'],
      Get: ['containerd.tasks.GetRequest', 'containerd.tasks.GetResponse'],
      List: ['containerd.tasks.ListTasksRequest', 'containerd.tasks.ListTasksResponse'],
      Kill: ['containerd.tasks.KillRequest', 'google.protobuf.Empty'],
      Exec: ['containerd.tasks.ExecProcessRequest', 'google.protobuf.Empty'],
      ResizePty: ['containerd.tasks.ResizePtyRequest', 'google.protobuf.Empty'],
      CloseIO: ['containerd.tasks.CloseIORequest', 'google.protobuf.Empty'],
      Pause: ['containerd.tasks.PauseTaskRequest', 'google.protobuf.Empty'],
      Resume: ['containerd.tasks.ResumeTaskRequest', 'google.protobuf.Empty'],
      ListPids: ['containerd.tasks.ListPidsRequest', 'containerd.tasks.ListPidsResponse'],
      Wait: ['containerd.tasks.WaitRequest', 'containerd.tasks.WaitResponse'],
    },
  },
  events: {
    service: 'containerd.services.events.v1.Events',
    methods: { Subscribe: ['containerd.eventsapi.SubscribeRequest', 'containerd.eventsapi.Envelope', 'server'] },
  },
} as const;

/** Event payload types by the type URL containerd puts in the envelope's Any. */
export const EVENT_TYPES: Record<string, string> = {
  'containerd.events.TaskCreate': 'containerd.events.TaskCreate',
  'containerd.events.TaskStart': 'containerd.events.TaskStart',
  'containerd.events.TaskDelete': 'containerd.events.TaskDelete',
  'containerd.events.TaskExit': 'containerd.events.TaskExit',
  'containerd.events.TaskOOM': 'containerd.events.TaskOOM',
  'containerd.events.TaskExecAdded': 'containerd.events.TaskExecAdded',
  'containerd.events.TaskExecStarted': 'containerd.events.TaskExecStarted',
  'containerd.events.TaskPaused': 'containerd.events.TaskPaused',
  'containerd.events.TaskResumed': 'containerd.events.TaskResumed',
};
