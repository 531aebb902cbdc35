// `npm run bench`: Prodlike against Ansible and Docker Compose on the same work, on this machine, as
// ratios (peer / Prodlike). A benchmark, not a test: it prints figures and fails only when the work
// itself fails.
//
//   npm run bench                      everything (≈ 10 minutes)
//   npm run bench -- --quick           fewer repetitions, one fresh container pair
//   npm run bench -- --only ansible    one comparison: ansible | compose | scale | floor | shop | fleet | vm (repeatable)
//   npm run bench -- --only vm         a local QEMU VM against booting it by hand (only when asked: boots take minutes)
//   npm run -s bench -- --json         the same figures as one JSON document on stdout (-s: no npm banner)
//   npm run bench -- --markdown F      also write the report (Markdown) to F
//   npm run bench -- --allow-use       measure `prodlike use` even when other profiles run (it stops them)
//
// Every Docker object it makes is named pl-bench-* and removed at the end, also on failure.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ansibleSuite } from './ansible.js';
import { composeSuite } from './compose.js';
import type { Ctx } from './context.js';
import { fleetSuite } from './fleet.js';
import { floorSuite, startupSuite } from './floor.js';
import { Cleanup, log, makeCli, removeLeftovers, removeTempDirs, tempDir } from './lib.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { loadLines, ratio, Results, table, targetsSummary, timelines, type Figure } from './results.js';
import { scaleSuite } from './scale.js';
import { shopSuite } from './shop.js';
import { BEFORE_CACHE_NAME } from './before-cache.js';
import { vmSuite } from './vm.js';

const SUITES = ['ansible', 'compose', 'scale', 'floor', 'shop', 'fleet', 'vm'] as const;
type Suite = (typeof SUITES)[number];

/** The issue's targets on figures that only have meaning once all are in. */
function applyTargets(r: Results): void {
  const find = (section: string, metric: string, peer?: string): Figure | undefined => r.figures.find((f) => f.section.startsWith(section) && f.metric.startsWith(metric) && (!peer || f.peerName === peer));
  const atLeast = (f: Figure | undefined, x: number, text: string) => {
    const q = f && ratio(f);
    if (f && q !== undefined) f.target = { text, met: q >= x };
  };
  atLeast(find('ssh config', 'no-change re-run'), 10, '≥ 10× faster');
  atLeast(find('ssh config', 'dry run: drift'), 10, '≥ 10× faster');
  atLeast(find('ssh config', 'first apply'), 2, '≥ 2× faster');
  // The in-process "no slower" targets were set against Compose 1.29 (the bench's peer then), and are
  // judged against it; against Compose v2 the target is the agent's (issue 14, compose.ts), and the
  // in-process v2 rows are shown without one.
  const findCompose = (metric: string) => r.figures.find((f) => f.section.startsWith('containers') && f.metric === metric && f.peerName?.startsWith('docker-compose 1.29'));
  atLeast(findCompose('first up, 3 containers'), 1, 'no slower than Compose 1.29');
  atLeast(findCompose('no-change up, 3 containers'), 1, 'no slower than Compose 1.29');
  const use = find('containers', 'use:');
  if (use?.prodlike !== undefined) use.target = { text: '≤ 2 s', met: use.prodlike <= 2000 };
  const fromCache = find('shop from cache', 'fresh up after destroy');
  if (fromCache?.prodlike !== undefined) {
    const q = ratio(fromCache);
    fromCache.target = { text: '≤ Compose v2 warm (goal ≤ 3 s)', met: (q === undefined || q >= 1) && fromCache.prodlike <= 3000 };
  }
  // Issue 12's "cold no slower than today": today then was the engine before the cache (before-cache.ts).
  // Without it (a shallow clone), the rows are shown against --no-cache, with no target: saving costs
  // the commit, and that is not what the issue asked to keep.
  atLeast(find('shop from cache', 'fresh up, 4 machines, cold, saving to the cache (apt lists kept', BEFORE_CACHE_NAME), 1, 'no slower than before the cache');
  atLeast(find('shop from cache', 'fresh up, 4 machines, cold, saving to the cache, apt lists fetched', BEFORE_CACHE_NAME), 1, 'no slower than before the cache');
  // 3 × 10 no-change ≤ 0.4 s is the agent row's target since issue 14 (compose.ts); in-process it was missed before the agent existed.
}

function markdown(info: MachineInfo, r: Results, command: string): string {
  return `## Results ${info.date}

Command: \`${command}\`

Machine: ${info.cpus} × ${info.cpuModel}, ${info.memGb} GB memory, Linux ${info.kernel}, Node ${info.node}; Docker ${info.docker}, ${info.ansible}, ${info.compose}.
Load average (1/5/15 min): at start ${info.loadStart}, at end ${info.loadEnd ?? '?'}.

Medians (ms unless noted); ratio = peer / Prodlike (> 1: Prodlike is faster).

${table(r)}

${targetsSummary(r)}

Load average (1/5/15 min) at the start → end of each section:

${loadLines(r)}

Where Prodlike's time goes (ms after the process started, from its --json events; the sample nearest the median):

${timelines(r)}
`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      only: { type: 'string', multiple: true },
      markdown: { type: 'string' },
      'allow-use': { type: 'boolean' },
    },
  });
  const only = (values.only ?? []).flatMap((s) => s.split(','));
  for (const o of only) if (!SUITES.includes(o as Suite)) throw new Error(`--only ${o}: expected one of ${SUITES.join(', ')}`);
  const want = (s: Suite) => (!only.length && s !== 'vm') || only.includes(s);
  const quick = !!values.quick;

  const info = await machineInfo();
  const dir = await tempDir('ws');
  const ctx: Ctx = { quick, reps: quick ? 3 : 7, cli: makeCli(dir), cleanup: new Cleanup(), results: new Results() };
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  log(`${info.cpus} cores, load ${info.loadStart}; workspace ${dir}`);
  await removeLeftovers();
  const t0 = Date.now();
  try {
    await step(ctx, 'CLI start-up', () => startupSuite(ctx));
    if (want('ansible')) await step(ctx, 'ansible', () => ansibleSuite(ctx));
    if (want('floor')) await step(ctx, 'floor', () => floorSuite(ctx));
    if (want('compose')) await step(ctx, 'compose', () => composeSuite(ctx, { allowUse: !!values['allow-use'] }));
    if (want('scale')) await step(ctx, 'scale', () => scaleSuite(ctx));
    if (want('shop')) await step(ctx, 'shop', () => shopSuite(ctx));
    if (want('fleet')) await step(ctx, 'fleet', () => fleetSuite(ctx));
    if (want('vm')) await step(ctx, 'vm', () => vmSuite(ctx));
  } finally {
    log('cleaning up');
    await ctx.cleanup.runAll();
    await removeLeftovers();
    if (!process.env.PL_BENCH_KEEP) removeTempDirs();
  }
  applyTargets(ctx.results);
  info.loadEnd = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
  log(`done in ${Math.round((Date.now() - t0) / 1000)} s`);
  const md = markdown(info, ctx.results, command);
  if (values.markdown) await writeFile(values.markdown, md);
  if (values.json) {
    process.stdout.write(JSON.stringify({ machine: info, command, figures: ctx.results.figures.map((f) => ({ ...f, ratio: ratio(f) })), loads: ctx.results.loads, skipped: ctx.results.skipped, errors: ctx.results.errors }, null, 2) + '\n');
  } else {
    process.stdout.write(md);
  }
  return ctx.results.errors.length ? 1 : 0;
}

/** Runs one comparison; its failure is recorded (and fails the run) but the others still run. */
async function step(ctx: Ctx, name: string, fn: () => Promise<void>): Promise<void> {
  const t = Date.now();
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const start = load();
  log(`${name}: load average ${start}`);
  try {
    await fn();
  } catch (err) {
    const msg = (err as Error).stack ?? String(err);
    ctx.results.errors.push({ section: name, error: msg });
    log(`${name} FAILED: ${msg}`);
  }
  ctx.results.loads.push({ section: name, start, end: load() });
  log(`${name}: ${Math.round((Date.now() - t) / 1000)} s, load average at the end ${load()}`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
