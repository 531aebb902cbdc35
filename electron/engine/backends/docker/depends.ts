// depends_on during `up`: a machine's container is created or started only after the machines it
// depends on have started (and, with `service_healthy`, passed their health check), as Compose does.
// Images are still pulled and built in parallel; only the starts wait.

import type Docker from 'dockerode';
import type { DockerMachineSpec } from '../../../../shared/profile.js';
import { DockerError } from '../../errors.js';
import { statusCode } from './client.js';
import { dependencyVerdict } from './plan.js';

const POLL_MS = 250;
/** How long a machine waits for one dependency to become ready. */
export const DEPENDENCY_TIMEOUT_MS = 5 * 60_000;

/** The machines of one `up`, each settling when its container has started (or failed). */
export class StartGate {
  private readonly started = new Map<string, { promise: Promise<string>; resolve: (id: string) => void; reject: (e: Error) => void }>();

  constructor(machines: string[]) {
    for (const m of machines) {
      let resolve!: (id: string) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<string>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined);
      this.started.set(m, { promise, resolve, reject });
    }
  }

  done(machine: string, containerId: string): void {
    this.started.get(machine)?.resolve(containerId);
  }

  failed(machine: string, err: Error): void {
    this.started.get(machine)?.reject(err);
  }

  /** Waits for each dependency in turn; one that fails or never gets ready fails this machine. */
  async waitFor(docker: Docker, machine: string, spec: DockerMachineSpec, containerOf: (dep: string) => string, signal?: AbortSignal): Promise<void> {
    for (const dep of spec.dependsOn ?? []) {
      const gate = this.started.get(dep.machine);
      let id = containerOf(dep.machine);
      if (gate) {
        try {
          id = await gate.promise;
        } catch {
          throw new DockerError(`machine ${machine}: not started because ${dep.machine}, which it depends on, failed`, { where: machine, hint: `fix ${dep.machine} first (its error is above)` });
        }
      }
      await waitReady(docker, machine, dep.machine, dep.condition, id, signal);
    }
  }
}

async function waitReady(docker: Docker, machine: string, dep: string, condition: 'started' | 'healthy', id: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + DEPENDENCY_TIMEOUT_MS;
  for (;;) {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await docker.getContainer(id).inspect();
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      throw new DockerError(`machine ${machine} depends on ${dep}, which has no container`, { where: machine, hint: `bring ${dep} up too: \`prodlike up\` of the whole profile` });
    }
    const verdict = dependencyVerdict(condition, { status: info.State.Status, health: info.State.Health?.Status, exitCode: info.State.ExitCode });
    if (verdict === 'ready') return;
    if (verdict !== 'wait') {
      throw new DockerError(`machine ${machine}: not started because ${dep} is not ${condition === 'healthy' ? 'healthy' : 'running'}: ${verdict.failed}`, {
        where: machine,
        hint: condition === 'healthy' ? `see \`docker inspect --format '{{json .State.Health}}' ${info.Name.replace(/^\//, '')}\`` : `see \`docker logs ${info.Name.replace(/^\//, '')}\``,
      });
    }
    if (signal?.aborted) throw new DockerError(`machine ${machine}: cancelled while waiting for ${dep}`, { where: machine });
    if (Date.now() > deadline) {
      throw new DockerError(`machine ${machine}: ${dep} was not ${condition === 'healthy' ? 'healthy' : 'running'} after ${DEPENDENCY_TIMEOUT_MS / 60_000} minutes`, { where: machine, hint: `see \`docker logs ${info.Name.replace(/^\//, '')}\`` });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
