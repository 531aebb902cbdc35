// A y/N question at the terminal (doctor --fix before each fix, cache prune --all before it removes):
// asked on stderr, so that stdout stays the command's output; anything but y or yes is no.

import { createInterface } from 'node:readline/promises';

/** Whether there is someone to ask: stdin and stdout are a terminal, and the output is not --json. */
export function canAsk(json: boolean | undefined): boolean {
  return !json && !!process.stdin.isTTY && !!process.stdout.isTTY;
}

export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question}${question.endsWith('\n') ? '' : ' '}[y/N] `)).trim());
  } finally {
    rl.close();
  }
}
