// A resource kind is one module (the way an Ansible module keeps its argument spec, check mode and logic
// in one file): its profile schema and how a checked item becomes its spec; probe (read the actual
// state, read-only), diff (desired vs actual, a pure function) and apply (make the changes); what a
// production baseline records of it, how it compares with one, and how reconcile pins it to production.
// up = probe → diff → apply → probe again; plan = probe → diff; drift = probe → diff against the profile
// or a baseline. One code path for all three. The registry (registry.ts) lists the modules; the loader,
// capture, baseline drift and reconcile go through it and never switch on a kind.

import type * as z from 'zod/mini';
import type { ResourceSpec } from '../../../shared/profile.js';
import type { Change, DriftFinding, DriftStatus } from '../../../shared/report.js';
import type { BaselineHost } from '../baseline-schema.js';
import type { HostFacts } from '../facts/types.js';
import type { MapNode } from '../schema/yaml-tree.js';

/** Shell to run on the machine to apply a resource's changes. */
export interface ApplyStep {
  /** POSIX sh, run as root. Must be idempotent and fail (non-zero exit, message on stderr) on error. */
  script: string;
  /** Sent on standard input (file content), so content never appears in a command line or a log. */
  stdin?: string;
}

/** A spec's own attributes: what a kind's `fromProfile` gives (the loader adds id, pos, kind and name). */
export type SpecFields<S extends ResourceSpec> = Omit<S, 'id' | 'pos' | 'kind' | 'name'>;

/** What the loader offers a kind while it turns a checked resource into its spec. */
export interface LoadContext {
  /** Reports a problem located at the resource, or at the key `key` of it (one line of the load error). */
  problem(message: string, hint: string, key?: string): void;
  /**
   * Reads the `src:` file of this resource (relative to the profile file, confined to its folder);
   * undefined when it cannot, with the problem reported.
   */
  readSrc(src: string): Promise<{ content: string; src: string } | undefined>;
}

/** The sections of a baseline host that record what a profile names (the rest is recorded whole). */
export type BaselineSection = 'files' | 'directories' | 'users' | 'groups' | 'services';

export interface BaselineRecord {
  section: BaselineSection;
  name: string;
  /** This kind compares the entry itself: no other kind reports it (a symlink's path among the files). */
  owns?: boolean;
}

/** What a kind compares with a production baseline host. */
export interface BaselineView<S> {
  host: BaselineHost;
  /** The local machine's facts, gathered for every path the baseline records. */
  facts: HostFacts;
  /** This kind's resources on the local machine, in profile order. */
  specs: S[];
  /** Whether a resource of another kind owns this baseline entry (and so reports it). */
  ownedElsewhere(section: BaselineSection, name: string): boolean;
}

/** One compared item; the caller makes it a finding about `kind:name`. */
export interface BaselineItem {
  name: string;
  status: DriftStatus;
  changes: Change[];
}

export interface ResourceKind<S extends ResourceSpec = ResourceSpec, A = unknown, D = unknown> {
  readonly kind: S['kind'];

  // ----- the profile side -----

  /** The schema of one resource (a map whose first key is the kind); its `want(...)` words are the errors. */
  readonly schema: z.ZodMiniType<D>;
  /**
   * Keys whose YAML numbers and booleans mean their text (`value: 8080`), and maps whose values do
   * (`env: { DEBUG: true }`); turned into strings before the schema sees them.
   */
  readonly textKeys?: readonly string[];
  readonly textMaps?: readonly string[];
  /**
   * The identity of a resource within a machine beyond `kind:name` (a line: its file and its match or
   * text). Reads the raw map, since identities decide `extends` merging before anything is checked.
   */
  identity?(name: string, node: MapNode): string;
  /** A checked resource → its spec's attributes; rules across keys report through `ctx` and return undefined. */
  fromProfile(data: D, ctx: LoadContext): SpecFields<S> | undefined | Promise<SpecFields<S> | undefined>;

  // ----- the machine side -----

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

  /**
   * Whether this resource is an action that runs on every apply rather than a state (a command without a
   * guard): drift never reports it, and the environment cache saves no state past it. Default: a state.
   */
  action?(spec: S): boolean;
  /**
   * false: a successful apply is its own confirmation, and the runner does not probe it again (a command:
   * a guard is what the user wrote to skip it next time, not a promise that it holds at once).
   */
  readonly confirmByProbe?: false;

  // ----- the environment cache (cache/cache-key.ts) -----

  /** Its apply is expensive (apt, builds): the machine's state after it is worth saving. */
  readonly savePoint?: boolean;
  /**
   * What of a spec decides the state it leaves, when that is not the spec as loaded (a file: its
   * content's hash, not where `src:` lives on this computer). `pos` is never part of it.
   */
  fingerprint?(spec: S): object;

  // ----- production baselines -----

  baseline?: {
    /** What capture records for this resource (the facts probe looks at it). Default: nothing. */
    records?(spec: S): BaselineRecord[];
    /** This kind's findings against the baseline host it mirrors. Default: none. */
    compare?(view: BaselineView<S>): BaselineItem[];
  };

  /** How reconcile makes a resource of this kind match production. Default: left as the profile says. */
  reconcile?: {
    /** The drift subjects (`kind:name`) this resource lets reconcile act on. Default: its own. */
    subjects?(spec: S): string[];
    /** The spec with production's values substituted; `status` is the finding's about `kind:name`. */
    pin?(spec: S, host: BaselineHost, status: (kind: string, name: string) => DriftStatus): S;
    /** Why a finding about this kind is beyond reconcile, or undefined when it can fix it. */
    cannotFix?(finding: DriftFinding, host: BaselineHost): string | undefined;
  };
}
