// Compose's variable substitution (the Compose Specification, "Interpolation"), pure: `$VAR`, `${VAR}`,
// `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`,
// and `$$` for a literal `$`. Unlike Compose, a variable that is not set and has no default is an error
// (Prodlike's rule: a missing value is never an empty string), named at its position.

export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    /** Offset in the string where the reference starts. */
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface Interpolated {
  value: string;
  /** The variables whose values went into it. */
  used: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolate(text: string, lookup: Lookup): Interpolated {
  const used: string[] = [];
  const value = expand(text, lookup, used, 0);
  return { value, used };
}

function expand(text: string, lookup: Lookup, used: string[], base: number): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new InterpolationError(`"\${" without its closing "}"`, 'close the reference: ${NAME}, or write $$ for a literal $', base + i);
      out += substitute(text.slice(i + 2, end), lookup, used, base + i);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (m) {
      out += resolve(m[0], lookup, used, base + i);
      i += 1 + m[0].length;
      continue;
    }
    // A lone `$` (before a space, a digit, the end): Compose keeps it as written.
    out += '$';
    i++;
  }
  return out;
}

/** The index of the `}` that closes a `${` whose body starts at `from`, counting nested `${…}`. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++;
    else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function substitute(body: string, lookup: Lookup, used: string[], at: number): string {
  const m = NAME.exec(body);
  if (!m) throw new InterpolationError(`"\${${body}}" is not a variable reference`, 'a reference is ${NAME}, ${NAME:-default} or ${NAME:?error}', at);
  const name = m[0];
  const rest = body.slice(name.length);
  if (rest === '') return resolve(name, lookup, used, at);
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (!op) throw new InterpolationError(`"\${${body}}": unknown operator after ${name}`, 'use ${NAME:-default}, ${NAME-default}, ${NAME:?error} or ${NAME:+alternative}', at);
  const arg = rest.slice(op.length);
  const value = lookup(name);
  const empty = value === undefined || (op.startsWith(':') && value === '');
  if (value !== undefined) used.push(name);
  switch (op) {
    case ':-':
    case '-':
      return empty ? expand(arg, lookup, used, at) : value!;
    case ':?':
    case '?':
      if (empty) {
        const why = expand(arg, lookup, used, at);
        throw new InterpolationError(`variable ${name} is ${value === undefined ? 'not set' : 'empty'}${why ? `: ${why}` : ''}`, `set ${name} in the environment or in the .env file next to the Compose file`, at);
      }
      return value!;
    default:
      return empty ? '' : expand(arg, lookup, used, at);
  }
}

function resolve(name: string, lookup: Lookup, used: string[], at: number): string {
  const value = lookup(name);
  if (value === undefined) {
    throw new InterpolationError(`variable ${name} is not set`, `set ${name} in the environment or in the .env file next to the Compose file, or give a default: \${${name}:-value}`, at);
  }
  used.push(name);
  return value;
}

/**
 * A `.env` file as Compose reads it: `NAME=value` lines, `export ` allowed, `#` comments, values in
 * single quotes (literal), double quotes (with \n escapes) or bare (a ` #` starts a comment). Earlier
 * variables may be used in later values.
 */
export function parseDotEnv(text: string, outer: Lookup): { vars: Map<string, string>; problems: { line: number; message: string }[] } {
  const vars = new Map<string, string>();
  const problems: { line: number; message: string }[] = [];
  const lookup: Lookup = (n) => outer(n) ?? vars.get(n);
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      problems.push({ line: index + 1, message: `expected NAME=value, found ${JSON.stringify(line.length > 40 ? `${line.slice(0, 37)}...` : line)}` });
      return;
    }
    const [, name, rest] = m as unknown as [string, string, string];
    let value: string;
    if (rest.startsWith("'")) value = rest.slice(1, rest.lastIndexOf("'") > 0 ? rest.lastIndexOf("'") : undefined);
    else if (rest.startsWith('"')) {
      const body = rest.slice(1, rest.lastIndexOf('"') > 0 ? rest.lastIndexOf('"') : undefined);
      value = body.replace(/\\n/g, '\n').replace(/\\"/g, '"');
      value = safeExpand(value, lookup);
    } else value = safeExpand(rest.replace(/\s+#.*$/, ''), lookup);
    vars.set(name, value);
  });
  return { vars, problems };
}

function safeExpand(text: string, lookup: Lookup): string {
  try {
    return interpolate(text, lookup).value;
  } catch {
    return text;
  }
}
