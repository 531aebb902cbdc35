// Which build of Prodlike a CLI bundle is: its version and the bundle's modification time, so that a
// rebuilt CLI never hands its run to an agent still running the old code. The app serving as the agent
// names the CLI bundle built with it (dist/cli/main.mjs beside its own bundle). Light: the CLI reads it
// on every run.

import { statSync } from 'node:fs';

export function buildOf(cliMain: string, version: string): string {
  let mtime = 0;
  try {
    mtime = statSync(cliMain).mtimeMs;
  } catch {
    // not a bundle (tests from source, an app packaged without the CLI): the version alone
  }
  return `${version}+${Math.round(mtime)}`;
}
