// `prodlike doctor` and the app's first screen: what runs need on this machine (a Docker engine that
// answers, the profiles' base images, disk space, SSH keys), each with what is wrong and the exact fix.

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckFix {
  /** What the fix does, in a sentence: "Start the Docker engine". */
  description: string;
  /** The exact command a person would type (shown as is; `doctor --fix` runs the same steps). */
  command: string;
  /** Whether `doctor --fix` (or the app's Fix button) can do it here; else the user runs `command`. */
  automatic: boolean;
}

export interface DoctorCheck {
  /** Stable: "docker-installed", "docker-engine", "image:debian:bookworm", "disk-space", "ssh-keys". */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, and for a problem what is wrong. */
  detail: string;
  fix?: CheckFix;
}

export interface DoctorReport {
  /** No check failed (warnings allowed). */
  ok: boolean;
  checks: DoctorCheck[];
}

export interface FixOutcome {
  id: string;
  ok: boolean;
  message: string;
  /** The last lines of the fix's output, for when it failed. */
  log?: string[];
}

export interface DoctorFixResult {
  fixes: FixOutcome[];
  /** The checks again, after the fixes. */
  report: DoctorReport;
}
