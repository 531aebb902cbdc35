// What the facts probe learns about a host: the raw material of baselines and baseline drift.

export interface OsFacts {
  /** /etc/os-release ID: "debian", "ubuntu", "rhel", "alpine". */
  id: string;
  /** /etc/os-release VERSION_ID: "12"; empty on rolling releases. */
  versionId: string;
  prettyName: string;
  /** uname -s: "Linux". */
  kernelName: string;
}

export interface UserFact {
  uid: number;
  gid: number;
  home: string;
  shell: string;
  /** Supplementary groups (from the group database's member lists), sorted. */
  groups: string[];
}

export interface GroupFact {
  gid: number;
  members: string[];
}

export type ServiceState = 'running' | 'stopped' | 'failed' | 'unknown';

export interface ServiceFact {
  state: ServiceState;
  /** Starts at boot; absent when the service manager does not say (static units, ...). */
  enabled?: boolean;
}

export interface PortFact {
  proto: 'tcp' | 'udp';
  /** "0.0.0.0", "::", "127.0.0.1". */
  address: string;
  port: number;
}

export type PathFact =
  | { type: 'absent' }
  | { type: 'file'; mode: string; owner: string; group: string; /** null when the probe could not read it */ sha256: string | null }
  | { type: 'directory'; mode: string; owner: string; group: string }
  | { type: 'symlink'; mode: string; owner: string; group: string; target: string }
  | { type: 'other'; mode: string; owner: string; group: string };

export interface HostFacts {
  os: OsFacts;
  arch: string;
  kernel: string;
  packageManager: 'dpkg' | 'rpm' | 'apk';
  /** Installed packages: name → version. Sorted by name. */
  packages: Record<string, string>;
  users: Record<string, UserFact>;
  groups: Record<string, GroupFact>;
  serviceManager: 'systemd' | 'sysvinit' | 'none';
  services: Record<string, ServiceFact>;
  /** Listening sockets, sorted by proto, port, address; one entry per address. */
  ports: PortFact[];
  portsSource: 'ss' | 'netstat' | 'proc';
  /** /etc/environment, secret-looking values replaced by "<redacted>". */
  env: Record<string, string>;
  /** The probed paths, in the order asked. */
  paths: Record<string, PathFact>;
}

export const REDACTED = '<redacted>';
