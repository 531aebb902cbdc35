// 6. Fleet: `prodlike drift` and `capture` of 100 SSH hosts × 50 resources, and Ansible (forks=50,
// pipelining, ControlPersist, --check) doing the same checks on the same hosts.
//
// The hosts: one container from debian:bookworm running 100 sshd, each on its own port with its own
// host key, reached at the container's address (no published ports, nothing outside the bench's own
// container). Each host's 50 resources (directories, files, lines, a group and a user per 10) live
// under names of its own, and are put in place by a script before anything is measured, so that both
// tools find every host in sync: a drift that finds anything, or an Ansible check that would change
// anything, fails the section (it would not be the same work).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { interleave, med, medianTimeline, memMb, ms, writeFileIn, type Ctx } from './context.js';
import { commandExists, docker, log, median, must, PREFIX, rand, run, tempDir, type Proc } from './lib.js';
import { testKey, waitForBanner } from '../support/sshd.js';
import { ansibleCfg, fleetInventory, fleetPlaybook, fleetProfile, fleetSeed, type FleetHost } from './workloads.js';

const SECTION = 'fleet (100 SSH hosts)';
const BASE_PORT = 2200;
const FLEET_PREFIX = 'pl-fleetbench-';

/** The fleet's container: `count` sshd on ports BASE_PORT+1…, each host seeded with its resources. */
async function startFleet(ctx: Ctx, count: number, resources: number): Promise<FleetHost[]> {
  const key = await testKey();
  // Not pl-bench-*: a bench that starts elsewhere removes those as a crashed run's leftovers.
  const name = `${FLEET_PREFIX}${rand()}`;
  const id = await docker('run', '-d', '--rm', '--init', '--name', name, 'debian:bookworm', 'sleep', 'infinity');
  ctx.cleanup.add(`fleet container ${name}`, () => run('docker', ['rm', '-f', id]));
  const script = `set -e
mkdir -p /root/.ssh /run/sshd /etc/ssh/fleet && chmod 700 /root/.ssh
printf '%s\\n' '${key.publicKey}' > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys
for i in $(seq 1 ${count}); do
  ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/fleet/h$i
  /usr/sbin/sshd -p $((${BASE_PORT} + i)) -h /etc/ssh/fleet/h$i -o PidFile=/run/sshd-h$i.pid -o PasswordAuthentication=no -o MaxStartups=200
done`;
  await must('docker', ['exec', '-i', id, 'sh', '-s'], { input: script });
  const seed = Array.from({ length: count }, (_, i) => fleetSeed(`h${i + 1}`, i + 1, resources)).join('');
  await must('docker', ['exec', '-i', id, 'sh', '-s'], { input: seed, timeoutMs: 600_000 });
  const address = (await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id)).split(/\s+/)[0]!;
  const keys = (await docker('exec', id, 'sh', '-c', `for i in $(seq 1 ${count}); do cut -d' ' -f1,2 /etc/ssh/fleet/h$i.pub; done`)).split('\n');
  const hosts = keys.map((k, i): FleetHost => ({ name: `h${i + 1}`, address, port: BASE_PORT + i + 1, identity: key.identity }));
  await waitForBanner(address, hosts.at(-1)!.port, 30_000);
  await mkdir(path.dirname(ctx.cli.knownHosts), { recursive: true });
  await writeFile(ctx.cli.knownHosts, hosts.map((h, i) => `[${address}]:${h.port} ${keys[i]}`).join('\n') + '\n', { flag: 'a' });
  return hosts;
}

/** "h7 : ok=50 changed=0 unreachable=0 failed=0 …" for every host of the recap. */
function recapTotals(p: Proc): { hosts: number; ok: number; changed: number; bad: number } {
  const t = { hosts: 0, ok: 0, changed: 0, bad: 0 };
  for (const m of p.stdout.matchAll(/^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    t.hosts++;
    t.ok += Number(m[1]);
    t.changed += Number(m[2]);
    t.bad += Number(m[3]) + Number(m[4]);
  }
  return t;
}

function driftReport(p: Proc): { findings: { status: string }[]; errors: unknown[] } {
  return (JSON.parse(p.stdout.trim().split('\n').pop()!) as { report: { findings: { status: string }[]; errors: unknown[] } }).report;
}

export async function fleetSuite(ctx: Ctx): Promise<void> {
  const count = 100;
  const resources = 50;
  log(`${SECTION}: starting ${count} sshd in one container, seeding ${count} × ${resources} resources`);
  const hosts = await startFleet(ctx, count, resources);
  const tag = rand();
  const profileOf = async (n: number) => {
    const name = `${PREFIX}fleet-${n}-${tag}`;
    return writeFileIn(ctx, `profiles/${name}.yaml`, fleetProfile(name, hosts.slice(0, n), resources));
  };
  const all = await profileOf(count);
  const baseline = path.join(ctx.cli.dir, 'baselines', `fleet-${tag}.yaml`);
  const drift = (file: string) => async () => {
    const p = await ctx.cli.run(['drift', file, '--json']);
    const r = driftReport(p);
    const drifted = r.findings.filter((f) => f.status !== 'in-sync').length;
    if (r.errors.length || drifted) throw new Error(`fleet drift found ${drifted} drifted resource(s) and ${r.errors.length} error(s): the hosts are not in the state both tools check`);
    return p;
  };
  const capture = () => ctx.cli.run(['capture', all, '--out', baseline, '--json']);
  const reps = ctx.quick ? 3 : 5;
  log(`${SECTION}: prodlike drift and capture of ${count} hosts × ${resources} resources (n=${reps})`);
  const [d, c] = await interleave(reps, 1, [drift(all), capture]);
  const findings = driftReport(d![0]!).findings.length;
  if (findings !== count * resources) throw new Error(`fleet drift reported ${findings} findings, expected ${count * resources}`);
  const peak = (ps: Proc[]) => Math.max(...memMb(ps));
  ctx.results.add({ section: SECTION, metric: `drift, ${count} hosts × ${resources} resources`, prodlike: med(d!), unit: 'ms', n: reps, samples: { prodlike: ms(d!) }, timeline: medianTimeline(d!), target: { text: '≤ 10 s', met: med(d!) <= 10_000 } });
  ctx.results.add({ section: SECTION, metric: `capture, ${count} hosts`, prodlike: med(c!), unit: 'ms', n: reps, samples: { prodlike: ms(c!) }, timeline: medianTimeline(c!), target: { text: '≤ 10 s', met: med(c!) <= 10_000 } });
  const mem = peak([...d!, ...c!]);
  ctx.results.add({ section: SECTION, metric: `peak memory (VmHWM), drift and capture of ${count} hosts`, prodlike: mem, unit: 'MB', n: d!.length + c!.length, note: `drift median ${median(memMb(d!)).toFixed(0)} MB, capture median ${median(memMb(c!)).toFixed(0)} MB`, target: { text: '≤ 200 MB', met: mem <= 200 } });

  if (!commandExists('ansible-playbook')) {
    ctx.results.skip(`${SECTION} (Ansible side)`, "ansible-playbook not found: install Debian's `ansible-core`");
    return;
  }
  // Ansible checks 5000 resources at about 0.2 s of CPU each on this machine: the whole fleet takes
  // minutes. --quick compares on the first 10 hosts (both tools, same hosts), and says so.
  const n = ctx.quick ? 10 : count;
  const adir = await tempDir('fleet-ansible');
  await mkdir(path.join(adir, 'cp'), { recursive: true });
  await writeFile(path.join(adir, 'ansible.cfg'), ansibleCfg(adir, ctx.cli.knownHosts));
  await writeFile(path.join(adir, 'inventory.ini'), fleetInventory(hosts.slice(0, n)));
  await writeFile(path.join(adir, 'site.yml'), fleetPlaybook(resources));
  const aenv = { ...ctx.cli.env, ANSIBLE_CONFIG: path.join(adir, 'ansible.cfg'), ANSIBLE_FORCE_COLOR: '0', ANSIBLE_HOME: path.join(adir, 'home') };
  const ansible = async () => {
    const p = await must('ansible-playbook', ['site.yml', '--check', '--diff', '--forks', '50'], { cwd: adir, env: aenv, timeoutMs: 3_600_000, memory: true });
    const t = recapTotals(p);
    if (t.hosts !== n || t.changed !== 0 || t.bad !== 0 || t.ok !== n * resources) throw new Error(`ansible --check on the fleet: ${JSON.stringify(t)}, expected ${n} hosts with ok=${resources} changed=0`);
    return p;
  };
  const pFile = n === count ? all : await profileOf(n);
  // One run each: on the 100 hosts one Ansible run takes ~40 min on this machine (docs/decisions.md).
  const aReps = 1;
  log(`${SECTION}: ansible-playbook --check, forks=50, on ${n} hosts (n=${aReps}), interleaved with prodlike drift of the same hosts`);
  // Warm first, as its users' are: `ansible -m ping` opens Ansible's ControlPersist connections to every
  // host (a whole playbook as the warm-up would double a 40-minute run); Prodlike's drift warms its own.
  await must('ansible', ['all', '-i', 'inventory.ini', '-m', 'ping', '--forks', '50', '-o'], { cwd: adir, env: aenv, timeoutMs: 900_000 });
  await drift(pFile)();
  const [a, p] = await interleave(aReps, 0, [ansible, drift(pFile)]);
  ctx.results.add({
    section: SECTION,
    metric: `drift vs --check, ${n} hosts × ${resources} resources`,
    prodlike: med(p!),
    peer: med(a!),
    peerName: 'ansible-playbook --check --diff, forks=50',
    unit: 'ms',
    n: aReps,
    samples: { prodlike: ms(p!), peer: ms(a!) },
    target: { text: '≥ 10× faster', met: med(a!) / med(p!) >= 10 },
    note: `Ansible peak memory ${Math.max(...memMb(a!)).toFixed(0)} MB (its largest single process)${n < count ? `; --quick: ${n} of the ${count} hosts` : ''}`,
  });
}
