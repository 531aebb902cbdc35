// A real Docker registry (Debian's `docker-registry` package) on 127.0.0.1 for the cache's bake/pull
// tests. The engine treats 127.0.0.0/8 registries as insecure (plain HTTP) by default.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Registry {
  /** host:port */
  address: string;
  stop(): Promise<void>;
}

const BIN = '/usr/bin/docker-registry';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A user and password the registry asks for. */
export interface RegistryLogin {
  user: string;
  password: string;
}

/** A bcrypt hash for the registry's htpasswd (Python's crypt: Debian's libxcrypt has bcrypt). */
function bcrypt(password: string): string {
  return execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', password], { encoding: 'utf8' }).trim();
}

/** `auth`: the registry asks for this user and password (htpasswd, over plain HTTP on 127.0.0.1). */
export async function startRegistry(opts: { auth?: RegistryLogin } = {}): Promise<Registry> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: install Debian's docker-registry package (.ci/run does)`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-registry-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  await writeFile(
    path.join(dir, 'config.yml'),
    `version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: ${dir}/data }
  delete: { enabled: true }
http:
  addr: ${address}
${opts.auth ? `auth:\n  htpasswd: { realm: prodlike-test, path: ${dir}/htpasswd }\n` : ''}`,
  );
  if (opts.auth) await writeFile(path.join(dir, 'htpasswd'), `${opts.auth.user}:${bcrypt(opts.auth.password)}\n`);
  const child: ChildProcess = spawn(BIN, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://${address}/v2/`);
      if (res.ok || (opts.auth && res.status === 401)) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`the registry did not start on ${address}: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address,
    async stop() {
      child.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The tags of a repository, asked of the registry itself. */
export async function registryTags(address: string, repo: string, auth?: RegistryLogin): Promise<string[]> {
  const headers: Record<string, string> = auth ? { Authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` } : {};
  const res = await fetch(`http://${address}/v2/${repo}/tags/list`, { headers });
  if (!res.ok) return [];
  return ((await res.json()) as { tags?: string[] | null }).tags ?? [];
}
