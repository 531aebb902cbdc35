// What doctor knows about the machine: plain data, read once per check. The decisions (checks.ts) are
// pure functions of this, so every message and fix is tested without touching the machine.

import type { VmCheck } from '../backends/vm/vm-doctor.js';
import type { PidFile, StalePidFile } from './pid-files.js';

export interface SocketFacts {
  path: string;
  uid: number;
  gid: number;
  /** The group's name when /etc/group has it. */
  group?: string;
  mode: number;
}

export type EngineAnswer =
  | { state: 'ok'; version: string; rootDir?: string; /** "Podman" when Podman's Docker API answers. */ product?: string }
  /** Nothing listens (no socket file, connection refused): the engine is stopped or not installed. */
  | { state: 'down'; message: string }
  /** The socket is there and refuses this user (EACCES). */
  | { state: 'denied'; message: string }
  /** It answered with an error, or a remote one did not answer. */
  | { state: 'error'; message: string };

export interface ImageUse {
  image: string;
  /** Names of the profiles whose machines use it. */
  profiles: string[];
  /** Known only when the engine answers. */
  present?: boolean;
}

export interface SshUse {
  profile: string;
  machine: string;
  /** The key file named by the machine (or the settings' default), `~` expanded; none means the agent. */
  identity?: string;
  identityExists?: boolean;
}

export interface DiskFacts {
  path: string;
  freeBytes: number;
}

export interface DoctorFacts {
  platform: NodeJS.Platform;
  uid: number;
  user: string;
  /** Group ids of this process (what the kernel checks), and the docker group from /etc/group. */
  processGids: number[];
  dockerGroup?: { gid: number; members: string[] };
  /** How this process can become root: it is root, `sudo -n` works, sudo asks a password, or none. */
  root: 'root' | 'sudo' | 'sudo-password' | 'none';
  /** The user can be asked (a terminal): sudo with a password can then be used. */
  interactive: boolean;
  systemd: boolean;
  /** Paths of the programs doctor may use (undefined: not installed). */
  bin: { dockerd?: string; aptGet?: string; mmdebstrap?: string; systemctl?: string };
  /** DOCKER_HOST form: "unix:///var/run/docker.sock", "tcp://…", "ssh://…". */
  engineAddress: string;
  /** Why that engine (the setting, DOCKER_HOST, DOCKER_CONTEXT, the CLI's current context, the default). */
  engineWhy?: string;
  /** For a unix socket: its path, whether it is the default one, and its owner and mode if it exists. */
  socketPath?: string;
  defaultSocket: boolean;
  socket?: SocketFacts;
  engine: EngineAnswer;
  /** Extra dockerd arguments from PRODLIKE_DOCKERD_ARGS (for an engine on a non-default socket). */
  dockerdArgs: string[];
  /** Where dockerd's log goes when doctor starts it. */
  dockerdLog: string;
  /** When the local engine is down: the pid files it writes, and those of them a dead engine left behind. */
  enginePidFiles?: PidFile[];
  stalePidFiles?: StalePidFile[];
  images: ImageUse[];
  ssh: SshUse[];
  agentSocket?: string;
  disks: DiskFacts[];
  /** Profiles that did not load (doctor still checks the rest). */
  profileErrors: string[];
  /** QEMU, qemu-img, a seed writer, acceleration and disk: only when a profile has vm: machines. */
  vm?: VmCheck[];
}
