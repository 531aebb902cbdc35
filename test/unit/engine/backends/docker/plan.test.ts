// Golden specs of the Docker plan (Compose's plan_test.go): what `up` does to each machine, and why,
// decided from the containers that exist — no engine involved.
import { describe, expect, it } from 'vitest';
import { configHash, formatParts, normalizeDockerSpec } from '../../../../../electron/engine/backends/docker/config-hash.js';
import { describeOperation, orphans, planMachine, type ObservedContainer } from '../../../../../electron/engine/backends/docker/plan.js';
import type { DockerMachineSpec } from '../../../../../shared/profile.js';

const spec = (over: Partial<DockerMachineSpec> = {}): DockerMachineSpec => ({ image: 'debian:bookworm', ports: ['127.0.0.1:8080:80'], env: { A: '1' }, volumes: [], privileged: false, ...over });
const desired = (over: Partial<DockerMachineSpec> = {}, imageId = 'sha256:img1') => {
  const { hash, parts } = configHash(normalizeDockerSpec('web', spec(over), imageId));
  return { machine: 'web', name: 'shop-web', hash, parts };
};
let n = 0;
const container = (state: string, from = desired(), name = 'shop-web', machine = 'web'): ObservedContainer => ({
  Id: `c${++n}`,
  Names: [`/${name}`],
  State: state,
  Labels: { 'prodlike.machine': machine, 'prodlike.config-hash': from.hash, 'prodlike.config-parts': formatParts(from.parts) },
});
const golden = (found: ObservedContainer[], want = desired()) => {
  const p = planMachine(found, want);
  return { op: p.operation.op, said: describeOperation(p.operation), extras: p.extras.map((c) => c.Id) };
};

describe('Docker plan: one operation per machine, with its cause', () => {
  it('creates a machine that has no container', () => {
    expect(golden([])).toEqual({ op: 'create', said: 'created', extras: [] });
  });
  it('keeps a running container whose configuration is unchanged', () => {
    expect(golden([container('running')])).toEqual({ op: 'keep', said: 'kept', extras: [] });
  });
  it('starts a stopped one, unpauses a paused one', () => {
    expect(golden([container('exited')])).toEqual({ op: 'start', said: 'started', extras: [] });
    expect(golden([container('paused')])).toEqual({ op: 'unpause', said: 'started', extras: [] });
  });
  it('recreates when ports changed, naming what changed', () => {
    expect(golden([container('running')], desired({ ports: ['127.0.0.1:8081:80'] }))).toEqual({ op: 'recreate', said: 'recreated (ports changed)', extras: [] });
  });
  it('recreates when the image changed (a new image ID behind the same tag)', () => {
    expect(golden([container('running')], desired({}, 'sha256:img2')).said).toBe('recreated (image changed)');
  });
  it('names every part that changed, and stays quiet about the rest', () => {
    expect(golden([container('exited')], desired({ env: { A: '2' }, ports: [] })).said).toBe('recreated (ports, env changed)');
  });
  it('port order does not matter: the same ports in another order keep the container', () => {
    const two = desired({ ports: ['127.0.0.1:8080:80', '127.0.0.1:8443:443'] });
    expect(golden([container('running', two)], desired({ ports: ['127.0.0.1:8443:443', '127.0.0.1:8080:80'] })).op).toBe('keep');
  });
  it('recreates a container left created or dead by an interrupted run', () => {
    expect(golden([container('created')]).said).toBe('recreated (left created by an interrupted run)');
    expect(golden([container('dead')]).said).toBe('recreated (left dead by an interrupted run)');
  });
  it('says "configuration changed" for a container without a parts label (made by an older Prodlike)', () => {
    const c = container('running');
    delete c.Labels['prodlike.config-parts'];
    c.Labels['prodlike.config-hash'] = 'old';
    expect(golden([c]).said).toBe('recreated (configuration changed)');
  });
  it('keeps the container with the machine\'s name and removes extra ones first', () => {
    const renamed = container('running', desired(), 'shop-web-old');
    const current = container('running');
    expect(golden([renamed, current])).toEqual({ op: 'keep', said: 'kept', extras: [renamed.Id] });
  });
  it('removes orphans: containers whose machine left the profile', () => {
    const web = container('running');
    const gone = container('running', desired(), 'shop-old', 'old');
    expect(orphans([web, gone], ['web']).map((c) => c.Id)).toEqual([gone.Id]);
    expect(orphans([web, gone], ['web', 'old'])).toEqual([]);
  });
});
