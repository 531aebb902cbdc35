// The command line's options, shared by the CLI (main.ts) and the agent serving a native client's
// command (served-cli.ts), so that both read one command line the same way. Light: main.ts loads it.

export const CLI_OPTIONS = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  wait: { type: 'boolean' },
  volumes: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  all: { type: 'boolean' },
  'older-than': { type: 'string' },
  push: { type: 'string' },
  against: { type: 'string' },
  out: { type: 'string' },
  junit: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  fix: { type: 'boolean' },
  'i-know-this-is-production': { type: 'boolean' },
  plan: { type: 'boolean' },
  'no-rollback': { type: 'boolean' },
  profile: { type: 'string', multiple: true },
  force: { type: 'boolean' },
  'no-agent': { type: 'boolean' },
  every: { type: 'string' },
  'from-plan': { type: 'string' },
  forks: { type: 'string' },
  'allow-unreachable': { type: 'boolean' },
} as const;

// The commands that are runs, and so may go to the agent (`use --plan` is not one).
export const RUN_COMMANDS = new Set(['plan', 'up', 'down', 'destroy', 'drift', 'capture', 'reconcile', 'bake', 'use']);

// How many words each command takes after its name, where a word more would be dropped without a word
// and change what the command does: `up shop web` brings up every machine of shop, not web alone, and
// `cache prune shop --all` removes every profile's cached states, not shop's.
const EVERY_MACHINE = 'a run works on every machine of the profile';
const MAX_ARGS: Record<string, { n: number; usage: string; why?: string }> = {
  up: { n: 1, usage: 'prodlike up <profile>', why: EVERY_MACHINE },
  plan: { n: 1, usage: 'prodlike plan <profile>', why: EVERY_MACHINE },
  down: { n: 1, usage: 'prodlike down <profile>', why: EVERY_MACHINE },
  destroy: { n: 1, usage: 'prodlike destroy <profile>', why: EVERY_MACHINE },
  use: { n: 1, usage: 'prodlike use <profile>' },
  bake: { n: 1, usage: 'prodlike bake <profile> [--push <registry>/<repo>]', why: 'bake builds every Docker machine of one profile' },
  cache: { n: 1, usage: 'prodlike cache ls | prune [--all | --older-than 7d]', why: "the cache is every profile's: ls lists and prune removes the states of all of them" },
  snapshot: { n: 3, usage: 'prodlike snapshot save|restore|ls|rm <profile> [name]' },
};

/** A usage error for the words a command does not take (undefined: it takes them all). */
export function extraArguments(command: string, args: readonly string[]): (Error & { hint: string }) | undefined {
  const max = command === 'snapshot' && args[0] === 'ls' ? { n: 2, usage: 'prodlike snapshot ls <profile>' } : MAX_ARGS[command];
  if (!max || args.length <= max.n) return undefined;
  const what = command === 'cache' || command === 'snapshot' ? `${command} ${args[0]}` : command;
  const words = args.slice(max.n).map((a) => `"${a}"`).join(' ');
  return Object.assign(new Error(`${what} does not take ${words}${max.why ? ` (${max.why})` : ''}`), { name: 'UsageError', hint: max.usage });
}
