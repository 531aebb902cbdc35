import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentPaths, ensureRuntimeDir } from '../../../../electron/engine/agent/paths.js';
import { envKey, lineReader } from '../../../../electron/engine/agent/protocol.js';

describe('agentPaths', () => {
  it('one socket per data folder, in $XDG_RUNTIME_DIR/prodlike when set', () => {
    const a = agentPaths('/home/u/.local/share/prodlike', { XDG_RUNTIME_DIR: '/run/user/1000' });
    const b = agentPaths('/tmp/other-data', { XDG_RUNTIME_DIR: '/run/user/1000' });
    expect(path.dirname(a.socket)).toBe('/run/user/1000/prodlike');
    expect(a.socket).not.toBe(b.socket);
    expect(agentPaths('/home/u/.local/share/prodlike', { XDG_RUNTIME_DIR: '/run/user/1000' }).socket).toBe(a.socket);
  });
  it('else the data folder, and a short folder when that would make the socket path too long for the kernel', () => {
    expect(path.dirname(agentPaths('/d', {}).socket)).toBe('/d/run');
    const long = '/x'.repeat(60);
    const p = agentPaths(long, {});
    expect(p.socket.length).toBeLessThanOrEqual(100);
    expect(p.socket.startsWith(os.tmpdir())).toBe(true);
  });
});

describe('ensureRuntimeDir', () => {
  it('makes the folder 0700, and takes back one others could enter', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'pl-rt-'));
    const dir = path.join(root, 'prodlike');
    ensureRuntimeDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const open = path.join(root, 'open');
    mkdirSync(open, { mode: 0o777 });
    ensureRuntimeDir(open);
    expect(statSync(open).mode & 0o777).toBe(0o700);
  });
});

describe('protocol', () => {
  it('reads lines split across chunks, and skips a torn one', () => {
    const got: unknown[] = [];
    const read = lineReader((v) => got.push(v));
    read(Buffer.from('{"a":1}\n{"b"'));
    read(Buffer.from(':2}\n{torn\n\n{"c":3}\n'));
    expect(got).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });
  it('an agent is for the environments that reach the same Docker engine and ssh-agent', () => {
    expect(envKey({ DOCKER_HOST: 'unix:///a', X: '1' })).toBe(envKey({ DOCKER_HOST: 'unix:///a', X: '2' }));
    expect(envKey({ DOCKER_HOST: 'unix:///a' })).not.toBe(envKey({ DOCKER_HOST: 'unix:///b' }));
    expect(envKey({ SSH_AUTH_SOCK: '/s1' })).not.toBe(envKey({ SSH_AUTH_SOCK: '/s2' }));
  });
});
