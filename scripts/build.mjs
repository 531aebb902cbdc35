// Builds everything that runs: the CLI, the browser-mode server, Electron's main and preload (esbuild,
// one file each, so the CLI starts fast) and the renderer (Vite). `--quiet` prints only errors.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const quiet = process.argv.includes('--quiet');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const log = (...a) => quiet || console.log(...a);

// dockerode requires its gRPC session code (buildkit builds only) and docker-modem its ssh:// support
// (ssh2) when they load: ~100 ms of every CLI run that talks to Docker. Made lazy: they load on first use.
const LAZY_REQUIRES = [
  { file: /dockerode[\\/]lib[\\/]docker\.js$/, from: "withSession = require('./session'),", to: "withSession = function () { return require('./session').apply(this, arguments); }," },
  { file: /docker-modem[\\/]lib[\\/]modem\.js$/, from: "ssh = require('./ssh'),", to: "ssh = function () { return require('./ssh').apply(this, arguments); }," },
  // docker-modem formats every request with util.inspect (depth: null) for a debug line that is off
  // unless DEBUG=modem: ~15 ms of CPU per Docker API call. Format it only when it will be printed.
  { file: /docker-modem[\\/]lib[\\/]modem\.js$/, from: "debug('Sending: %s', util.inspect(options, {", to: "if (debug.enabled) debug('Sending: %s', util.inspect(options, {" },
];
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    b.onLoad({ filter: /(dockerode|docker-modem)[\\/]lib[\\/](docker|modem)\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      for (const l of LAZY_REQUIRES) {
        if (!l.file.test(args.path)) continue;
        if (!text.includes(l.from)) throw new Error(`lazy-requires: ${args.path} changed; update scripts/build.mjs`);
        text = text.replace(l.from, l.to);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

const common = {
  plugins: [lazyRequires],
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'error',
  absWorkingDir: root,
  // Native or optional modules that must be resolved at run time, not bundled.
  external: ['electron', 'cpu-features', './crypto/build/Release/sshcrypto.node', 'ssh2'],
  // jsonc-parser's "main" is a UMD build whose require('./impl/…') calls a bundler cannot follow.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

const esm = {
  ...common,
  format: 'esm',
  // Bundled CommonJS dependencies call require(); give ESM output one.
  banner: { js: "import { createRequire as __plCreateRequire } from 'node:module'; const require = __plCreateRequire(import.meta.url);" },
};

const targets = [
  // Split so that `prodlike --version` and `--help` do not parse the engine (dockerode, ssh2).
  { name: 'cli', entry: 'electron/cli/main.ts', outdir: 'dist/cli', opts: { ...esm, splitting: true, outExtension: { '.js': '.mjs' }, chunkNames: 'chunks/[name]-[hash]' } },
  { name: 'web', entry: 'electron/web/server.ts', out: 'dist/web/server.mjs', opts: esm },
  { name: 'main', entry: 'electron/main/main.ts', out: 'dist/electron/main.cjs', opts: { ...common, format: 'cjs' } },
  { name: 'preload', entry: 'electron/preload/preload.ts', out: 'dist/electron/preload.cjs', opts: { ...common, format: 'cjs', external: ['electron'] } },
];

const started = Date.now();
for (const t of targets) {
  // Split builds leave hashed chunks behind: start from an empty folder.
  if (t.outdir && (!only || only === t.name)) rmSync(path.join(root, t.outdir), { recursive: true, force: true });
  if (only && only !== t.name) continue;
  if (!existsSync(path.join(root, t.entry))) continue;
  await build({ ...t.opts, entryPoints: [t.entry], ...(t.outdir ? { outdir: t.outdir } : { outfile: t.out }) });
  log(`built ${t.out ?? t.outdir}`);
  if (t.name === 'cli') buildNativeClient();
}

// The native client (electron/cli/native/client.c) hands runs to a warm agent without starting Node.
// Optional: without a C compiler, or off Linux, bin/prodlike runs the Node CLI for everything.
function buildNativeClient() {
  if (process.platform !== 'linux') return;
  const cc = process.env.CC || 'cc';
  const out = path.join(root, 'dist/cli/prodlike-client');
  const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-o', out, path.join(root, 'electron/cli/native/client.c')], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    rmSync(out, { force: true });
    console.warn(`prodlike: the native client was not built (${r.error ? `${cc}: ${r.error.message}` : r.stderr.trim()}); runs through the agent start Node instead`);
    return;
  }
  if (r.stderr.trim()) console.warn(r.stderr.trim());
  log('built dist/cli/prodlike-client');
}

if ((!only || only === 'renderer') && existsSync(path.join(root, 'renderer/index.html'))) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ root: path.join(root, 'renderer'), logLevel: quiet ? 'error' : 'info', configFile: path.join(root, 'vite.config.ts') });
  log('built dist/renderer');
}
log(`build done in ${Date.now() - started} ms`);
