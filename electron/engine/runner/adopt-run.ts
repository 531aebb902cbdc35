// Adopt into profile, the engine side: probe the one resource on its machine (read-only), decide what
// the profile would take (profile/adopt.ts), and prepare the files' new text with their diffs. Nothing
// is written here: the engine keeps the preview, and writes exactly it on confirm.

import { promises as fs } from 'node:fs';
import { createTwoFilesPatch } from 'diff';
import type { AdoptRequest } from '../../../shared/adopt.js';
import type { Profile } from '../../../shared/profile.js';
import { ProdlikeError } from '../errors.js';
import { decideAdopt, setResourceKeys } from '../profile/adopt.js';
import { probeAll } from '../resources/index.js';
import { attachAll, type ProviderSet } from './backends.js';

export interface AdoptWrite {
  path: string;
  before: string;
  after: string;
}

export interface PreparedAdopt {
  summary: string;
  writes: AdoptWrite[];
}

export function unifiedDiff(w: AdoptWrite): string {
  return createTwoFilesPatch(w.path, w.path, w.before, w.after, 'profile now', 'after adopting', { context: 3 });
}

export async function prepareAdopt(providers: ProviderSet, profile: Profile, req: AdoptRequest): Promise<PreparedAdopt> {
  const machine = profile.machines.find((m) => m.name === req.machine);
  if (!machine) throw new ProdlikeError(`No machine "${req.machine}" in profile ${profile.name}.`, { where: profile.file });
  const spec = machine.resources.find((r) => r.id === req.resource);
  if (!spec) throw new ProdlikeError(`Machine ${req.machine} of profile ${profile.name} has no resource ${req.resource}.`, { where: profile.file, hint: 'the profile may have changed since the check: check again' });
  if (!spec.pos) throw new ProdlikeError(`${spec.kind} ${spec.name}: the profile does not say where this resource is written`, { where: profile.file });
  const where = `machine ${machine.name}, ${spec.kind} ${spec.name} (${spec.pos.file}:${spec.pos.line}:${spec.pos.col})`;

  const { transport: t, error } = (await attachAll(providers, profile, [machine], { runId: 'adopt', emit: () => undefined })).reach(machine.name);
  if (!t) throw new ProdlikeError(`${where}: the machine cannot be read: ${error.message}`, { hint: 'start the machine, then adopt' });
  const probed = (await probeAll(t, [spec])).get(spec.id);
  if (!probed || probed.error !== undefined) throw new ProdlikeError(`${where}: could not read its state on the machine: ${probed?.error ?? 'no answer'}`);

  const decision = decideAdopt(spec, probed.actual, where);
  const values = [...Object.values(decision.set), decision.srcContent ?? ''];
  const secret = (profile.secrets ?? []).find((s) => s.length >= 4 && values.some((v) => v.includes(s)));
  if (secret !== undefined) {
    throw new ProdlikeError(`${where}: the machine's value holds one of the profile's secrets; adopting it would write the secret into a file in the project`, { hint: 'edit the profile by hand, with the secret referenced as ${env.NAME}' });
  }

  const writes: AdoptWrite[] = [];
  if (Object.keys(decision.set).length) {
    const before = await fs.readFile(spec.pos.file, 'utf8');
    const after = setResourceKeys(before, { line: spec.pos.line, col: spec.pos.col, where }, spec.kind, decision.set);
    writes.push({ path: spec.pos.file, before, after });
  }
  if (decision.srcContent !== undefined && spec.kind === 'file' && spec.src) {
    const before = await fs.readFile(spec.src, 'utf8');
    writes.push({ path: spec.src, before, after: decision.srcContent });
  }
  return { summary: decision.summary, writes };
}
