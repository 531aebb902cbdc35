// Makes a machine's image available: used as is when present locally, else pulled, or built from a
// `build:` context. Pull and build streams report failures in-band (an `error` field in a progress
// event, not a stream error), so every event is checked, as Podman Desktop does.

import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { DockerBuildSpec, DockerMachineSpec } from '../../../../shared/profile.js';
import { DockerError } from '../../errors.js';
import { engineMessage, isEngineUnreachable, statusCode } from './client.js';
import { LABEL_BUILD_HASH } from './labels.js';
import type { RunContext } from '../backend.js';

export interface ImageResult {
  id: string;
  /** "present", "pulled", "built", "up to date": for the machine event's detail. */
  how: string;
  /** The image's USER ('' when it sets none: root): whom its containers' main process runs as without `user:`. */
  user: string;
}

interface ProgressEvent {
  status?: string;
  id?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: string };
}

/** Follows a pull/build stream; rejects on the first in-band error. */
function follow(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (e: ProgressEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let inBand: string | undefined;
    docker.modem.followProgress(
      stream,
      (err) => {
        if (inBand !== undefined) reject(new Error(inBand));
        else if (err) reject(err);
        else resolve();
      },
      (event: ProgressEvent) => {
        const message = event.error ?? event.errorDetail?.message;
        if (message !== undefined && inBand === undefined) inBand = message.trim();
        else onEvent(event);
      },
    );
  });
}

/** Emits at most every 100 ms, plus the last value: progress events are for eyes, not a log. */
function throttled(emit: (current?: number, total?: number) => void): (current?: number, total?: number, force?: boolean) => void {
  let last = 0;
  return (current, total, force) => {
    const now = Date.now();
    if (force || now - last >= 100) {
      last = now;
      emit(current, total);
    }
  };
}

export async function pullImage(docker: Docker, ref: string, machine: string, ctx: RunContext): Promise<void> {
  const task = `pull ${ref}`;
  const layers = new Map<string, { current: number; total: number }>();
  const report = throttled((current, total) => ctx.emit({ type: 'progress', runId: ctx.runId, machine, task, current, total }));
  report(undefined, undefined, true);
  const stream = (await docker.pull(ref, { abortSignal: ctx.signal })) as NodeJS.ReadableStream;
  await follow(docker, stream, (e) => {
    const d = e.progressDetail;
    if (e.id && d?.total) {
      layers.set(e.id, { current: d.current ?? 0, total: d.total });
      let current = 0;
      let total = 0;
      for (const l of layers.values()) {
        current += l.current;
        total += l.total;
      }
      report(current, total);
    }
  });
  report(undefined, undefined, true);
}

/**
 * A cheap fingerprint of a build context: paths, sizes and modification times (not contents), plus the
 * Dockerfile name and build args. A changed context gets rebuilt; an unchanged one costs a directory walk.
 */
export async function buildFingerprint(build: DockerBuildSpec): Promise<{ hash: string; files: string[] }> {
  const h = createHash('sha256');
  h.update(JSON.stringify({ dockerfile: build.dockerfile ?? 'Dockerfile', args: Object.entries(build.args).sort(), ...(build.target ? { target: build.target } : {}) }));
  const files: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(build.context, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name === '.git' || entry.name === 'node_modules') continue;
        await walk(relPath);
      } else {
        const st = await stat(path.join(build.context, relPath));
        h.update(`${relPath}\0${st.size}\0${st.mtimeMs}\0${st.mode}\n`);
        files.push(relPath);
      }
    }
  }
  try {
    await walk('');
  } catch (err) {
    throw new DockerError(`build context ${build.context} cannot be read: ${(err as Error).message}`, {
      hint: 'check `build.context` in the profile (a folder, relative to the profile file)',
      cause: err,
    });
  }
  return { hash: h.digest('hex'), files };
}

export async function buildImage(docker: Docker, spec: DockerMachineSpec & { build: DockerBuildSpec }, machine: string, fingerprint: { hash: string; files: string[] }, ctx: RunContext): Promise<void> {
  const task = `build ${spec.image}`;
  ctx.emit({ type: 'progress', runId: ctx.runId, machine, task });
  const stream = (await docker.buildImage(
    { context: spec.build.context, src: fingerprint.files },
    {
      t: spec.image,
      dockerfile: spec.build.dockerfile ?? 'Dockerfile',
      buildargs: spec.build.args,
      ...(spec.build.target ? { target: spec.build.target } : {}),
      labels: { [LABEL_BUILD_HASH]: fingerprint.hash },
      rm: true,
      forcerm: true,
      abortSignal: ctx.signal,
    },
  )) as NodeJS.ReadableStream;
  await follow(docker, stream, (e) => {
    const line = e.stream?.replace(/\s+$/, '');
    if (!line) return;
    ctx.emit({ type: 'log', runId: ctx.runId, machine, stream: 'info', text: line });
    const step = /^Step (\d+)\/(\d+)/.exec(line);
    if (step) ctx.emit({ type: 'progress', runId: ctx.runId, machine, task: `${task}: ${line}`, current: Number(step[1]), total: Number(step[2]) });
  });
}

async function inspectImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (statusCode(err) === 404) return undefined;
    throw err;
  }
}

function imageResult(info: Docker.ImageInspectInfo, how: string): ImageResult {
  return { id: info.Id, how, user: info.Config?.User ?? '' };
}

/** The image ID for the machine, pulling or building first when needed. */
export async function ensureImage(docker: Docker, spec: DockerMachineSpec, machine: string, ctx: RunContext): Promise<ImageResult> {
  if (spec.build) {
    const fingerprint = await buildFingerprint(spec.build);
    const existing = await inspectImage(docker, spec.image);
    if (existing && existing.Config?.Labels?.[LABEL_BUILD_HASH] === fingerprint.hash) return imageResult(existing, 'up to date');
    try {
      await buildImage(docker, { ...spec, build: spec.build }, machine, fingerprint, ctx);
    } catch (err) {
      if (isEngineUnreachable(err)) throw err;
      throw new DockerError(`image ${spec.image} could not be built from ${spec.build.context}: ${engineMessage(err)}`, {
        where: machine,
        hint: 'fix the Dockerfile or the build context; the build log is in the run log',
        cause: err,
      });
    }
    const built = await inspectImage(docker, spec.image);
    if (!built) throw new DockerError(`image ${spec.image} was built but the engine does not list it`, { where: machine });
    return imageResult(built, 'built');
  }

  const present = await inspectImage(docker, spec.image);
  if (present) return imageResult(present, 'present');
  try {
    await pullImage(docker, spec.image, machine, ctx);
  } catch (err) {
    if (isEngineUnreachable(err)) throw err;
    throw new DockerError(`image ${spec.image} is not present locally and could not be pulled: ${engineMessage(err)}`, {
      where: machine,
      hint: 'build it or pull it where a registry is reachable; `docker images` lists what is local',
      cause: err,
    });
  }
  const pulled = await inspectImage(docker, spec.image);
  if (!pulled) throw new DockerError(`image ${spec.image} was pulled but the engine does not list it`, { where: machine });
  return imageResult(pulled, 'pulled');
}

export type ImageAvailability = { ok: true; how: 'present' | 'build' | 'pullable'; id?: string } | { ok: false; message: string; hint: string };

/**
 * Whether `up` can have the machine's image, without pulling or building it: present locally, built
 * from a readable context, or known to its registry (the distribution endpoint reads the manifest only).
 */
export async function imageAvailability(docker: Docker, spec: DockerMachineSpec, timeoutMs: number): Promise<ImageAvailability> {
  if (spec.build) {
    try {
      const fingerprint = await buildFingerprint(spec.build);
      const existing = await inspectImage(docker, spec.image);
      const upToDate = existing && existing.Config?.Labels?.[LABEL_BUILD_HASH] === fingerprint.hash;
      return { ok: true, how: 'build', ...(upToDate ? { id: existing.Id } : {}) };
    } catch (err) {
      if (isEngineUnreachable(err)) throw err;
      return { ok: false, message: (err as Error).message, hint: 'check `build.context` in the profile (a folder, relative to the profile file)' };
    }
  }
  const present = await inspectImage(docker, spec.image);
  if (present) return { ok: true, how: 'present', id: present.Id };
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`its registry did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await Promise.race([docker.getImage(spec.image).distribution(), timeout]);
    return { ok: true, how: 'pullable' };
  } catch (err) {
    if (isEngineUnreachable(err)) throw err;
    return {
      ok: false,
      message: `image ${spec.image} is not present and cannot be pulled: ${engineMessage(err)}`,
      hint: 'build it or pull it where a registry is reachable (`docker pull`), or give the machine a `build:`; `docker images` lists what is local',
    };
  } finally {
    clearTimeout(timer);
  }
}
