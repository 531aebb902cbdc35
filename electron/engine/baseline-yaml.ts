// Block YAML text for baselines, written directly: byte for byte what `yaml`'s stringify gives with
// { lineWidth: 0, indent: 2 }, without building a yaml Document. A fleet's baseline is megabytes, and
// the Document for it cost seconds and hundreds of MB (issue 14). Only plain-safe scalars and keys take
// the fast path; anything else (quoting, block scalars, odd keys) is handed to `yaml` for that one
// entry and re-indented, so the rare cases stay the library's.

import { stringify } from 'yaml';
import { isShared } from './shared-value.js';

const OPTIONS = { lineWidth: 0, indent: 2 } as const;

// A plain scalar of this shape is written as is, unless it would read back as something else.
const PLAIN = /^[A-Za-z0-9_/.(][\w./+=(),@:~ -]*$/;
const NOT_PLAIN = /: | $|:$/;
// What YAML 1.2's core schema reads as null, bool, int or float (these must be quoted).
const CORE_NON_STRING =
  /^(?:~|[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;

function plain(s: string): boolean {
  return s.length < 1000 && PLAIN.test(s) && !NOT_PLAIN.test(s) && !CORE_NON_STRING.test(s);
}

type Value = unknown;

/** The text of a scalar when it is simple enough to write directly; undefined otherwise. */
function simpleScalar(v: Value): string | undefined {
  if (typeof v === 'string') return plain(v) ? v : undefined;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  return undefined;
}

function isMap(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `text` (the library's, ending in a newline) with every line indented by `pad`. */
function indented(text: string, pad: string): string {
  if (!pad) return text;
  return text.replace(/^(?=.)/gm, pad);
}

const fallbackCache = new Map<string, string>();

/** The library's text for `{ key: value }` at `pad`; cached for scalars (versions, addresses repeat). */
function viaLibrary(key: string, value: Value, pad: string): string {
  const scalar = typeof value !== 'object' || value === null;
  const cacheKey = scalar ? `${typeof value}\0${key}\0${String(value)}` : undefined;
  let text = cacheKey === undefined ? undefined : fallbackCache.get(cacheKey);
  if (text === undefined) {
    text = stringify({ [key]: value }, OPTIONS);
    if (cacheKey !== undefined && fallbackCache.size < 50_000) fallbackCache.set(cacheKey, text);
  }
  return indented(text, pad);
}

/** Appends the entries of a block map at `pad` to `out`. */
function writeMap(map: Record<string, Value>, pad: string, out: string[]): void {
  for (const key in map) {
    const value = map[key];
    if (value === undefined) continue;
    if (!plain(key)) {
      out.push(viaLibrary(key, value, pad));
      continue;
    }
    const s = simpleScalar(value);
    if (s !== undefined) out.push(`${pad}${key}: ${s}\n`);
    else if (Array.isArray(value)) {
      if (value.length === 0) out.push(`${pad}${key}: []\n`);
      else {
        out.push(`${pad}${key}:\n`);
        writeSeq(value, `${pad}  `, out);
      }
    } else if (isMap(value)) {
      if (!hasEntries(value)) out.push(`${pad}${key}: {}\n`);
      else {
        out.push(`${pad}${key}:\n`);
        if (isShared(value)) out.push(sharedText(value, `${pad}  `));
        else writeMap(value, `${pad}  `, out);
      }
    } else out.push(viaLibrary(key, value, pad));
  }
}

// The text of a shared map (shared-value.ts: deep-frozen, so its text cannot change), by indentation:
// a fleet's hosts that share an account list write it once, and their texts share the one string.
const sharedTexts = new WeakMap<object, Map<string, string>>();
function sharedText(map: Record<string, Value>, pad: string): string {
  let byPad = sharedTexts.get(map);
  if (!byPad) sharedTexts.set(map, (byPad = new Map()));
  let text = byPad.get(pad);
  if (text === undefined) {
    const out: string[] = [];
    writeMap(map, pad, out);
    text = out.join('');
    byPad.set(pad, text);
  }
  return text;
}

function hasEntries(map: Record<string, Value>): boolean {
  for (const key in map) if (map[key] !== undefined) return true;
  return false;
}

const seqItemCache = new Map<string, string>();

/** The library's text for a sequence item, cached by value (a fleet's hosts list the same ports). */
function seqItemViaLibrary(item: Value): string {
  // JSON tells such items apart exactly when every value is a string, a finite number, a boolean or null.
  const exact = isMap(item) && Object.values(item).every((v) => typeof v === 'string' || typeof v === 'boolean' || v === null || (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)));
  const key = exact ? JSON.stringify(item) : undefined;
  let text = key === undefined ? undefined : seqItemCache.get(key);
  if (text === undefined) {
    text = stringify([item], OPTIONS);
    if (key !== undefined && seqItemCache.size < 50_000) seqItemCache.set(key, text);
  }
  return text;
}

/** Appends the items of a block sequence at `pad` (`- ` items; a map item's first entry on its dash line). */
function writeSeq(seq: Value[], pad: string, out: string[]): void {
  for (const item of seq) {
    const s = simpleScalar(item);
    if (s !== undefined) out.push(`${pad}- ${s}\n`);
    else if (isMap(item) && hasEntries(item) && Object.values(item).every((v) => simpleScalar(v) !== undefined)) {
      const lines: string[] = [];
      writeMap(item, `${pad}  `, lines);
      const text = lines.join('');
      out.push(`${pad}- ${text.slice(pad.length + 2)}`);
    } else out.push(indented(seqItemViaLibrary(item), pad));
  }
}

/** Block YAML of a map, as `yaml`'s stringify(map, { lineWidth: 0, indent: 2 }) writes it, indented by `pad`. */
export function yamlMap(map: Record<string, Value>, pad = ''): string {
  if (!hasEntries(map)) return `${pad}{}\n`;
  const out: string[] = [];
  writeMap(map, pad, out);
  return out.join('');
}

/**
 * yamlMap's text as chunks (their concatenation is yamlMap(map, pad)): long parts, such as the text of a
 * shared map, are chunks of their own, so a fleet's hosts keep pointing at one copy of them until they are
 * written out, instead of each holding its own joined copy.
 */
export function yamlChunks(map: Record<string, Value>, pad = ''): string[] {
  if (!hasEntries(map)) return [`${pad}{}\n`];
  const out: string[] = [];
  writeMap(map, pad, out);
  const chunks: string[] = [];
  let run: string[] = [];
  for (const part of out) {
    if (part.length < 4096) run.push(part);
    else {
      if (run.length) chunks.push(run.join(''));
      run = [];
      chunks.push(part);
    }
  }
  if (run.length) chunks.push(run.join(''));
  return chunks;
}
