// The engine runs use, why, and the contexts to pick from, as the API reports it: a context that does
// not exist is shown as an error in Settings (and doctor), not thrown at the screen.

import os from 'node:os';
import type { DockerEngineInfo } from '../../../../shared/api.js';
import { toErrorInfo } from '../../errors.js';
import { listContexts, resolveEngine, type ConfigReader, type EngineChoice, fsReader } from './engine-context.js';

export function describeEngine(choice: EngineChoice, env: Record<string, string | undefined>, home = os.homedir(), r: ConfigReader = fsReader): DockerEngineInfo {
  const contexts = listContexts(env, home, r).map(({ name, host, description, current }) => ({ name, host, current, ...(description ? { description } : {}) }));
  try {
    const e = resolveEngine(choice, env, home, r);
    return { address: e.host, source: e.source, context: e.context, why: e.why, contexts };
  } catch (err) {
    const source = choice.host || choice.context ? 'setting' : env.DOCKER_HOST ? 'DOCKER_HOST' : env.DOCKER_CONTEXT ? 'DOCKER_CONTEXT' : 'config';
    return { address: '', source, context: choice.context || env.DOCKER_CONTEXT || '', why: toErrorInfo(err).message, contexts, error: toErrorInfo(err) };
  }
}
