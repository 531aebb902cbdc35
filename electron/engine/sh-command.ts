// Shell text built by type (pyinfra's StringCommand, QuoteString and MaskString): a value interpolated
// into `sh\`...\`` is quoted by construction, so no call site has to remember to quote it.
//
//   sh`chown -- ${owner} ${path}`              strings: one single-quoted word each
//   sh`useradd -u ${1500} ${name}`             numbers: non-negative integers, as digits
//   sh`set -- ${['a', 'b c']}`                 lists: one word per item
//   sh`export TOKEN=${secret(token)}`          secrets: quoted in .text, ******** in .display
//   sh`${raw('"$_pl_p"')}`                     code: only through raw(), and never with a value in it
//   sh`if x; then ${inner}; fi`                a ShellCommand: inserted as it is (already built)
//
// Anything else (undefined, null, a boolean, an object, NUL in a string) is refused when the command
// is built, so a missing value cannot silently vanish from the command line.

export const MASK = '********';

/** A piece of shell text: `text` is what runs, `display` the same with every secret masked. */
export class ShellCommand {
  constructor(
    readonly text: string,
    readonly display: string,
  ) {}

  /** Concatenating a command into a string would bypass the quoting; say so instead. */
  toString(): string {
    throw new Error('a ShellCommand is not a string: use .text (to run) or .display (to show)');
  }
}

class Raw {
  constructor(readonly code: string) {}
}

class Secret {
  constructor(readonly value: string) {}
}

export type ShellWord = string | number | Secret;
export type ShellValue = ShellWord | ShellCommand | Raw | readonly ShellWord[];

/** Quotes `s` as one POSIX sh word. Safe for any content, including quotes, newlines and `$`; not NUL. */
export function shq(s: string): string {
  if (s.includes('\0')) throw new Error(`${JSON.stringify(s)} contains a NUL character, which no shell command can hold`);
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Shell code written by Prodlike (a variable reference, a redirection): inserted unquoted. */
export function raw(code: string): Raw {
  return new Raw(code);
}

/** A value that must never be shown: quoted in the text that runs, masked in the text that is shown. */
export function secret(value: string): Secret {
  return new Secret(value);
}

function word(v: unknown): [string, string] {
  if (typeof v === 'string') {
    const q = shq(v);
    return [q, q];
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${v} is not a whole number of 0 or more, the only numbers a command takes as they are`);
    return [String(v), String(v)];
  }
  if (v instanceof Secret) return [shq(v.value), MASK];
  throw new Error(`cannot put ${v === null ? 'null' : typeof v} in a shell command (expected a string, a number, a list, secret(), raw() or sh\`\`)`);
}

function piece(v: unknown): [string, string] {
  if (v instanceof ShellCommand) return [v.text, v.display];
  if (v instanceof Raw) return [v.code, v.code];
  if (Array.isArray(v)) {
    const words = v.map(word);
    return [words.map((w) => w[0]).join(' '), words.map((w) => w[1]).join(' ')];
  }
  return word(v);
}

/** The tagged template: literal parts are code, every `${value}` is quoted by its type. */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): ShellCommand {
  let text = strings[0]!;
  let display = strings[0]!;
  values.forEach((v, i) => {
    const [t, d] = piece(v);
    text += t + strings[i + 1]!;
    display += d + strings[i + 1]!;
  });
  return new ShellCommand(text, display);
}

/** Joins commands (lines of a script, by default). */
export function joinSh(parts: readonly ShellCommand[], separator = '\n'): ShellCommand {
  return new ShellCommand(parts.map((p) => p.text).join(separator), parts.map((p) => p.display).join(separator));
}

/** The empty command, for a branch that adds nothing. */
export const NOTHING = new ShellCommand('', '');

/**
 * User, group, owner and service names: a letter, digit or `_` first (so never an option such as `-R`),
 * then letters, digits and `_.@+-`, and a final `$` for Samba machine accounts. All digits is an id.
 */
export const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]*\$?$/;

/**
 * Why `value` cannot be written to /etc/environment, or undefined when it can. The file is read by pam_env
 * and sourced by scripts (`. /etc/environment`): a value must mean itself to both, and run nothing.
 */
export function envValueProblem(value: string): string | undefined {
  if (/[\0\n\r]/.test(value)) return 'cannot contain a newline or NUL';
  if (/["\\]/.test(value)) return 'cannot contain a double quote or a backslash';
  if (/[$`]/.test(value) && value.includes("'")) return 'cannot contain both a single quote and a $ or backtick';
  return undefined;
}

/** How many polls `pollUntil` makes at most: 50 of 0.02 s, then 0.1 s apart, about 2 minutes in all. */
const POLLS = 1200;
/** `pollUntil` for about 5 s: 50 polls of 0.02 s, then 40 of 0.1 s. */
export const POLLS_5S = 90;
/** `pollUntil` for about 1 s: 50 polls of 0.02 s. */
export const POLLS_1S = 50;

/**
 * sh that polls `done` until it succeeds: 0.02 s apart for the first second, then 0.1 s apart (1 s where
 * sleep takes whole seconds only), for at most `polls` polls (POLLS: about 2 minutes). `each` runs before
 * every wait (it may end the script or leave the loop with `break`), `onTimeout` after the last poll.
 */
export function pollUntil(done: ShellCommand, each: ShellCommand, onTimeout: ShellCommand, polls = POLLS): ShellCommand {
  return sh`_pl_i=0
until ${done}; do
  ${each}
  [ "$_pl_i" -lt ${raw(String(polls))} ] || ${onTimeout}
  if [ "$_pl_i" -lt 50 ]; then _pl_z=0.02; else _pl_z=0.1; fi
  sleep $_pl_z 2>/dev/null || { sleep 1; _pl_i=$((_pl_i + 9)); }
  _pl_i=$((_pl_i + 1))
done`;
}
