// Collects what is wrong with a profile so that one ProfileError can report all of it, each problem on
// its own line as `file:line:col: key.path: what was expected, what was found`.

import { isAbsolute, relative } from 'node:path';
import type { SourcePos } from '../../../shared/profile.js';
import { ProfileError } from '../errors.js';

export interface Problem {
  pos: SourcePos;
  /** Key path as shown to the user, e.g. `machines.web.resources[2].mode`; empty for the whole file. */
  path: string;
  message: string;
  hint?: string;
}

/** Paths in messages are relative to the working directory when inside it: shorter, and clickable. */
export function displayFile(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export function where(pos: SourcePos): string {
  return `${displayFile(pos.file)}:${pos.line}:${pos.col}`;
}

export function formatProblem(p: Problem): string {
  return `${where(p.pos)}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** More problems than this in one file are not read by anyone; collecting them could take long. */
const MAX_PROBLEMS = 100;

export class Problems {
  readonly list: Problem[] = [];
  private readonly seen = new Set<string>();
  /** Problems beyond MAX_PROBLEMS, counted only. */
  more = 0;

  add(pos: SourcePos, path: string, message: string, hint?: string): void {
    // The same problem can be reached twice (a node shared through a YAML alias): say it once.
    const key = JSON.stringify([pos.file, pos.line, pos.col, path, message]);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.list.length >= MAX_PROBLEMS) {
      this.more++;
      return;
    }
    this.list.push(hint ? { pos, path, message, hint } : { pos, path, message });
  }

  get size(): number {
    return this.list.length;
  }

  throwIfAny(): void {
    if (this.list.length) throw problemsError(this.list, this.more);
  }
}

/** One ProfileError for all problems, in file order; `where` and `hint` are the first problem's. */
export function problemsError(problems: readonly Problem[], more = 0): ProfileError {
  const fileOrder = [...new Set(problems.map((p) => p.pos.file))];
  const sorted = [...problems].sort(
    (a, b) => fileOrder.indexOf(a.pos.file) - fileOrder.indexOf(b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col,
  );
  const first = sorted[0]!;
  const message = sorted.map(formatProblem).join('\n') + (more ? `\n(and ${more} more problems)` : '');
  return new ProfileError(message, {
    where: where(first.pos),
    hint: first.hint ?? 'fix the profile at the position shown',
    details: {
      problems: sorted.map((p) => ({ file: p.pos.file, line: p.pos.line, col: p.pos.col, path: p.path, message: p.message, ...(p.hint ? { hint: p.hint } : {}) })),
    },
  });
}

export function profileError(pos: SourcePos, path: string, message: string, hint?: string): ProfileError {
  return problemsError([hint ? { pos, path, message, hint } : { pos, path, message }]);
}

/** `machines.web.resources[2].mode`; keys that are not plain words are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const raw of path) {
    // A key of thousands of characters would fill the screen in every message that names it.
    const step = typeof raw === 'string' && raw.length > 64 ? `${raw.slice(0, 60)}...` : raw;
    if (typeof step === 'number') out += `[${step}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(step))) out += out ? `.${String(step)}` : String(step);
    else out += `[${JSON.stringify(String(step))}]`;
  }
  return out;
}

/** Words longer than this get no suggestion: the distance costs length², and nobody misspells them. */
const MAX_SUGGEST_LENGTH = 64;

/** The candidate closest to a misspelt word, if it is close enough to be what was meant. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  for (const c of candidates) {
    if (c.length > MAX_SUGGEST_LENGTH) continue;
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** Optimal string alignment distance: Levenshtein plus swapped neighbours ("dokcer" → "docker" is 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
