// What `use` (switch to a profile) will do, decided before anything is stopped: the profiles it stops,
// the machines it starts, and the problems that would make it fail (a held host port, an image that
// cannot be had, an SSH host that does not answer). `prodlike use --plan` prints it; the app shows it
// before the switch button acts; `use` refuses while `problems` is not empty.

export interface PreflightProblem {
  kind: 'profile' | 'engine' | 'port' | 'image' | 'ssh';
  /** The target's machine the problem is about, when it is about one. */
  machine?: string;
  /** One line a person can act on: "host port 127.0.0.1:8080/tcp is held by container x (Compose project y)". */
  message: string;
  hint?: string;
}

export interface UsePlanStop {
  profile: string;
  /** The profile file, from the containers' labels (or the active-profile record). */
  file?: string;
  /** Its running machines, which `use` stops. */
  machines: string[];
  /** Host ports its running containers publish ("8080/tcp"). */
  ports: string[];
}

export type UsePlanAction = 'create' | 'start' | 'keep' | 'recreate' | 'connect';

export interface UsePlanStart {
  machine: string;
  provider: 'docker' | 'ssh';
  action: UsePlanAction;
  /** "ports changed", "image will be pulled", "root@10.0.0.5:22". */
  detail?: string;
}

export interface UsePlan {
  profile: string;
  file: string;
  /** The active profile as recorded before the switch. */
  active?: { name: string; file: string };
  stop: UsePlanStop[];
  start: UsePlanStart[];
  /** `stop-first` when a stopped profile publishes a host port the target wants; else both at once. */
  order: 'parallel' | 'stop-first';
  problems: PreflightProblem[];
  durationMs: number;
}
