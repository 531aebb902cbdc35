// A resource kind knows three things: probe (read the actual state, read-only), diff (desired vs actual,
// a pure function) and apply (make the changes). up = probe → diff → apply → probe again; plan = probe →
// diff; drift = probe → diff against the profile or a baseline. One code path for all three.

import type { ResourceSpec } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';

/** Shell to run on the machine to apply a resource's changes. */
export interface ApplyStep {
  /** POSIX sh, run as root. Must be idempotent and fail (non-zero exit, message on stderr) on error. */
  script: string;
  /** Sent on standard input (file content), so content never appears in a command line or a log. */
  stdin?: string;
}

export interface ResourceKind<S extends ResourceSpec = ResourceSpec, A = unknown> {
  readonly kind: S['kind'];
  /**
   * POSIX sh that prints this resource's actual state on stdout. Read-only: it never writes to the
   * machine. Many probes are concatenated into one script (see probe-script.ts), so a snippet must not
   * `exit`, must not read stdin, and must not leave state (variables prefixed `_pl_` are fine).
   */
  probe(spec: S): string;
  /** Turns what the probe printed into the actual state. */
  parse(stdout: string, spec: S): A;
  /** Desired vs actual: empty when in sync. Pure. */
  diff(spec: S, actual: A): Change[];
  /** What to run to make actual match desired. Only called when diff is not empty. */
  apply(spec: S, actual: A, changes: Change[]): ApplyStep;
  /**
   * Optional: one step that applies several resources of this kind at once (packages: one apt-get
   * call instead of one per package, which is most of the time an install takes). The runner may pass
   * consecutive pending resources of the same kind (see planApplySteps in probe-script.ts); if the step
   * fails, all of them failed.
   */
  applyBatch?(items: { spec: S; actual: A; changes: Change[] }[]): ApplyStep;
}
