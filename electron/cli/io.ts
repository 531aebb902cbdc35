// How the CLI talks to its terminal (the commands write through CliIo, so tests can capture it), and
// the options its command line parsed.

import type pc from 'picocolors';

/** picocolors' colour functions, on or off: decided per run (the agent serves terminals with other settings). */
export type Colors = ReturnType<typeof pc.createColors>;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  tty: boolean;
  /** The colours of this output: picocolors' own decision in the Node CLI, the client's in the agent (served-cli.ts). */
  colors: Colors;
  /** The folder paths are shown relative to: the caller's (a served run's is not the agent's own). */
  cwd?: string;
}

export interface CliFlags {
  json?: boolean;
  verbose?: boolean;
  wait?: boolean;
  volumes?: boolean;
  against?: string;
  out?: string;
  junit?: string;
  debug?: boolean;
  yes?: boolean;
  fix?: boolean;
  'i-know-this-is-production'?: boolean;
  /** use: print what the switch would do, and its preflight problems, without switching. */
  plan?: boolean;
  /** use: leave the previous profile stopped when the target fails. */
  'no-rollback'?: boolean;
  'no-cache'?: boolean;
  all?: boolean;
  'older-than'?: string;
  push?: string;
  /** import compose: Compose profiles to enable. */
  profile?: string[];
  /** import: replace an existing profile file. */
  force?: boolean;
  /** Run in this process even when an agent is running. */
  'no-agent'?: boolean;
  /** drift: run it in the agent on this schedule (15m, 1h, off). */
  every?: string;
  /** up: the plan run whose changes to apply (refused if the machines changed since). */
  'from-plan'?: string;
  /** drift/capture: at most this many machines at a time. */
  forks?: string;
  /** capture: write the baseline even if some hosts could not be captured. */
  'allow-unreachable'?: boolean;
}
