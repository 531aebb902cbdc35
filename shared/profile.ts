// The profile format, version 1, after loading: `extends` merged, variables interpolated, `src:` files
// read. This is what the engine and the UI see; the YAML schema that produces it lives in the engine.

export type Role = 'dev' | 'test' | 'production';

/** Where a value came from in a profile file, for error messages and the UI. 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export interface DockerBuildSpec {
  /** Absolute path of the build context (resolved against the profile file's folder). */
  context: string;
  dockerfile?: string;
  args: Record<string, string>;
  /** The build stage to stop at (`docker build --target`). */
  target?: string;
}

/** A container health check, as Docker runs it (`HEALTHCHECK`). Durations in milliseconds. */
export interface DockerHealthcheck {
  /** `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]` (turns the image's check off). */
  test?: string[];
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  retries?: number;
}

/** A machine this one starts after; `healthy`: after its health check passes (Compose's service_healthy). */
export interface DockerDependency {
  machine: string;
  condition: 'started' | 'healthy';
}

export interface DockerMachineSpec {
  /** Image reference; for `build:` machines, the tag Prodlike gives the built image. */
  image: string;
  build?: DockerBuildSpec;
  /** Docker port specs; a spec without an address is bound to 127.0.0.1. */
  ports: string[];
  env: Record<string, string>;
  /** `name:/path` (named volume, labelled) or `/abs/host:/path` (bind mount). */
  volumes: string[];
  /** Overrides the image's command. Default keeps the container alive (`sleep infinity`). */
  command?: string[];
  /** Overrides the image's entrypoint (and then its command too, as in Docker). */
  entrypoint?: string[];
  /** false: without command/entrypoint, run the image's own (a service) instead of `sleep infinity`. */
  keepAlive?: boolean;
  workingDir?: string;
  /** The container's user (`USER`); Prodlike's own commands still run as root. */
  user?: string;
  healthcheck?: DockerHealthcheck;
  /** Machines started before this one (in `up`), in the order written. */
  dependsOn?: DockerDependency[];
  /** More DNS names for the container on the profile's network (its machine name is one already). */
  aliases?: string[];
  hostname?: string;
  privileged: boolean;
}

export interface SshJumpSpec {
  host: string;
  port: number;
  user: string;
  identity?: string;
}

export interface SshMachineSpec {
  host: string;
  port: number;
  user: string;
  /** Path of a private key file (already `~`-expanded). */
  identity?: string;
  /** Use the ssh-agent at $SSH_AUTH_SOCK (default when no identity is given). */
  agent: boolean;
  jump?: SshJumpSpec;
  /** Run commands through `sudo -n` as root when the user is not root. */
  become: boolean;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** A local VM that Prodlike creates with QEMU (docs/profiles.md, `vm:`). */
export interface VmMachineSpec {
  /** An http(s) URL, or the absolute path of a local qcow2 or raw image. */
  image: string;
  /** Expected checksum of a URL image (hex): sha512 or sha256. */
  sha512?: string;
  sha256?: string;
  /** Guest architecture: qemu-system-<arch>. */
  arch: 'x86_64' | 'aarch64';
  cpus: number;
  memoryMiB: number;
  /** Virtual disk size in bytes; absent: the image's own size. */
  diskBytes?: number;
  /** `[addr:]host:guest[/tcp|udp]`, forwarded from the host (to 127.0.0.1 when no address is given). */
  ports: string[];
  /** `/abs/host/path:/guest/path` synced folders. */
  folders: string[];
  /** Direct kernel boot (absolute paths). */
  kernel?: string;
  initrd?: string;
  append?: string;
  /** How long to wait for the first boot to finish (cloud-init done). */
  bootTimeoutMs: number;
}

/** What every resource spec has; each kind adds its own attributes. */
export interface ResourceBase {
  /** Stable identity within a machine: `kind:name` (for `line`, also the match or text). */
  id: string;
  pos?: SourcePos;
}

export interface PackageResource extends ResourceBase {
  kind: 'package';
  name: string;
  /** A version or a glob such as "1.22.*"; absent means any version. */
  version?: string;
  state: 'present' | 'absent';
}

export interface FileResource extends ResourceBase {
  kind: 'file';
  /** Absolute path on the machine. */
  name: string;
  /** Desired content (from `content:` or read from `src:` at load time). Absent: content not managed. */
  content?: string;
  /** Where `content` came from when it was `src:` (absolute path on the developer's machine). */
  src?: string;
  mode?: string;
  owner?: string;
  group?: string;
  state: 'present' | 'absent';
}

export interface DirectoryResource extends ResourceBase {
  kind: 'directory';
  name: string;
  mode?: string;
  owner?: string;
  group?: string;
  state: 'present' | 'absent';
}

export interface LineResource extends ResourceBase {
  kind: 'line';
  /** The file the line lives in. */
  name: string;
  text: string;
  /** A regular expression (POSIX ERE): the first matching line is replaced by `text`. */
  match?: string;
  state: 'present' | 'absent';
}

export interface UserResource extends ResourceBase {
  kind: 'user';
  name: string;
  uid?: number;
  /** Supplementary groups the user must be in (others are left alone). */
  groups: string[];
  shell?: string;
  home?: string;
  system: boolean;
  state: 'present' | 'absent';
}

export interface GroupResource extends ResourceBase {
  kind: 'group';
  name: string;
  gid?: number;
  system: boolean;
  state: 'present' | 'absent';
}

export interface CommandResource extends ResourceBase {
  kind: 'command';
  /** The shell command (run with `sh -c`). */
  name: string;
  /** Skip when this path exists. */
  creates?: string;
  /** Skip when this command succeeds. */
  unless?: string;
  /** Run only when this command succeeds. */
  onlyif?: string;
  cwd?: string;
  env: Record<string, string>;
}

export interface EnvResource extends ResourceBase {
  kind: 'env';
  /** Variable name, kept in /etc/environment. */
  name: string;
  value: string;
  state: 'present' | 'absent';
}

export interface ServiceResource extends ResourceBase {
  kind: 'service';
  name: string;
  state: 'running' | 'stopped';
  enabled?: boolean;
  /**
   * A shell command that succeeds once the service answers (a Compose healthcheck's test): a start
   * waits for it rather than for the start script's end, and a running service that fails it is waited for.
   */
  ready?: string;
}

/**
 * Every resource kind's spec, by kind name. The engine's registry (resources/registry.ts) is the list of
 * kinds; a kind added after these declares its spec in its own module with module augmentation
 * (`declare module '…/shared/profile.js' { interface ResourceKinds { symlink: SymlinkResource } }`), so
 * that adding a kind needs no edit here.
 */
export interface ResourceKinds {
  package: PackageResource;
  file: FileResource;
  directory: DirectoryResource;
  line: LineResource;
  user: UserResource;
  group: GroupResource;
  command: CommandResource;
  env: EnvResource;
  service: ServiceResource;
}

export type ResourceKindName = keyof ResourceKinds;

export type ResourceSpec = ResourceKinds[ResourceKindName];

export interface MachineSpec {
  name: string;
  /** The production host (in a baseline) this machine stands for. */
  mirrors?: string;
  docker?: DockerMachineSpec;
  ssh?: SshMachineSpec;
  vm?: VmMachineSpec;
  resources: ResourceSpec[];
  pos?: SourcePos;
}

export interface Profile {
  name: string;
  description?: string;
  role: Role;
  vars: Record<string, string>;
  machines: MachineSpec[];
  /** Absolute path of the profile file. */
  file: string;
  /** Every file that went into it (the profile and its `extends` chain). */
  files: string[];
  /**
   * The secret values interpolated into it, to be masked wherever they would be shown. Set by the
   * loader as a non-enumerable property: never serialized, never sent to the UI.
   */
  readonly secrets?: readonly string[];
  /** `cache: { from: <registry>/<repo> }`: where baked machine states are pulled from. */
  cache?: { from?: string };
  /** `engine: { host: ssh://me@box }` or `{ context: box }`: the Docker engine for its containers (before the app's setting). */
  engine?: { host?: string; context?: string };
}

export type ProviderName = 'docker' | 'ssh' | 'vm';

export function machineProvider(m: MachineSpec): ProviderName {
  return m.docker ? 'docker' : m.vm ? 'vm' : 'ssh';
}
