// A probe larger than one command-line argument may be (128 KiB on Linux) still works in one round-trip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineResource } from '../../../shared/profile.js';
import { buildProbeScript, diffAll, probeAll } from '../../../electron/engine/resources/index.js';
import { DockerExecTransport } from '../../../electron/engine/backends/docker/exec-transport.js';
import { dockerSh, startContainer } from '../../support/docker-cli-transport.js';

let box: { name: string; remove: () => void };
let t: DockerExecTransport;
beforeAll(() => {
  box = startContainer();
  t = new DockerExecTransport(box.name, { machine: 'box' });
});
afterAll(async () => {
  await t.close();
  box?.remove();
});

describe('a probe of 300 long lines', () => {
  it('is read in one exec although its script is over 128 KiB', async () => {
    const lines: LineResource[] = Array.from({ length: 300 }, (_, i) => {
      const text = `KEY_${i}=${'x'.repeat(600)}`;
      return { id: `line:/etc/big.conf:${text}`, kind: 'line', name: '/etc/big.conf', text, state: 'present' };
    });
    expect(buildProbeScript(lines).length).toBeGreaterThan(128 * 1024);
    dockerSh(box.name, `awk 'BEGIN { s = sprintf("%600s", ""); gsub(/ /, "x", s); for (i = 0; i < 150; i++) print "KEY_" i "=" s }' > /etc/big.conf`);
    const probed = await probeAll(t, lines);
    const diffed = diffAll(lines, probed);
    const pending = lines.filter((l) => diffed.get(l.id)!.changes.length > 0).length;
    expect([...diffed.values()].every((d) => d.error === undefined)).toBe(true);
    expect(pending).toBe(150); // the first 150 are there, the last 150 are not
  });
});
