// Bounds on what loading one profile may cost. Profiles come from repositories and folders the app
// lists on its own (the profile list loads every file in a folder), so a small hostile or broken file
// must fail fast with a located error, not hang the app or exhaust its memory. Real profiles are far
// below every one of these.

import type { SourcePos } from '../../../shared/profile.js';
import { profileError } from './problems.js';

export const LIMITS = {
  /** Bytes of one profile file. */
  fileBytes: 1024 * 1024,
  /** Files in one extends graph (each is read once, however many paths lead to it). */
  files: 64,
  /** Values (maps, lists, scalars) of one file after YAML aliases are expanded. */
  nodes: 100_000,
  /** Maps and lists inside each other. */
  depth: 64,
  /** `[` and `{` open at once in the raw text: the YAML parser is quadratic in them. */
  brackets: 256,
  /** Bytes of all `src:` files of one load (each file counted once). */
  srcTotalBytes: 32 * 1024 * 1024,
  /** Characters of one string after `${...}` references are expanded. */
  stringChars: 1024 * 1024,
  /** Characters produced by all expansions of one load. */
  expandedChars: 16 * 1024 * 1024,
  /**
   * Time for one file: parsing, expanding, checking. Both wall-clock time and this process's CPU time
   * must pass it: on a busy machine a large honest profile (a fleet of 100 hosts) waits for the CPU far
   * longer than it uses it, while a hostile one burns CPU the whole time.
   */
  fileMs: 2000,
};

/** What one load has spent so far; `charge` and `tick` throw a located ProfileError past a limit. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export class Budget {
  private deadline = Date.now() + LIMITS.fileMs;
  private cpuDeadline = cpuMs() + LIMITS.fileMs;
  private file = '';
  expanded = 0;

  /** Starts the clock for a file (each file gets the full time budget). */
  enter(file: string): void {
    this.file = file;
    this.deadline = Date.now() + LIMITS.fileMs;
    this.cpuDeadline = cpuMs() + LIMITS.fileMs;
  }

  tick(pos: SourcePos): void {
    if (Date.now() > this.deadline && cpuMs() > this.cpuDeadline) {
      throw profileError(pos, '', `loading ${this.file === pos.file ? 'this file' : 'it'} took more than ${LIMITS.fileMs / 1000} s, and was stopped`, 'profiles are small: look for deeply repeated aliases, variables or extends');
    }
  }
}

/**
 * Where the raw text first has more than LIMITS.brackets flow brackets open, or undefined. Quotes and
 * comments are not understood; brackets in text are rarely unbalanced by hundreds.
 */
export function bracketOverflow(text: string): number | undefined {
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++open > LIMITS.brackets) return i;
    } else if ((c === 0x5d || c === 0x7d) && open > 0) {
      open--;
    }
  }
  return undefined;
}
