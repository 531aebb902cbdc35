// Docker settings that hand this computer to a profile: a privileged container, a bind mount of `/`,
// of the Docker socket, of ~/.ssh (or the home folder), or of anything outside the project, a build
// context outside the project, and a profile's own engine (`engine: { host: }`) on another computer.
// Some dev setups need them, so they stay possible — but only after the user allows that profile on
// this computer (as direnv's `allow` or an editor's workspace trust), since a profile may come from a
// colleague's branch. Pure: the engine decides with allowedSettings.

import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Profile } from '../../../shared/profile.js';
import { parseVolume } from './docker-values.js';
import { isInside, projectRoot } from './project.js';

export interface RiskySetting {
  machine: string;
  /** What it is, as the profile says it: "privileged: true", "volume /var/run/docker.sock:/var/run/docker.sock". */
  setting: string;
  /** Why it matters, in a few words. */
  why: string;
  /** file:line:col of the machine. */
  where?: string;
}

/** A container engine's control socket (or the folder that holds one): root on this computer. */
const isEngineSocket = (p: string) => /(^|\/)(docker|podman|containerd)(\.sock)?$/.test(p) || /\/(docker|podman|containerd)\.sock$/.test(p);

/** The path with its symlinks resolved, where it exists (a mount or a build reads the target). */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

export function riskySettings(profile: Pick<Profile, 'file' | 'machines' | 'engine'>, home: string): RiskySetting[] {
  const project = real(projectRoot(profile.file));
  const out: RiskySetting[] = [];
  // An engine on another computer gets the containers, their files, env and build contexts.
  const host = profile.engine?.host;
  if (host && !/^(unix|npipe):\/\//.test(host)) out.push({ machine: '(all machines)', setting: `engine host ${host}`, why: 'the containers, their files and environment go to that engine' });
  for (const m of profile.machines) {
    if (!m.docker) continue;
    const where = m.pos ? `${m.pos.file}:${m.pos.line}:${m.pos.col}` : undefined;
    const add = (setting: string, why: string) => out.push({ machine: m.name, setting, why, ...(where ? { where } : {}) });
    if (m.docker.privileged) add('privileged: true', 'a privileged container can do anything on this computer');
    for (const text of m.docker.volumes) {
      let v;
      try {
        v = parseVolume(text);
      } catch {
        continue; // the loader already refused it
      }
      if (v.kind !== 'bind') continue;
      // The kernel follows symlinks when it mounts: `./host -> /` is a mount of /.
      const src = real(path.resolve(v.source));
      const why = src === path.parse(src).root
        ? 'the whole file system of this computer'
        : isEngineSocket(src)
          ? 'the container engine itself, which is root on this computer'
          : isInside(path.join(home, '.ssh'), src) || src === path.resolve(home) || isInside(src, path.join(home, '.ssh'))
            ? 'your SSH keys or home folder'
            : !isInside(project, src)
              ? `a folder outside the project (${project})`
              : undefined;
      if (why) add(`volume ${text}`, why);
    }
    if (m.docker.build && !isInside(project, real(path.resolve(m.docker.build.context)))) {
      add(`build context ${m.docker.build.context}`, `a folder outside the project (${project}) is sent to the engine`);
    }
  }
  return out;
}

/** What an allow is bound to: the risky settings exactly; any change needs a new allow. */
export function riskHash(settings: RiskySetting[]): string {
  const lines = settings.map((s) => `${s.machine}\0${s.setting}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
