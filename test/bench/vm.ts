// 5. A local VM: `prodlike up` of one vm: machine (create, boot, wait for cloud-init, configure one
// file) next to the floor: the same image and seed booted by hand with the same QEMU flags, timed until
// `ssh true` succeeds and until cloud-init reports done. One boot each (boots take minutes under TCG).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeSeed } from '../../electron/engine/backends/vm/cloud-init.js';
import { kvmFacts } from '../../electron/engine/backends/vm/vm-doctor.js';
import { chooseAccel, qemuArgs } from '../../electron/engine/backends/vm/vm-plan.js';
import type { VmMachineSpec } from '../../shared/profile.js';
import type { Ctx } from './context.js';
import { log, must, PREFIX, rand, ROOT, run } from './lib.js';

const SECTION = 'local VM (QEMU)';

export async function vmSuite(ctx: Ctx): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v qemu-system-x86_64 && command -v qemu-img'], { stdio: 'ignore' }).status !== 0) {
    ctx.results.skip(SECTION, 'QEMU is not installed');
    return;
  }
  log(`${SECTION}: building (or reusing) the test image`);
  const image = execFileSync('bash', [path.join(ROOT, 'scripts/vm-test-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const accel = chooseAccel({ platform: process.platform, arch: process.arch, kvm: (await kvmFacts()).virt }, 'x86_64');
  const spec: VmMachineSpec = {
    image: `${image}/disk.qcow2`,
    kernel: `${image}/vmlinuz`,
    initrd: `${image}/initrd.img`,
    append: 'root=/dev/vda rw',
    arch: 'x86_64',
    cpus: 2,
    memoryMiB: 1024,
    diskBytes: 3 * 2 ** 30,
    ports: [],
    folders: [],
    bootTimeoutMs: 900_000,
  };

  // The floor: by hand.
  const dir = path.join(ctx.cli.dir, 'vm-floor');
  await mkdir(dir, { recursive: true });
  ctx.cleanup.add('floor VM', async () => {
    const pid = Number(readFileSync(path.join(dir, 'qemu.pid'), 'utf8'));
    if (pid) process.kill(pid, 'SIGKILL');
  });
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id')]);
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'hk')]);
  const seed = { instanceId: `floor-${rand()}`, hostname: 'floor', authorizedKey: readFileSync(path.join(dir, 'id.pub'), 'utf8'), hostKey: { private: readFileSync(path.join(dir, 'hk'), 'utf8'), public: readFileSync(path.join(dir, 'hk.pub'), 'utf8') } };
  await writeSeed(path.join(dir, 'seed.iso'), seed);
  await must('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', spec.image, path.join(dir, 'disk.qcow2'), String(spec.diskBytes)]);
  const port = 40000 + Math.floor(Math.random() * 20000);
  await writeFile(path.join(dir, 'kh'), `[127.0.0.1]:${port} ${seed.hostKey.public}`);
  const args = qemuArgs({ spec, accel, name: 'floor', overlay: path.join(dir, 'disk.qcow2'), seed: path.join(dir, 'seed.iso'), qmpSocket: path.join(dir, 'qmp.sock'), serialLog: path.join(dir, 'serial.log'), pidFile: path.join(dir, 'qemu.pid'), sshPort: port, folders: { mode: 'none' } });
  log(`${SECTION}: booting the floor VM by hand (${accel})`);
  const t0 = Date.now();
  await must('qemu-system-x86_64', args);
  const sshArgs = ['-i', path.join(dir, 'id'), '-o', `UserKnownHostsFile=${path.join(dir, 'kh')}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-p', String(port), 'prodlike@127.0.0.1', 'true'];
  let sshMs = 0;
  let readyMs = 0;
  while (!sshMs || !readyMs) {
    if (Date.now() - t0 > 900_000) throw new Error('the floor VM did not boot within 900 s');
    if (!readyMs && existsSync(path.join(dir, 'serial.log')) && readFileSync(path.join(dir, 'serial.log'), 'utf8').includes('prodlike-vm-ready')) readyMs = Date.now() - t0;
    if (!sshMs && (await run('ssh', sshArgs, { timeoutMs: 20_000 })).code === 0) sshMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 250));
  }
  process.kill(Number(readFileSync(path.join(dir, 'qemu.pid'), 'utf8')), 'SIGKILL');
  await rm(dir, { recursive: true, force: true });

  // Prodlike: the same VM, one file to configure.
  const name = `${PREFIX}vm-${rand()}`;
  const file = path.join(ctx.cli.dir, 'profiles', `${name}.yaml`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `name: ${name}\nmachines:\n  web:\n    vm:\n      image: ${spec.image}\n      kernel: ${spec.kernel}\n      initrd: ${spec.initrd}\n      append: ${spec.append}\n      cpus: 2\n      memory: 1G\n      disk: 3G\n    resources:\n      - file: /etc/bench.txt\n        content: "x\\n"\n`,
  );
  ctx.cleanup.add(`vm ${name}`, () => run(process.execPath, [path.join(ROOT, 'bin/prodlike.mjs'), 'destroy', file], { cwd: ctx.cli.dir, env: { ...ctx.cli.env, PRODLIKE_VM_ACCEL: accel } }));
  log(`${SECTION}: prodlike up of the same VM`);
  const up = await must(process.execPath, [path.join(ROOT, 'bin/prodlike.mjs'), 'up', file, '--json'], { cwd: ctx.cli.dir, env: { ...ctx.cli.env, PRODLIKE_VM_ACCEL: accel }, timeoutMs: 1_200_000 });
  const note = `one boot each, ${accel}; by hand: ssh true at ${(sshMs / 1000).toFixed(1)} s, cloud-init done at ${(readyMs / 1000).toFixed(1)} s`;
  // When the VM was ready (logged in over SSH): the arrival of the provision-done event.
  const lines = up.stdout.split('\n');
  const readyLine = lines.findIndex((l) => l.includes('"phase":"provision"') && l.includes('"status":"done"'));
  const sshReadyMs = readyLine >= 0 ? up.lineTimes[readyLine] : undefined;
  if (sshReadyMs !== undefined) {
    ctx.results.add({ section: SECTION, metric: 'up → SSH ready (1 VM: create, boot, first login)', prodlike: sshReadyMs, peer: sshMs, peerName: 'qemu by hand, until ssh true', unit: 'ms', n: 1, note, target: { text: '≤ floor + 1 s', met: sshReadyMs <= sshMs + 1000 } });
  }
  ctx.results.add({ section: SECTION, metric: 'up → SSH ready and configured (1 VM, 1 file)', prodlike: up.ms, peer: sshMs, peerName: 'qemu by hand, until ssh true', unit: 'ms', n: 1, note, target: { text: '≤ floor + 1 s', met: up.ms <= sshMs + 1000 } });
  ctx.results.add({ section: SECTION, metric: 'up → SSH ready and configured (1 VM, 1 file)', prodlike: up.ms, peer: readyMs, peerName: 'qemu by hand, until cloud-init done', unit: 'ms', n: 1, note, target: { text: '≤ floor + 1 s', met: up.ms <= readyMs + 1000 } });
  const noop = await must(process.execPath, [path.join(ROOT, 'bin/prodlike.mjs'), 'up', file, '--json'], { cwd: ctx.cli.dir, env: { ...ctx.cli.env, PRODLIKE_VM_ACCEL: accel } });
  ctx.results.add({ section: SECTION, metric: 'no-change up of a running VM', prodlike: noop.ms, unit: 'ms', n: 1 });
  const down = await must(process.execPath, [path.join(ROOT, 'bin/prodlike.mjs'), 'down', file, '--json'], { cwd: ctx.cli.dir, env: { ...ctx.cli.env, PRODLIKE_VM_ACCEL: accel } });
  ctx.results.add({ section: SECTION, metric: 'down (ACPI shutdown through QMP)', prodlike: down.ms, unit: 'ms', n: 1 });
}
