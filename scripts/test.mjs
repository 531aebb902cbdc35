// `npm test`: everything a change must pass, in order of cost. Prepares what it can (a stopped Docker
// engine, the local base image) and otherwise says exactly what is missing.
//   npm test                  typecheck, lint, build, unit, integration, e2e
//   npm test -- --only unit   one stage (typecheck|lint|build|unit|integration|e2e)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const passthrough = argv.filter((a, i) => a !== '--only' && argv[i - 1] !== '--only');
const started = Date.now();
const totals = { passed: 0, failed: 0, skipped: 0 };

function run(title, cmd, args, opts = {}) {
  console.log(`\n── ${title} ──`);
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : process.env.FORCE_COLOR }, ...opts });
  console.log(`   ${title}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return r.status === 0;
}

function vitest(project) {
  mkdirSync(path.join(root, 'test-results'), { recursive: true });
  const out = path.join(root, 'test-results', `vitest-${project}.json`);
  const ok = run(`${project} tests`, 'npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...passthrough]);
  if (existsSync(out)) {
    const j = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += j.numPassedTests ?? 0;
    totals.failed += j.numFailedTests ?? 0;
    totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  }
  return ok;
}

const stages = [
  ['typecheck', () => run('typecheck (node side, web side)', 'npx', ['tsc', '-p', 'tsconfig.node.json']) && run('typecheck web', 'npx', ['tsc', '-p', 'tsconfig.web.json'])],
  ['lint', () => run('lint', 'npx', ['eslint', '.'])],
  ['build', () => run('build', 'node', ['scripts/build.mjs'])],
  ['unit', () => vitest('unit')],
  ['docker', () => run('Docker engine and base image', 'bash', ['scripts/ensure-docker.sh'])],
  ['integration', () => vitest('integration')],
  ['e2e', () => vitest('e2e')],
];

let failed = [];
for (const [name, fn] of stages) {
  if (only && name !== only && !(name === 'docker' && (only === 'integration' || only === 'e2e')) && !(name === 'build' && only === 'e2e')) continue;
  if (!fn()) {
    failed.push(name);
    // Without an engine the Docker-backed stages cannot say anything useful.
    if (name === 'docker' || name === 'build' || name === 'typecheck') break;
  }
}

console.log(`\nprodlike tests: ${failed.length ? `FAILED (${failed.join(', ')})` : 'all stages passed'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failed.length ? 1 : 0);
