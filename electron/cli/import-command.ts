// `prodlike import compose [file]` and `prodlike import devcontainer [file]`: write a profile from a
// Compose file or a devcontainer.json, and say what was not imported.

import path from 'node:path';
import pc from 'picocolors';
import { runImport } from '../engine/import/import-run.js';
import { formatNote } from '../engine/import/write-profile.js';
import type { CliFlags, CliIo } from './io.js';

export async function importCommand(args: string[], flags: CliFlags, io: CliIo): Promise<number> {
  const [kind, file] = args;
  if (kind !== 'compose' && kind !== 'devcontainer') {
    throw Object.assign(new Error(`import needs what to import: compose or devcontainer${kind ? `, found "${kind}"` : ''}`), {
      hint: 'prodlike import compose [compose.yaml] [--out profiles/<name>/dev.yaml], or prodlike import devcontainer [.devcontainer/devcontainer.json]',
    });
  }
  const result = await runImport(kind, file, { ...(flags.out ? { out: flags.out } : {}), profiles: flags.profile ?? [], force: !!flags.force });
  if (flags.json) {
    io.out(JSON.stringify({ ok: true, ...result, notes: result.notes.map((n) => ({ ...n, text: formatNote(n) })) }));
    return 0;
  }
  const rel = path.relative(process.cwd(), result.file) || result.file;
  io.out(`${pc.green('wrote')} ${rel}: profile ${pc.bold(result.name)}, ${result.machines.length} machine(s): ${result.machines.join(', ')}`);
  if (result.envRefs.length) io.out(`set before \`prodlike up\` (secret-looking, referenced as \${env.NAME}): ${result.envRefs.join(', ')}`);
  if (result.notes.length) {
    io.out(pc.yellow(`not imported (${result.notes.length}, also listed at the top of the profile):`));
    for (const n of result.notes) io.out(`  ${formatNote(n)}`);
  }
  io.out(pc.dim(`next: prodlike validate ${rel} && prodlike up ${rel}`));
  return 0;
}
