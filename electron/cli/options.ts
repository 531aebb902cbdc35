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
