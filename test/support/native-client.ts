// The installed `prodlike` command (bin/prodlike → the native client) in integration tests: where it is,
// the environment that lets it reach a warm agent, and a small two-container profile.
import path from 'node:path';
import { ROOT } from './cli.js';

export const NATIVE = path.join(ROOT, 'bin', 'prodlike');
export const CLIENT = path.join(ROOT, 'dist', 'cli', 'prodlike-client');
/** The agent allowed (the test suites turn it off by default) and kept for two minutes. */
export const AGENT_ENV = { PRODLIKE_NO_AGENT: '', CI: '', PRODLIKE_AGENT_IDLE: '120s' };
/** Starting Node fails under this: a run that succeeds was served by the agent alone. */
export const NO_NODE = { PRODLIKE_NODE: '/bin/false' };

/** Machines a and b (debian:bookworm) with a file `/etc/<marker>` each, `more` resources each, and `extra` (indented resource lines) on a. */
export function twoContainers(name: string, marker: string, extra = '', more = ''): string {
  return `name: ${name}
machines:
${['a', 'b']
  .map(
    (m) => `  ${m}:
    docker: { image: debian:bookworm }
    resources:
      - file: /etc/${marker}
        content: "${m}\\n"
${more.replaceAll('$m', m)}${m === 'a' ? extra : ''}`,
  )
  .join('')}`;
}
