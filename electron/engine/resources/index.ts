// What the runner uses.
//
//   const probed = await probeAll(transport, specs, signal);   // one exec for all resources
//   const diffs = diffAll(specs, probed);                       // or kindOf(spec).diff(spec, actual)
//   const pending = specs.filter(has changes).map((spec) => ({ spec, actual, changes }));
//   for (const { items, step } of planApplySteps(pending)) {
//     await transport.exec(step.script, { stdin: step.stdin });  // non-zero: every item in `items` failed
//   }
//   then probeAll again on what changed to confirm.
//
// planApplySteps merges consecutive packages into one apt-get/dnf/apk call; calling kindOf(spec).apply
// per resource also works, only slower for runs of packages.

export { kindOf, KINDS } from './registry.js';
export { buildProbeScript, diffAll, parseProbeOutput, planApplySteps, probeAll, PROBE_ARG_MAX, readProbeResult } from './probe-script.js';
export type { Diffed, PendingItem, PlannedStep, ProbeOutcome } from './probe-script.js';
export type { ApplyStep, ResourceKind } from './resource.js';
export { shq } from './sh.js';
