// A profile's own Docker engine (`engine: { host: }` or `{ context: }`): loaded, checked where it is
// written, and an engine on another computer needs an allow like the other settings that hand things over.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { riskySettings } from '../../../../electron/engine/profile/risky-settings.js';
import { WEB, folder, profileError } from './fixture.js';

async function load(text: string) {
  const dir = await folder({ 'p.yaml': text });
  return loadProfile(join(dir, 'p.yaml'), { env: {} });
}

describe('a profile\'s own Docker engine', () => {
  it('is an address or a context', async () => {
    expect((await load(`name: x\nengine: { host: "ssh://me@build-box:2222" }\n${WEB}`)).engine).toEqual({ host: 'ssh://me@build-box:2222' });
    expect((await load(`name: x\nengine:\n  context: build-box\n${WEB}`)).engine).toEqual({ context: 'build-box' });
    expect((await load(`name: x\n${WEB}`)).engine).toBeUndefined();
  });

  it('refuses both at once, an address of an unknown kind, and an unknown key, each at its line', async () => {
    const both = await profileError(load(`name: x\nengine: { host: "unix:///tmp/d.sock", context: box }\n${WEB}`));
    expect(both.message).toMatch(/p\.yaml:2:\d+: engine: expected exactly one of host: and context:/);
    const scheme = await profileError(load(`name: x\nengine:\n  host: "http://box:2375"\n${WEB}`));
    expect(scheme.message).toMatch(/p\.yaml:3:\d+: engine\.host: expected an address starting with unix:\/\/, tcp:\/\/, ssh:\/\/ or npipe:\/\//);
    const key = await profileError(load(`name: x\nengine:\n  hots: "ssh://box"\n${WEB}`));
    expect(key.message).toMatch(/p\.yaml:3:3: engine: unknown key "hots"/);
  });

  it('on another computer is a setting to allow; a local socket or a context is not', async () => {
    const remote = await load(`name: x\nengine: { host: "tcp://10.0.0.9:2375" }\n${WEB}`);
    expect(riskySettings(remote, '/home/dev').map((r) => `${r.machine}: ${r.setting}`)).toEqual(['(all machines): engine host tcp://10.0.0.9:2375']);
    expect(riskySettings(await load(`name: x\nengine: { host: "unix:///run/podman/podman.sock" }\n${WEB}`), '/home/dev')).toEqual([]);
    expect(riskySettings(await load(`name: x\nengine: { context: box }\n${WEB}`), '/home/dev')).toEqual([]);
  });
});
