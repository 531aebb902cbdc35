// Shell building blocks shared by the resource kinds: quoting, the helper functions every probe and
// apply script may call, and parsing of what probes print. Probes print `key=value` lines whose
// free-form values are encoded (base64, or hex when base64 is missing), so no content a machine holds
// can be mistaken for structure.

import { SAFE_NAME, sh } from '../sh-command.js';

export { shq } from '../sh-command.js';

/**
 * Functions available to every probe snippet (buildProbeScript puts this first).
 * `_pl_enc` prints stdin encoded on one line: `b64:...`, or `hex:...` where base64 is missing.
 */
export const PROBE_PRELUDE = `_pl_enc() {
  if command -v base64 >/dev/null 2>&1; then printf 'b64:'; base64 | tr -d '\\n'
  else printf 'hex:'; od -An -v -tx1 | tr -d ' \\n'; fi
}
`;

/**
 * First lines of every apply script. `_pl_fail` names what failed on stderr (the runner shows the last
 * stderr line as the error) and stops the script with a non-zero exit.
 */
export const APPLY_PRELUDE = sh`umask 022
_pl_fail() { printf 'prodlike: %s\\n' "$*" >&2; exit 1; }
`;

/** Decodes a value printed by `_pl_enc` (an empty value decodes to an empty buffer). */
export function decodeValue(v: string | undefined): Buffer {
  if (!v) return Buffer.alloc(0);
  if (v.startsWith('b64:')) return Buffer.from(v.slice(4), 'base64');
  if (v.startsWith('hex:')) return Buffer.from(v.slice(4), 'hex');
  throw new Error(`unexpected encoded value ${JSON.stringify(v.slice(0, 20))}`);
}

export function decodeText(v: string | undefined): string {
  return decodeValue(v).toString('utf8');
}

/** `key=value` lines → map. Later keys win; lines without `=` are ignored. */
export function parseKv(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** Reads a key a probe must have printed; its absence means the probe did not run to the end. */
export function need(kv: Map<string, string>, key: string): string {
  const v = kv.get(key);
  if (v === undefined) throw new Error(`probe output lacks "${key}" (the probe did not complete)`);
  return v;
}

/** Normalises an octal mode ("644", "0644", 0o644 as text) to four digits; undefined when not octal. */
export function normMode(mode: string | undefined): string | undefined {
  if (mode === undefined) return undefined;
  const m = String(mode).trim();
  if (!/^[0-7]{1,4}$/.test(m)) return undefined;
  return m.padStart(4, '0');
}

/** A mode from a profile must be octal: symbolic modes cannot be compared with what stat prints. */
export function specMode(mode: string | undefined, what: string): string | undefined {
  if (mode === undefined) return undefined;
  const m = normMode(mode);
  if (m === undefined) throw new Error(`${what}: mode ${JSON.stringify(mode)} is not an octal mode such as "0644"`);
  return m;
}


/** Names go into globs, awk and command lines; keep them tame (the schema refuses the same). */
export function checkName(name: string, what: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`${what} name ${JSON.stringify(name)} has characters Prodlike does not accept`);
  return name;
}

export function checkAbsPath(path: string, what: string): string {
  if (!path.startsWith('/')) throw new Error(`${what} ${JSON.stringify(path)} is not an absolute path`);
  if (path.includes('\0') || path.includes('\n')) throw new Error(`${what} ${JSON.stringify(path)} contains a newline or NUL`);
  return path;
}

export function checkEnvName(name: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${what}: ${JSON.stringify(name)} is not a valid environment variable name`);
  return name;
}
