// `prodlike`: the command line over the engine. Exit codes as Terraform's -detailed-exitcode:
// 0 done / in sync, 1 error, 2 changes pending (plan) or drift found (drift).

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import type { CliIo } from './io.js';
import { CLI_OPTIONS, RUN_COMMANDS, extraArguments, foreignOptions } from './options.js';
import { VERSION } from './version.js';

const HELP = `prodlike ${VERSION}: make developer machines match test and production

Usage: prodlike <command> [profile] [options]

Commands:
  list                     the profiles in ./profiles (and the folders in settings)
  validate <profile>       check a profile: "ok", or errors with file:line:col
  plan <profile>           what up would change, with diffs (exit 2 when changes are pending)
  up <profile>             create/start the machines and apply the profile
      --from-plan <run>      apply exactly what that plan showed; refuses if a machine changed since
  status [profile]         machines, state, ports, last run
  use <profile>            switch: stop the other profiles' machines, bring this one up; checks
                           ports, images and SSH hosts first and stops nothing if one fails
      --plan                 what it would stop and start, and any problem (exit 1 if one)
      --no-rollback          if this profile fails, leave the previous one stopped
  down <profile>           stop the machines (data is kept)
  destroy <profile>        remove containers and network (volumes only with --volumes)
  drift <profile>          compare machines with their profile (exit 2 on drift)
      --against <baseline>   ... or with the production hosts they mirror
      --junit <file>         also write the findings as a JUnit report
      --forks <n>            at most n machines at a time (default 20)
  capture <profile> --out <file>   read-only baseline of a production profile's hosts
      --forks <n>            at most n hosts at a time (default 20)
      --allow-unreachable    write the baseline even if some hosts could not be captured
                             (they are marked "not captured" in it)
  reconcile <profile> --against <baseline>   make local machines match production
  trust <host[:port]>      show a host's SSH key fingerprint and trust it
  ssh <profile> <machine>  open a shell on a machine (container, host or VM)
  allow <profile>          allow a profile's privileged container or host bind mounts on this computer
  doctor                   check what runs need here (Docker engine, base images, disk, SSH keys)
      --fix                  do the fixes it can: start the engine, install docker.io, get the
                             base images (asks first; --yes for scripts)
  cache ls                 cached machine states: key, profile, machine, size, age, last used
  cache prune              remove what the size cap would; --all everything; --older-than 7d unused that long
  cache rm <key>...        remove these cached states (a key's start, as cache ls prints it)
  bake <profile>           build every Docker machine to its converged state and keep it in the cache
      --push <registry>/<repo>   ... and push the states there (profiles pull them with cache: { from: })
  snapshot save|restore|ls|rm <profile> [name]   save a running environment's machines and volumes, restore them
  import compose [file]    write a profile from a Compose file (default ./compose.yaml, docker-compose.yml)
      --out <file>           where (default profiles/<name>/dev.yaml); --force replaces it
      --profile <name>       also import the services of this Compose profile (repeatable)
  import devcontainer [file]   ... from .devcontainer/devcontainer.json
  agent status|start|stop  the background agent that keeps the engine, Docker and SSH connections warm
                           between commands (runs start it; it exits after 10 idle minutes; status
                           exits 3 when none runs)
  drift --every 15m <profile> [--against <baseline>]   check for drift on a schedule, in the agent
                           (results in the run history, a notice when drift appears or goes away);
                           --every off stops it
  history [profile]        the runs kept: when, what, how long, the result (newest first)
  logs <run>               one run: what it changed, with diffs, and its full log

A profile is a path, or a name looked up in ./profiles (e.g. shop/dev).

Options (a command refuses one it does not take):
  --json        NDJSON events for runs, one JSON document for the rest
  -v, --verbose every resource and the commands' output
  --wait        up, use, down, destroy, reconcile, bake, snapshot save|restore|rm: wait for another
                run of the same profile instead of refusing
  --volumes     destroy: also remove named volumes
  -y, --yes     doctor --fix, cache prune --all: do it without asking at a terminal (for scripts)
  --no-cache    up/use: build every machine from its base image; neither use nor save the cache
  --i-know-this-is-production   up, use, reconcile, bake: allow writing to hosts listed in a baseline
  --no-agent    run in this process even when an agent is running (also PRODLIKE_NO_AGENT=1;
                CI=true only keeps runs from starting one)
  --debug       stack traces for errors
  -h, --help    this help;  --version  the version
`;

const COMMANDS = new Set(['list', 'validate', 'plan', 'up', 'status', 'use', 'down', 'destroy', 'drift', 'capture', 'reconcile', 'trust', 'allow', 'doctor', 'cache', 'bake', 'snapshot', 'ssh', 'import', 'agent', 'history', 'logs']);


async function main(argv: string[]): Promise<number> {
  // The background process that forwards a remote engine's published ports (started by `up`).
  if (argv[0] === '__forward' && process.env.PRODLIKE_FORWARD) return (await import('../engine/backends/docker/port-forward.js')).forwarderMain();
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: CLI_OPTIONS,
    });
  } catch (err) {
    process.stderr.write(`prodlike: ${(err as Error).message}\nRun \`prodlike --help\` for usage.\n`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 1;
  }
  if (!COMMANDS.has(command)) {
    process.stderr.write(`prodlike: unknown command "${command}". Run \`prodlike --help\` for the list.\n`);
    return 1;
  }
  const io: CliIo = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n'), tty: !!process.stdout.isTTY && !values.json, colors: pc };
  // Words and options the command does not take: as runCommand prints a usage error, before the agent or
  // the engine is asked anything.
  const usage = extraArguments(command, rest, values) ?? foreignOptions(command, rest, values);
  if (usage) {
    if (values.json) io.out(JSON.stringify({ error: { message: usage.message, hint: usage.hint } }));
    else io.err(`${pc.red('error:')} ${usage.message}\n  ${pc.dim('→')} ${usage.hint}`);
    return 1;
  }
  if (command === 'agent' || (command === 'drift' && values.every !== undefined) || (RUN_COMMANDS.has(command) && !(command === 'use' && values.plan) && !values['no-agent'])) {
    // The agent's client is light: a run handed to a warm agent never loads the engine here.
    const agent = await import('./agent-cli.js');
    const ctx = { cliMain: fileURLToPath(import.meta.url), env: process.env };
    if (command === 'agent') return agent.agentCommand(rest, values, io, ctx);
    if (values.every !== undefined) return agent.scheduleDrift(rest, values, io, ctx);
    if (agent.agentAllowed(values, process.env)) {
      const code = await agent.runViaAgent(command, rest, values, io, ctx);
      if (code !== undefined) return code;
    }
  }
  // The engine (dockerode, ssh2, ...) loads only for commands that need it: --version and --help stay fast.
  const { runCommand } = await import('./commands.js');
  return runCommand(command, rest, values, io);
}

// A reader that went away (`prodlike … | head`): end quietly with 141 (128 + SIGPIPE), as a command that
// SIGPIPE ends does, instead of Node's unhandled EPIPE stack trace. Other stream errors are unchanged.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${pc.red('prodlike:')} ${(err as Error)?.message ?? String(err)}\n`);
    if (process.argv.includes('--debug')) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    process.exitCode = 1;
  },
);
