// Which engine runs use, in the docker CLI's order, from a fake home with the CLI's real file formats
// (config.json, contexts/meta/<sha256(name)>/meta.json, contexts/tls/<sha256(name)>/docker/*.pem).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { engineEndpoint } from '../../../../../electron/engine/backends/docker/client.js';
import { listContexts, resolveEngine } from '../../../../../electron/engine/backends/docker/engine-context.js';
import { describeEngine } from '../../../../../electron/engine/backends/docker/engine-info.js';
import { DockerError } from '../../../../../electron/engine/errors.js';

let home: string;
const sha = (name: string) => createHash('sha256').update(name).digest('hex');

function addContext(name: string, host: string, opts: { description?: string; skipTls?: boolean; tls?: string[]; configDir?: string } = {}) {
  const dir = opts.configDir ?? path.join(home, '.docker');
  const meta = path.join(dir, 'contexts', 'meta', sha(name));
  mkdirSync(meta, { recursive: true });
  // What `docker context create` writes.
  writeFileSync(
    path.join(meta, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: { Description: opts.description ?? '' }, Endpoints: { docker: { Host: host, SkipTLSVerify: !!opts.skipTls } } }),
  );
  if (opts.tls) {
    const tls = path.join(dir, 'contexts', 'tls', sha(name), 'docker');
    mkdirSync(tls, { recursive: true });
    for (const f of opts.tls) writeFileSync(path.join(tls, f), `-----BEGIN ${f}-----\n`);
  }
}

function setCurrent(name: string) {
  mkdirSync(path.join(home, '.docker'), { recursive: true });
  writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ auths: {}, currentContext: name }, null, '\t'));
}

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'pl-ctx-home-'));
  addContext('box', 'ssh://dev@build-box:2222', { description: 'the build box' });
  addContext('secure', 'tcp://10.0.0.9:2376', { tls: ['ca.pem', 'cert.pem', 'key.pem'] });
  setCurrent('secure');
});

describe('the Docker engine a run uses', () => {
  it('is the setting first, even with DOCKER_HOST, DOCKER_CONTEXT and a current context', () => {
    const e = resolveEngine({ host: 'unix:///tmp/mine.sock' }, { DOCKER_HOST: 'tcp://1.2.3.4:2375', DOCKER_CONTEXT: 'box' }, home);
    expect(e).toMatchObject({ host: 'unix:///tmp/mine.sock', source: 'setting' });
  });

  it('is a context chosen in the settings before DOCKER_HOST', () => {
    const e = resolveEngine({ context: 'box' }, { DOCKER_HOST: 'tcp://1.2.3.4:2375' }, home);
    expect(e).toMatchObject({ host: 'ssh://dev@build-box:2222', source: 'setting', context: 'box' });
  });

  it('is DOCKER_HOST before DOCKER_CONTEXT and the current context (as the docker CLI decides)', () => {
    expect(resolveEngine({}, { DOCKER_HOST: 'tcp://1.2.3.4:2375', DOCKER_CONTEXT: 'box' }, home)).toMatchObject({ host: 'tcp://1.2.3.4:2375', source: 'DOCKER_HOST', why: 'DOCKER_HOST' });
  });

  it('is DOCKER_CONTEXT before the config file\'s currentContext', () => {
    expect(resolveEngine({}, { DOCKER_CONTEXT: 'box' }, home)).toMatchObject({ host: 'ssh://dev@build-box:2222', source: 'DOCKER_CONTEXT', context: 'box', why: 'context box (DOCKER_CONTEXT)' });
  });

  it('is the current context of ~/.docker/config.json, with its TLS files', () => {
    const e = resolveEngine({}, {}, home);
    const tls = path.join(home, '.docker', 'contexts', 'tls', sha('secure'), 'docker');
    expect(e).toMatchObject({ host: 'tcp://10.0.0.9:2376', source: 'config', context: 'secure' });
    expect(e.tls).toEqual({ ca: path.join(tls, 'ca.pem'), cert: path.join(tls, 'cert.pem'), key: path.join(tls, 'key.pem'), skipVerify: false });
  });

  it('reads the contexts from $DOCKER_CONFIG instead of ~/.docker', () => {
    const other = path.join(home, 'elsewhere');
    addContext('far', 'tcp://far:2375', { configDir: other });
    expect(resolveEngine({}, { DOCKER_CONFIG: other, DOCKER_CONTEXT: 'far' }, home).host).toBe('tcp://far:2375');
    // ~/.docker's current context is not read then.
    expect(resolveEngine({}, { DOCKER_CONFIG: other }, home).source).toBe('default');
  });

  it('is the default socket when nothing chooses one, and for the context named "default"', () => {
    const bare = mkdtempSync(path.join(tmpdir(), 'pl-ctx-bare-'));
    expect(resolveEngine({}, {}, bare)).toMatchObject({ host: 'unix:///var/run/docker.sock', source: 'default' });
    setCurrent('default');
    expect(resolveEngine({}, {}, home)).toMatchObject({ host: 'unix:///var/run/docker.sock', source: 'config', context: 'default' });
  });

  it('refuses a context that does not exist, naming it and where it came from', () => {
    let err: unknown;
    try {
      resolveEngine({}, { DOCKER_CONTEXT: 'nope' }, home);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DockerError);
    expect((err as DockerError).message).toContain('Docker context "nope" (DOCKER_CONTEXT) does not exist');
    expect((err as DockerError).hint).toContain('docker context ls');
  });

  it('names the file when config.json is not JSON', () => {
    writeFileSync(path.join(home, '.docker', 'config.json'), '{ "currentContext": ');
    expect(() => resolveEngine({}, {}, home)).toThrow(`${path.join(home, '.docker', 'config.json')}: not valid JSON`);
  });
});

describe('the list of contexts', () => {
  it('has default first, then the CLI\'s contexts by name, the current one marked', () => {
    const list = listContexts({}, home);
    expect(list.map((c) => [c.name, c.host, c.current, c.tls])).toEqual([
      ['default', 'unix:///var/run/docker.sock', false, false],
      ['box', 'ssh://dev@build-box:2222', false, false],
      ['secure', 'tcp://10.0.0.9:2376', true, true],
    ]);
    expect(list[1]!.description).toBe('the build box');
  });

  it('describes a missing chosen context as an error, still listing the others', () => {
    const info = describeEngine({ context: 'gone' }, {}, home);
    expect(info.address).toBe('');
    expect(info.error?.message).toContain('Docker context "gone"');
    expect(info.contexts).toHaveLength(3);
  });
});

describe('the connection to a resolved engine', () => {
  it('uses the context\'s TLS files for tcp:// (https on the given port)', () => {
    const ep = engineEndpoint(resolveEngine({}, {}, home), {});
    expect(ep.options).toMatchObject({ host: '10.0.0.9', port: 2376, protocol: 'https' });
    expect(String(ep.options.ca)).toContain('BEGIN ca.pem');
    expect(String(ep.options.key)).toContain('BEGIN key.pem');
  });

  it('splits ssh://user@host:port, defaulting the user and port', () => {
    expect(engineEndpoint({ host: 'ssh://dev@build-box:2222', source: 'setting' }).ssh).toEqual({ user: 'dev', host: 'build-box', port: 2222 });
    expect(engineEndpoint({ host: 'ssh://build-box', source: 'setting' }).ssh).toMatchObject({ host: 'build-box', port: 22 });
  });

  it('refuses an ssh:// address with a path, and an unknown scheme', () => {
    expect(() => engineEndpoint({ host: 'ssh://dev@box/var/run/docker.sock', source: 'setting' })).toThrow('has a path');
    expect(() => engineEndpoint({ host: 'fd://3', source: 'setting' })).toThrow('is not one Prodlike knows');
  });
});
