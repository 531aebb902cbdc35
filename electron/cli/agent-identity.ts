// Who a run through the agent is for: whether it may use or start one, the build and environment an
// agent must share with the CLI, and what a run takes from the CLI's command line. Shared by the CLI's
// side (agent-cli.ts) and the agent's side of the native client (served-cli.ts).

import { buildOf } from '../engine/agent/build-id.js';
import type { StartRunRequest } from '../../shared/api.js';
import { envKey, type AgentIdentity, type RunOptions } from '../engine/agent/protocol.js';
import type { AgentRun } from '../engine/agent/client.js';
import type { CliFlags } from './io.js';
import { VERSION } from './version.js';

export interface AgentContext {
  /** This CLI's bundle (dist/cli/main.mjs): what an agent is started from, and its build. */
  cliMain: string;
  env: NodeJS.ProcessEnv;
}

const off = (v: string | undefined) => !!v && v !== '0' && v !== 'false';

/** Whether this command may use an agent at all: not with --no-agent or PRODLIKE_NO_AGENT. */
export function agentAllowed(flags: CliFlags, env: NodeJS.ProcessEnv): boolean {
  return !flags['no-agent'] && !off(env.PRODLIKE_NO_AGENT);
}

/** Whether a run may start an agent it did not find: not in CI (a job's processes should end with it). */
export function autoStartAllowed(env: NodeJS.ProcessEnv): boolean {
  return !off(env.CI) && !off(env.PRODLIKE_NO_AGENT);
}

export function identity(ctx: AgentContext): AgentIdentity {
  return { build: buildOf(ctx.cliMain, VERSION), envKey: envKey(ctx.env) };
}

export function runOptions(flags: CliFlags, env: NodeJS.ProcessEnv, cwd = process.cwd()): RunOptions {
  return { cwd, env: { ...env }, lockWaitMs: flags.wait ? 30 * 60_000 : 0, debug: !!flags.debug, allowProductionHosts: !!flags['i-know-this-is-production'] };
}

/** What the native client keeps of a run the agent took, in case the agent dies before the result. */
export interface LostRun {
  runId: string;
  pid: number;
  req: StartRunRequest;
  startEvent?: AgentRun['startEvent'];
}
