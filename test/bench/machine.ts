// The machine the figures come from: cores, memory, kernel, load, and the peers' versions.
import os from 'node:os';
import { run } from './lib.js';

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  memGb: number;
  kernel: string;
  node: string;
  docker: string;
  ansible: string;
  compose: string;
  loadStart: string;
  loadEnd?: string;
}

async function firstLine(cmd: string, args: string[], fallback: string): Promise<string> {
  try {
    const p = await run(cmd, args);
    return p.code === 0 ? (p.stdout.trim().split('\n')[0] ?? fallback) : fallback;
  } catch {
    return fallback;
  }
}

export async function machineInfo(): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    docker: await firstLine('docker', ['version', '--format', '{{.Server.Version}}'], 'not found'),
    ansible: await firstLine('ansible-playbook', ['--version'], 'ansible-playbook not found'),
    compose: await firstLine('docker-compose', ['--version'], 'docker-compose not found'),
    loadStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}
