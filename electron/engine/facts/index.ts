// Facts about a host, gathered by one read-only probe in one round-trip over any transport.

import type { Transport } from '../transport.js';
import { FactsError, parseFacts } from './parse.js';
import { probeScript } from './facts-script.js';
import type { HostFacts } from './types.js';

export type { GroupFact, HostFacts, OsFacts, PathFact, PortFact, ServiceFact, ServiceState, UserFact } from './types.js';
export { REDACTED } from './types.js';
export { FactsError, isSecret, parseFacts } from './parse.js';
export { probeScript, SECRET_NAME } from './facts-script.js';

/**
 * Runs the probe on the machine behind `transport` and returns what it found. `paths` are the files and
 * directories to describe (existence, type, sha256 of files, mode, owner, group). Never writes.
 */
export async function gatherFacts(transport: Transport, paths: string[], opts: { timeoutMs?: number } = {}): Promise<HostFacts> {
  const unique = [...new Set(paths)];
  const execOpts = opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };
  const r = await transport.exec(probeScript(unique), execOpts);
  const where = transport.target;
  if (r.code !== 0) {
    throw new FactsError(`the facts probe failed on ${where} (exit ${r.code})`, {
      where,
      details: { stderr: r.stderr.slice(-2000) },
    });
  }
  const facts = parseFacts(r.stdout, where);
  for (const p of unique) facts.paths[p] ??= { type: 'absent' };
  return facts;
}
