// 2. Containers: 3 machines from debian:bookworm (sleep infinity, init) with docker-compose and with
// prodlike; then `prodlike use` between two provisioned 3-machine profiles, and 3 machines × 10
// resources no-change.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { summary } from './ansible.js';
import { interleave, med, medianTimeline, ms, writeFileIn, type Ctx } from './context.js';
import { commandExists, log, median, must, PREFIX, rand, run, tempDir, type Proc } from './lib.js';
import { composeFile, containerProfile } from './workloads.js';

const SECTION = 'containers vs Compose';

/** Removes a prodlike profile's Docker objects through the docker CLI (also when prodlike failed). */
export async function purgeProfile(name: string): Promise<void> {
  for (const [kind, rm] of [
    [['ps', '-aq'], ['rm', '-f']],
    [['network', 'ls', '-q'], ['network', 'rm']],
    [['volume', 'ls', '-q'], ['volume', 'rm', '-f']],
  ] as const) {
    const ids = (await run('docker', [...kind, '--filter', `label=prodlike.profile=${name}`])).stdout.split('\n').filter(Boolean);
    if (ids.length) await run('docker', [...rm, ...ids]);
  }
}

export async function prodlikeProfile(ctx: Ctx, tag: string, machines: number, resources: number): Promise<{ name: string; file: string }> {
  const name = `${PREFIX}${tag}-${rand()}`;
  const file = await writeFileIn(ctx, `profiles/${name}.yaml`, containerProfile(name, machines, resources));
  ctx.cleanup.add(`profile ${name}`, async () => {
    await ctx.cli.run(['destroy', file, '--volumes', '--json']).catch(() => undefined);
    await purgeProfile(name);
  });
  return { name, file };
}

/** Running containers of prodlike profiles that are not ours: `use` would stop them. */
async function othersRunning(): Promise<string[]> {
  const out = (await run('docker', ['ps', '--filter', 'label=prodlike.profile', '--format', '{{.Label "prodlike.profile"}}'])).stdout;
  return [...new Set(out.split('\n').filter((n) => n && !n.startsWith(PREFIX)))];
}

export async function composeSuite(ctx: Ctx, opts: { allowUse: boolean }): Promise<void> {
  const haveCompose = commandExists('docker-compose');
  if (!haveCompose) ctx.results.skip(`${SECTION} (compose side)`, 'docker-compose not found: install Debian\'s `docker-compose` (apt-get install docker-compose)');
  const cycles = ctx.quick ? 2 : 3;

  const pl = await prodlikeProfile(ctx, 'c', 3, 0);
  const dir = await tempDir('compose');
  const project = `${PREFIX}compose-${rand()}`.replace(/[^a-z0-9_-]/g, '');
  await writeFile(path.join(dir, 'docker-compose.yml'), composeFile(3));
  const compose = (...args: string[]) => must('docker-compose', ['-p', project, ...args], { cwd: dir, timeoutMs: 300_000 });
  if (haveCompose) ctx.cleanup.add(`compose ${project}`, () => compose('down', '-v', '--remove-orphans', '-t', '0'));
  const prodlike = (...args: string[]) => ctx.cli.run([...args, pl.file, '--json']);
  const skipCompose = async (): Promise<Proc> => ({ code: 0, stdout: '', stderr: '', ms: NaN, lineTimes: [] });

  log(`${SECTION}: first up (${cycles} cycles of remove + up)`);
  const firstC: number[] = [];
  const firstP: Proc[] = [];
  for (let i = 0; i < cycles; i++) {
    if (haveCompose) {
      await compose('down', '-v', '-t', '0');
      firstC.push((await compose('up', '-d')).ms);
    }
    await prodlike('destroy');
    firstP.push(await prodlike('up'));
  }
  ctx.results.add({ section: SECTION, metric: 'first up, 3 containers', prodlike: med(firstP), peer: haveCompose ? median(firstC) : undefined, peerName: 'docker-compose up -d', unit: 'ms', n: cycles, samples: { prodlike: ms(firstP), peer: firstC }, timeline: medianTimeline(firstP), target: undefined });

  log(`${SECTION}: no-change up`);
  const [cNo, pNo] = await interleave(ctx.reps, 1, [haveCompose ? () => compose('up', '-d') : skipCompose, () => prodlike('up')]);
  ctx.results.add({ section: SECTION, metric: 'no-change up, 3 containers', prodlike: med(pNo!), peer: haveCompose ? med(cNo!) : undefined, peerName: 'docker-compose up -d', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pNo!), peer: ms(cNo!) }, timeline: medianTimeline(pNo!) });

  log(`${SECTION}: no-change up through the agent`);
  await ctx.cli.runAgent(['agent', 'start']);
  ctx.cleanup.add('agent', () => ctx.cli.runAgent(['agent', 'stop']));
  await ctx.cli.runAgent(['up', pl.file, '--json']);
  const [cAg, pAg] = await interleave(ctx.reps, 1, [haveCompose ? () => compose('up', '-d') : skipCompose, () => ctx.cli.runAgent(['up', pl.file, '--json'])]);
  ctx.results.add({ section: SECTION, metric: 'no-change up, 3 containers, with the agent', prodlike: med(pAg!), peer: haveCompose ? med(cAg!) : undefined, peerName: 'docker-compose up -d', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pAg!), peer: ms(cAg!) }, timeline: medianTimeline(pAg!), target: haveCompose ? { text: 'no slower than Compose', met: med(pAg!) <= med(cAg!) } : undefined });

  log(`${SECTION}: stop / start`);
  const stopC: number[] = [];
  const startC: number[] = [];
  const startC2: number[] = [];
  const stopP: Proc[] = [];
  const startP: Proc[] = [];
  for (let i = 0; i < cycles; i++) {
    if (haveCompose) {
      stopC.push((await compose('stop')).ms);
      startC.push((await compose('up', '-d')).ms);
      await compose('stop');
      startC2.push((await compose('start')).ms);
    }
    stopP.push(await prodlike('down'));
    startP.push(await prodlike('up'));
  }
  ctx.results.add({ section: SECTION, metric: 'stop, 3 containers (down)', prodlike: med(stopP), peer: haveCompose ? median(stopC) : undefined, peerName: 'docker-compose stop', unit: 'ms', n: cycles, samples: { prodlike: ms(stopP), peer: stopC } });
  ctx.results.add({ section: SECTION, metric: 'start again (up)', prodlike: med(startP), peer: haveCompose ? median(startC) : undefined, peerName: 'docker-compose up -d', unit: 'ms', n: cycles, samples: { prodlike: ms(startP), peer: startC }, timeline: medianTimeline(startP) });
  ctx.results.add({ section: SECTION, metric: 'start again (up)', prodlike: med(startP), peer: haveCompose ? median(startC2) : undefined, peerName: 'docker-compose start', unit: 'ms', n: cycles, samples: { prodlike: ms(startP), peer: startC2 } });
  if (haveCompose) await compose('down', '-v', '-t', '0');

  log(`${SECTION}: 3 machines × 10 resources, no-change up`);
  const p10 = await prodlikeProfile(ctx, 'c10', 3, 10);
  const up10 = await ctx.cli.run(['up', p10.file, '--json']);
  if ((summary(up10).changed ?? 0) < 30) throw new Error(`3×10 first up changed only ${summary(up10).changed}`);
  const [no10] = await interleave(ctx.reps, 1, [() => ctx.cli.run(['up', p10.file, '--json'])]);
  for (const r of no10!) if (summary(r).changed !== 0) throw new Error(`3×10 no-change up changed ${summary(r).changed}`);
  ctx.results.add({ section: SECTION, metric: 'no-change up, 3 containers × 10 resources', prodlike: med(no10!), unit: 'ms', n: ctx.reps, samples: { prodlike: ms(no10!) }, timeline: medianTimeline(no10!) });
  await ctx.cli.runAgent(['up', p10.file, '--json']);
  const [ag10] = await interleave(ctx.reps, 1, [() => ctx.cli.runAgent(['up', p10.file, '--json'])]);
  for (const r of ag10!) if (summary(r).changed !== 0) throw new Error(`3×10 no-change up (agent) changed ${summary(r).changed}`);
  ctx.results.add({ section: SECTION, metric: 'no-change up, 3 containers × 10 resources, with the agent', prodlike: med(ag10!), unit: 'ms', n: ctx.reps, samples: { prodlike: ms(ag10!) }, timeline: medianTimeline(ag10!), target: { text: '≤ 400 ms', met: med(ag10!) <= 400 } });
  const drift10 = (await interleave(ctx.reps, 1, [() => ctx.cli.run(['drift', p10.file, '--json'])]))[0]!;
  ctx.results.add({ section: SECTION, metric: 'drift, 3 containers × 10 resources', prodlike: med(drift10), unit: 'ms', n: ctx.reps, samples: { prodlike: ms(drift10) }, timeline: medianTimeline(drift10) });
  await ctx.cli.run(['destroy', p10.file, '--json']);

  // use: A (pl) and B, both provisioned; switch back and forth.
  const others = await waitQuiet(ctx.quick ? 20_000 : 60_000);
  if (others.length && !opts.allowUse) {
    ctx.results.skip(`${SECTION}: use`, `the engine is not quiet: \`prodlike use\` would stop other profiles' running containers (${others.join(', ')}); re-run on a quiet engine or pass --allow-use`);
    return;
  }
  log(`${SECTION}: use A <-> B`);
  const b = await prodlikeProfile(ctx, 'u', 3, 0);
  await ctx.cli.run(['up', b.file, '--json']);
  await ctx.cli.run(['up', pl.file, '--json']);
  const uses: Proc[] = [];
  for (let i = 0; i < ctx.reps + 1; i++) {
    const to = i % 2 === 0 ? b.file : pl.file;
    const r = await ctx.cli.run(['use', to, '--json']);
    if (i > 0) uses.push(r);
  }
  ctx.results.add({ section: SECTION, metric: 'use: switch between two 3-machine profiles', prodlike: med(uses), unit: 'ms', n: uses.length, samples: { prodlike: ms(uses) }, timeline: medianTimeline(uses) });
}

async function waitQuiet(timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const others = await othersRunning();
    if (!others.length || Date.now() > deadline) return others;
    log(`waiting for a quiet engine (running: ${others.join(', ')})`);
    await new Promise((r) => setTimeout(r, 5000));
  }
}
