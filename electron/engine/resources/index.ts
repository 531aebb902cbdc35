// What the runner uses: the registry, batched probing and diffing, and apply planning.

export { kindOf, KINDS } from './registry.js';
export { buildProbeScript, diffAll, parseProbeOutput, planApplySteps, probeAll } from './probe-script.js';
export type { Diffed, PendingItem, PlannedStep, ProbeOutcome } from './probe-script.js';
export type { ApplyStep, ResourceKind } from './resource.js';
export { shq } from './sh.js';
