// What a machine's container looks like on the engine: the create options derived from the docker spec,
// and creating it (with its labelled volumes) in a way that converges after an interrupted run.

import type Docker from 'dockerode';
import type { DockerHealthcheck, DockerMachineSpec, Profile } from '../../../../shared/profile.js';
import { DockerError } from '../../errors.js';
import { parsePort, parseVolume } from '../../profile/docker-values.js';
import { engineMessage, statusCode } from './client.js';
import { SNAPSHOT_REPO } from '../../cache/cache-labels.js';
import { pollUntil, sh } from '../../sh-command.js';
import {
  LABEL_BUILD_HASH,
  LABEL_CONFIG_HASH,
  LABEL_CONFIG_PARTS,
  LABEL_MACHINE,
  LABEL_PROFILE,
  LABEL_VOLUME,
  containerName,
  networkName,
  ownerLabels,
  volumeName,
} from './labels.js';

/** Keeps the container alive so configuration can run, whatever the image's CMD (often a shell that exits). */
const KEEP_ALIVE = { Entrypoint: ['sleep'], Cmd: ['infinity'] };
/**
 * The same without an init (Podman without catatonit): PID 1 is a shell that ends on SIGTERM, so stop
 * stays immediate; `sleep` in the background keeps the shell waiting, not spinning.
 */
const KEEP_ALIVE_NO_INIT = { Entrypoint: ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'], Cmd: [] as string[] };

/** Engines whose init binary is missing (Podman's catatonit is a separate package): create without one. */
const noInit = new WeakSet<Docker>();

/** Podman's answer when its container-init (catatonit) is not installed. */
export function isMissingInit(message: string): boolean {
  return /container-init binary not found|catatonit/i.test(message);
}

/** On a container that starts services as it starts: which (for people; the machine's config hash is unaffected). */
export const LABEL_STARTS_SERVICES = 'prodlike.starts-services';
/** A tmpfs, so empty at each start: the start script marks it when its services are started. */
const STARTED_DIR = '/run/prodlike';
const STARTED_MARK = `${STARTED_DIR}/started`;
/**
 * Waits (pollUntil: at most about 2 minutes) for the start script's mark: the first command on such a
 * container (the probe) then sees the services started, not starting. Past that it goes on, and
 * converge starts them. Only where the tmpfs is mounted: a container made from an image committed from
 * such a container inherits its label, not its start script.
 */
export const WAIT_FOR_START = sh`if grep -qs ${` ${STARTED_DIR} tmpfs `} /proc/mounts; then
${pollUntil(sh`[ -e ${STARTED_MARK} ]`, sh`:`, sh`break`)}
fi`.text;

/**
 * Removes the pid files of a container made from a saved disk (a cached state, a carried-on save, a
 * snapshot). The state was saved while services ran: their pid files are in it, naming processes that
 * are gone. A boot empties /run; a container's is on its disk. Left there, an init script's check
 * (`kill -0 <pid>`) says "running" whenever a new process happens to get that pid: its start is skipped
 * and up calls it running, or a stop kills that other process. Only where Prodlike's keep-alive is the
 * main process (keepAliveIsMain): nothing of the saved state runs yet, so every pid file is stale. Run
 * as root (the files are root's, whatever `user:`). Not in the tmpfs of the start mark (-xdev).
 */
export const STALE_PID_FILES = "find /run -xdev -type f -name '*.pid' -delete 2>/dev/null; true";

export interface DesiredContainer {
  profile: Profile;
  machine: string;
  spec: DockerMachineSpec;
  hash: string;
  parts: string;
  /** Start from this image instead of `spec.image` (a cached state or a snapshot); the config hash stays the machine's. */
  image?: string;
  /**
   * Services to start as the container starts (a container from a cached state whose services ran), and
   * the shell text that starts them. Only without the profile's own `command:`.
   */
  startServices?: { names: readonly string[]; script: string };
  /**
   * Created without its named volumes, to install packages as an image is built (cache-session.ts,
   * volumesAt). Its config hash says so, so that a later `up` recreates a container left like this.
   */
  withoutNamedVolumes?: boolean;
}

/** The config hash label of a container created without its named volumes. */
export const VOLUMES_PENDING = '+volumes-pending';

/** Whether a container of the spec runs Prodlike's keep-alive as its main process (not the profile's own command or the image's). */
export function keepAliveIsMain(spec: DockerMachineSpec): boolean {
  return !spec.command && !spec.entrypoint && spec.keepAlive !== false;
}

/**
 * Whether a container of the spec starts a cached state's services as it starts: only where its main
 * process is Prodlike's keep-alive, and runs as root, as converge's execs do (a start script run as
 * `user:`, or as the image's USER without one, could neither start a system service nor write its
 * mark). `imageUser`: the image's USER, where known.
 */
export function canStartServices(spec: DockerMachineSpec, imageUser = ''): boolean {
  const user = spec.user ?? imageUser;
  return keepAliveIsMain(spec) && (!user || /^(root|0)(:(root|0))?$/.test(user));
}

export function createOptions(d: DesiredContainer, o: { init: boolean } = { init: true }): Docker.ContainerCreateOptions {
  const { profile, machine, spec } = d;
  const net = networkName(profile.name);
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const b of spec.ports.flatMap(parsePort)) {
    const key = `${b.containerPort}/${b.proto}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: b.hostIp, HostPort: b.hostPort });
  }
  const binds: string[] = [];
  const anonymous: Record<string, object> = {};
  for (const v of spec.volumes.map(parseVolume)) {
    const mode = v.readOnly ? ':ro' : '';
    if (v.kind === 'anonymous') anonymous[v.target] = {};
    else if (v.kind === 'bind') binds.push(`${v.source}:${v.target}${mode}`);
    else if (!d.withoutNamedVolumes) binds.push(`${volumeName(profile.name, v.source)}:${v.target}${mode}`);
  }
  const starts = canStartServices(spec) && d.startServices?.names.length ? d.startServices : undefined;
  const command = containerCommand(spec, o.init, starts?.script);
  return {
    name: containerName(profile.name, machine),
    Image: d.image ?? spec.image,
    Hostname: spec.hostname ?? machine,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      ...ownerLabels(profile.name, profile.file),
      [LABEL_MACHINE]: machine,
      [LABEL_CONFIG_HASH]: d.withoutNamedVolumes ? d.hash + VOLUMES_PENDING : d.hash,
      [LABEL_CONFIG_PARTS]: d.withoutNamedVolumes ? d.parts.replace(/\bvolumes=\S+/, 'volumes=pending') : d.parts,
      ...(starts ? { [LABEL_STARTS_SERVICES]: starts.names.join(',') } : {}),
    },
    ...command,
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.healthcheck ? { Healthcheck: healthcheckOptions(spec.healthcheck) } : {}),
    ExposedPorts: exposed,
    Volumes: anonymous,
    HostConfig: {
      // An init as PID 1 forwards SIGTERM and reaps, so stop is immediate instead of a 10 s wait.
      Init: o.init,
      Privileged: spec.privileged,
      RestartPolicy: { Name: 'no' },
      PortBindings: bindings,
      Binds: binds,
      NetworkMode: net,
      ...(starts ? { Tmpfs: { [STARTED_DIR]: 'mode=0755' } } : {}),
    },
    NetworkingConfig: { EndpointsConfig: { [net]: { Aliases: [machine, ...(spec.aliases ?? [])] } } },
  };
}

/**
 * Entrypoint and command: the profile's when given (an entrypoint replaces the image's command too, as
 * in Docker); the image's own with `keep_alive: false`; else `sleep infinity` so configuration can run.
 */
function containerCommand(spec: DockerMachineSpec, init: boolean, startScript?: string): { Entrypoint?: string[]; Cmd?: string[] } {
  if (spec.entrypoint) return { Entrypoint: spec.entrypoint, Cmd: spec.command ?? [] };
  if (spec.command) return { Cmd: spec.command };
  if (spec.keepAlive === false) return {};
  const keep = init ? KEEP_ALIVE : KEEP_ALIVE_NO_INIT;
  // Without an init the shell stays PID 1 and ends on SIGTERM (as KEEP_ALIVE_NO_INIT does).
  if (startScript) return { Entrypoint: ['sh', '-c', `${STALE_PID_FILES}\n${startScript}\n: > ${STARTED_MARK}\n${init ? 'exec sleep infinity' : KEEP_ALIVE_NO_INIT.Entrypoint[2]}`], Cmd: [] };
  return keep;
}

const NS_PER_MS = 1_000_000;

function healthcheckOptions(h: DockerHealthcheck): Docker.HealthConfig {
  const out: Docker.HealthConfig = {};
  if (h.test) out.Test = h.test;
  if (h.intervalMs !== undefined) out.Interval = Math.round(h.intervalMs * NS_PER_MS);
  if (h.timeoutMs !== undefined) out.Timeout = Math.round(h.timeoutMs * NS_PER_MS);
  if (h.startPeriodMs !== undefined) out.StartPeriod = Math.round(h.startPeriodMs * NS_PER_MS);
  if (h.retries !== undefined) out.Retries = h.retries;
  return out;
}

/**
 * Whether something of the machine outlives its removed container: a bind mount, or a named volume
 * that is kept (`destroy` without `--volumes`). Anonymous volumes go with the container.
 */
export function keepsData(spec: DockerMachineSpec, volumesRemoved: boolean): boolean {
  return spec.volumes.map(parseVolume).some((v) => v.kind === 'bind' || (v.kind === 'volume' && !volumesRemoved));
}

/** Named volumes are created up front so they carry the profile's labels (Binds would create bare ones). */
async function ensureVolumes(docker: Docker, profile: Profile, spec: DockerMachineSpec): Promise<void> {
  const named = spec.volumes.map(parseVolume).filter((v) => v.kind === 'volume');
  await Promise.all(
    named.map((v) =>
      docker.createVolume({
        Name: volumeName(profile.name, v.source),
        Labels: { ...ownerLabels(profile.name, profile.file), [LABEL_VOLUME]: v.source },
      }),
    ),
  );
}

/**
 * Creates and starts the container. A name taken by a container of this profile (left by a run that was
 * killed between create and label query) is removed and the create retried; a name taken by anything
 * else is not ours to remove.
 */
/** `startAfter`: created at once, started only once it has settled (a container it replaces has stopped). */
export async function createAndStart(docker: Docker, d: DesiredContainer, startAfter?: Promise<unknown>): Promise<Docker.Container> {
  await ensureVolumes(docker, d.profile, d.spec);
  const init = !noInit.has(docker);
  let opts = createOptions(d, { init });
  let container: Docker.Container;
  try {
    container = await docker.createContainer(opts).catch((err: unknown) => {
      if (!init || !isMissingInit(engineMessage(err))) throw err;
      noInit.add(docker);
      opts = createOptions(d, { init: false });
      return docker.createContainer(opts);
    });
  } catch (err) {
    if (statusCode(err) !== 409) throw createError(d, err);
    const other = await docker
      .getContainer(opts.name!)
      .inspect()
      .catch(() => undefined);
    if (other && other.Config.Labels?.[LABEL_PROFILE] !== d.profile.name) {
      throw new DockerError(`machine ${d.machine}: the container name ${opts.name} is taken by a container Prodlike did not create`, {
        where: d.machine,
        hint: `remove or rename it: \`docker rm -f ${opts.name}\``,
      });
    }
    await removeContainer(docker, opts.name!);
    try {
      container = await docker.createContainer(opts);
    } catch (err2) {
      throw createError(d, err2);
    }
  }
  try {
    await startAfter;
    await container.start();
  } catch (err) {
    // A container that cannot start is removed, so the next up starts clean instead of inheriting it.
    await removeContainer(docker, container.id);
    const msg = engineMessage(err);
    const port = /port is already allocated|address already in use/i.test(msg);
    throw new DockerError(`machine ${d.machine}: the container could not be started: ${msg}`, {
      where: d.machine,
      hint: port ? 'a port in `ports:` is already in use on this computer; free it or change the profile' : undefined,
      cause: err,
    });
  }
  return container;
}

function createError(d: DesiredContainer, err: unknown): DockerError {
  return new DockerError(`machine ${d.machine}: the container could not be created: ${engineMessage(err)}`, { where: d.machine, cause: err });
}

/**
 * Renames a container aside at once, freeing its name for a new one, and stops it; resolves once it has
 * stopped (its network alias and published ports are released then).
 */
export async function setAside(docker: Docker, id: string, newName: string): Promise<{ stopped: Promise<void> }> {
  const c = docker.getContainer(id);
  await c.rename({ name: newName });
  const stopped = (async () => {
    try {
      await c.kill();
    } catch (err) {
      // 409: not running already.
      if (statusCode(err) !== 409) throw err;
    }
    await c.wait({ condition: 'not-running' });
  })();
  return { stopped };
}

/**
 * Force-removes a container (and its anonymous volumes); already gone is fine. A snapshot's image whose
 * tag `snapshot rm` removed while this container ran from it goes too, and so does an image Prodlike
 * built whose tag a rebuild moved to the new one: the engine keeps an untagged image after its last
 * container, and nothing would list it again (`docker build` leaves it for `docker image prune`).
 */
export async function removeContainer(docker: Docker, idOrName: string): Promise<void> {
  // Only a container created from a snapshot's tag (snapshot.ts restores so) or from an image Prodlike
  // built (a rebuild moved its tag on; the image's labels are on the container) can leave such an image.
  const image = await docker
    .getContainer(idOrName)
    .inspect()
    .then((c) => (c.Config.Image.startsWith(`${SNAPSHOT_REPO}:`) || c.Config.Labels?.[LABEL_BUILD_HASH] !== undefined ? c.Image : undefined), () => undefined);
  try {
    await docker.getContainer(idOrName).remove({ force: true, v: true });
  } catch (err) {
    const code = statusCode(err);
    // 404: gone already; 409 "removal already in progress": another remove will finish it.
    if (code !== 404 && code !== 409) throw err;
  }
  if (image) await removeUntagged(docker, image);
}

/** Removes a snapshot's or a built image no tag names any more, unless a container or a cached state uses it. */
async function removeUntagged(docker: Docker, imageId: string): Promise<void> {
  const img = await docker
    .getImage(imageId)
    .inspect()
    .catch(() => undefined);
  if (!img || (img.RepoTags ?? []).length > 0) return;
  // Another container may still use it, or a cached state be made from it (409): it goes with that one.
  await docker
    .getImage(imageId)
    .remove({ noprune: false })
    .catch(() => undefined);
}
