// 2. Containers: 3 machines from debian:bookworm (sleep infinity, init) with docker-compose and with
// prodlike; then `prodlike use` between two provisioned 3-machine profiles, and 3 machines × 10
// resources no-change.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { summary } from './ansible.js';
import { interleave, med, medianTimeline, ms, writeFileIn, type Ctx } from './context.js';
import { loadProfile } from '../../electron/engine/profile/index.js';
import { buildProbeScript } from '../../electron/engine/resources/probe-script.js';
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

/** Compose v2 (Debian trixie's, unpacked by scripts/fetch-compose-v2.sh): the Compose users run today. */
const COMPOSE_V2 = process.env.PL_BENCH_COMPOSE_V2 ?? '/opt/prodlike-bench/compose-v2/usr/libexec/docker/cli-plugins/docker-compose';

interface Peer {
  /** "docker compose v2.26.1", "docker-compose 1.29": the table's peer column. */
  label: string;
  run: (...args: string[]) => Promise<Proc>;
}

export async function composeSuite(ctx: Ctx, opts: { allowUse: boolean }): Promise<void> {
  const cycles = ctx.quick ? 2 : 5;
  const pl = await prodlikeProfile(ctx, 'c', 3, 0);
  const dir = await tempDir('compose');
  await writeFile(path.join(dir, 'docker-compose.yml'), composeFile(3));
  // Compose v2 is the peer; 1.29 (Debian bookworm's) is a second row. Each has its own project.
  const peers: Peer[] = [];
  const addPeer = async (bin: string, label: string) => {
    const project = `${PREFIX}compose-${rand()}`.replace(/[^a-z0-9_-]/g, '');
    const peer: Peer = { label, run: (...args: string[]) => must(bin, ['-p', project, ...args], { cwd: dir, timeoutMs: 300_000 }) };
    ctx.cleanup.add(`compose ${project}`, () => peer.run('down', '-v', '--remove-orphans', '-t', '0'));
    peers.push(peer);
  };
  if (existsSync(COMPOSE_V2)) await addPeer(COMPOSE_V2, `docker compose v${(await must(COMPOSE_V2, ['version', '--short'])).stdout.trim().replace(/^v/, '')}`);
  else ctx.results.skip(`${SECTION} (Compose v2 side)`, `Compose v2 not found at ${COMPOSE_V2}: run scripts/fetch-compose-v2.sh`);
  if (commandExists('docker-compose')) await addPeer('docker-compose', 'docker-compose 1.29');
  else ctx.results.skip(`${SECTION} (Compose 1.29 side)`, "docker-compose not found: install Debian's `docker-compose` (apt-get install docker-compose)");
  const prodlike = (...args: string[]) => ctx.cli.run([...args, pl.file, '--json']);
  /** Each cycle, the tools in turn; the order alternates from one cycle to the next (shared disk, cache). */
  const turns = <T>(i: number, xs: T[]) => (i % 2 ? [...xs].reverse() : xs);

  log(`${SECTION}: first up (${cycles} cycles of remove + up)`);
  const firstC: number[][] = peers.map(() => []);
  const firstP: Proc[] = [];
  for (let i = 0; i < cycles; i++) {
    const steps: (() => Promise<void>)[] = [
      ...peers.map((peer, j) => async () => {
        await peer.run('down', '-v', '-t', '0');
        firstC[j]!.push((await peer.run('up', '-d')).ms);
      }),
      async () => {
        await prodlike('destroy');
        firstP.push(await prodlike('up'));
      },
    ];
    for (const step of turns(i, steps)) await step();
  }
  const row = (metric: string, ps: Proc[], peerMs: number[][], verb: string, n: number, timeline = true) => {
    const list = peers.length ? peers : [undefined];
    list.forEach((peer, j) =>
      ctx.results.add({
        section: SECTION,
        metric,
        prodlike: med(ps),
        ...(peer ? { peer: median(peerMs[j]!), peerName: `${peer.label} ${verb}` } : {}),
        unit: 'ms',
        n,
        samples: { prodlike: ms(ps), ...(peer ? { peer: peerMs[j]! } : {}) },
        ...(timeline && j === 0 ? { timeline: medianTimeline(ps) } : {}),
      }),
    );
  };
  row('first up, 3 containers', firstP, firstC, 'up -d', cycles);

  log(`${SECTION}: no-change up`);
  const noChange = await interleave(ctx.reps, 1, [...peers.map((peer) => () => peer.run('up', '-d')), () => prodlike('up')]);
  row('no-change up, 3 containers', noChange.at(-1)!, noChange.slice(0, -1).map(ms), 'up -d', ctx.reps);

  log(`${SECTION}: no-change up through the agent`);
  await ctx.cli.runAgent(['agent', 'start']);
  ctx.cleanup.add('agent', () => ctx.cli.runAgent(['agent', 'stop']));
  await ctx.cli.runAgent(['up', pl.file, '--json']);
  // The first peer is Compose v2 when it is there: the agent's target is "no slower than Compose v2".
  const v2 = peers[0];
  const agentRuns = await interleave(ctx.reps, 1, [...(v2 ? [() => v2.run('up', '-d')] : []), () => ctx.cli.runAgent(['up', pl.file, '--json'])]);
  const pAg = agentRuns.at(-1)!;
  const cAg = v2 ? agentRuns[0] : undefined;
  ctx.results.add({ section: SECTION, metric: 'no-change up, 3 containers, with the agent', prodlike: med(pAg), peer: cAg ? med(cAg) : undefined, peerName: v2 ? `${v2.label} up -d` : 'Compose', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pAg), ...(cAg ? { peer: ms(cAg) } : {}) }, timeline: medianTimeline(pAg), target: cAg ? { text: 'no slower than Compose v2', met: med(pAg) <= med(cAg) } : undefined });

  log(`${SECTION}: stop / start`);
  const stopC: number[][] = peers.map(() => []);
  const startC: number[][] = peers.map(() => []);
  const startC2: number[][] = peers.map(() => []);
  const stopP: Proc[] = [];
  const startP: Proc[] = [];
  for (let i = 0; i < cycles; i++) {
    const steps: (() => Promise<void>)[] = [
      ...peers.map((peer, j) => async () => {
        stopC[j]!.push((await peer.run('stop')).ms);
        startC[j]!.push((await peer.run('up', '-d')).ms);
        await peer.run('stop');
        startC2[j]!.push((await peer.run('start')).ms);
      }),
      async () => {
        stopP.push(await prodlike('down'));
        startP.push(await prodlike('up'));
      },
    ];
    for (const step of turns(i, steps)) await step();
  }
  row('stop, 3 containers (down)', stopP, stopC, 'stop', cycles, false);
  row('start again (up)', startP, startC, 'up -d', cycles);
  row('start again (up)', startP, startC2, 'start', cycles, false);
  for (const peer of peers) await peer.run('down', '-v', '-t', '0');

  log(`${SECTION}: 3 machines × 10 resources, no-change up`);
  const p10 = await prodlikeProfile(ctx, 'c10', 3, 10);
  // Not from the environment cache: a state another bench saved would leave nothing to change.
  const up10 = await ctx.cli.run(['up', p10.file, '--json', '--no-cache']);
  if ((summary(up10).changed ?? 0) < 30) throw new Error(`3×10 first up changed only ${summary(up10).changed}`);
  const [no10] = await interleave(ctx.reps, 1, [() => ctx.cli.run(['up', p10.file, '--json'])]);
  for (const r of no10!) if (summary(r).changed !== 0) throw new Error(`3×10 no-change up changed ${summary(r).changed}`);
  ctx.results.add({ section: SECTION, metric: 'no-change up, 3 containers × 10 resources', prodlike: med(no10!), unit: 'ms', n: ctx.reps, samples: { prodlike: ms(no10!) }, timeline: medianTimeline(no10!) });
  await ctx.cli.runAgent(['up', p10.file, '--json']);
  // The floor: the same probe scripts through three `docker exec` at once (one per machine, as Prodlike does).
  const loaded = await loadProfile(p10.file);
  const probeDir = await tempDir('probe');
  const execs: string[] = [];
  for (const m of loaded.machines) {
    const f = path.join(probeDir, `${m.name}.sh`);
    await writeFile(f, buildProbeScript(m.resources));
    execs.push(`docker exec -i ${p10.name}-${m.name} sh -s < ${f} > /dev/null &`);
  }
  const floor3 = () => must('sh', ['-c', `${execs.join('\n')}\nwait`]);
  const [ag10, ex10] = await interleave(ctx.reps, 1, [() => ctx.cli.runAgent(['up', p10.file, '--json']), floor3]);
  for (const r of ag10!) if (summary(r).changed !== 0) throw new Error(`3×10 no-change up (agent) changed ${summary(r).changed}`);
  const floor10 = med(ex10!);
  ctx.results.add({ section: SECTION, metric: 'no-change up, 3 containers × 10 resources, with the agent', prodlike: med(ag10!), peer: floor10, peerName: '3 × docker exec -i sh -s < probe, at once', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(ag10!), peer: ms(ex10!) }, timeline: medianTimeline(ag10!), target: { text: '≤ 400 ms and ≤ 2× floor', met: med(ag10!) <= 400 && med(ag10!) <= 2 * floor10 } });
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
