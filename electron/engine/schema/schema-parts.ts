// Building blocks of the profile's YAML schema, shared by the profile and machine schemas (schema.ts)
// and by each resource kind's own schema (resources/<kind>-resource.ts). Every check carries the words
// a user sees after "expected": `want('a string like "0644"')`.

import * as z from 'zod/mini';
import { envValueProblem, SAFE_NAME } from '../sh-command.js';

/** Marks messages written here, as opposed to zod's defaults; a hint follows a newline. */
export const MARK = '\u0001';

export function want(expected: string, hint?: string): { error: () => string } {
  const message = `${MARK}${expected}${hint ? `\n${hint}` : ''}`;
  return { error: () => message };
}

export const str = (expected = 'a string') => z.string(want(expected));
export const bool = () => z.boolean(want('true or false', 'YAML booleans are true and false (yes/no are strings)'));
export const state = () => z.enum(['present', 'absent'], want('present or absent'));
export const absPath = (what: string) => str(`an absolute ${what} path`).check(z.startsWith('/', want(`an absolute ${what} path (starting with /)`)));
export const mode = () =>
  str('a string like "0644"').check(
    z.regex(/^[0-7]{3,4}$/, want('a string like "0644" (3 or 4 octal digits)', 'modes are octal digits in quotes, such as "0644" or "0755"')),
  );
export const id = (what: string) =>
  z.number(want(`a numeric ${what}`)).check(
    z.int(want(`a whole number ${what}`)),
    z.minimum(0, want(`a ${what} of 0 or more`)),
    z.maximum(4294967294, want(`a ${what} below 4294967295`)),
  );

// ----- what a machine's shell cannot take (resources are applied by sh scripts) -----

export const NO_NUL = z.refine<string>((v) => !v.includes('\0'), want('text without a NUL character', 'no command line or file name can hold a NUL (\\0)'));
export const ONE_LINE = z.refine<string>((v) => !/[\n\0]/.test(v), want('a single line (no newline or NUL)'));
/** Text that goes into a shell command (a command, a guard, an env value): anything but NUL. */
export const shellText = (expected: string) => str(expected).check(NO_NUL);
/** A path on the machine that a resource manages: absolute, one line, no NUL. */
export const machinePath = (what: string) => absPath(what).check(ONE_LINE);
/**
 * A user or group name (or a numeric id): a letter, digit or _ first, so that no tool can take it for
 * an option (`-R`), then letters, digits and _.@+-.
 */
const NAME_HINT = 'names start with a letter, digit or _ and hold only letters, digits and _.@+-';
export const accountName = (what: string) => str(`a ${what} name`).check(z.regex(SAFE_NAME, want(`a ${what} name such as "www-data"`, NAME_HINT)));
export const newAccountName = (what: string) =>
  accountName(what).check(z.refine<string>((v) => !/^\d+$/.test(v), want(`a ${what} name that is not all digits`, 'a name of digits only would be read as an id')));
/** useradd refuses a home or shell with ":" (the passwd field separator) or a newline. */
export const passwdField = (expected: string) => str(expected).check(z.refine<string>((v) => !/[:\n\0]/.test(v), want(`${expected} without ":", newline or NUL`)));
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const envMap = () =>
  z.record(z.string().check(z.regex(ENV_NAME)), shellText('a string'), {
    error: (issue) => `${MARK}${issue.code === 'invalid_key' ? `keys that are environment variable names (letters, digits and _, such as SHOP_ENV)` : 'a map of names to strings'}`,
  });
/** A value /etc/environment can hold so that pam_env and `. /etc/environment` both read it as written. */
export const envValue = () =>
  str('a string').check(
    z.refine<string>((v) => envValueProblem(v) === undefined, {
      error: (issue) => `${MARK}a value for /etc/environment, which ${envValueProblem(String(issue.input)) ?? 'cannot hold it'}`,
    }),
  );
/** One string, or a list of them. */
export const oneOrMany = (expected: string, item: z.ZodMiniString = str(expected)) =>
  preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item, want(`${expected} or a list of them`)));

/** classic zod's z.preprocess, which zod/mini leaves out: a transform piped into a schema. */
export function preprocess<T extends z.ZodMiniType>(fn: (v: unknown) => unknown, schema: T) {
  return z.pipe(z.transform(fn), schema);
}

/** Keys every resource takes besides its own: `drop: true` removes an inherited resource. */
export const resourceCommon = { drop: z.optional(bool()) };

// ----- turning a checked resource into its spec -----

/** Only set keys that have a value, so that the result has no `key: undefined`. */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** "644" and "0644" are one mode; resources compare the 4-digit form. */
export function normalMode(mode: unknown): string | undefined {
  return typeof mode === 'string' ? mode.padStart(4, '0') : undefined;
}
