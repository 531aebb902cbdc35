// depends_on during up: when a dependency's container lets a machine start (Compose's conditions).
import { describe, expect, it } from 'vitest';
import { dependencyVerdict } from '../../../../../electron/engine/backends/docker/plan.js';

describe('dependencyVerdict', () => {
  it('service_started: ready once the dependency runs; wait while it is created or restarting', () => {
    expect(dependencyVerdict('started', { status: 'running' })).toBe('ready');
    expect(dependencyVerdict('started', { status: 'running', health: 'starting' })).toBe('ready');
    expect(dependencyVerdict('started', { status: 'created' })).toBe('wait');
    expect(dependencyVerdict('started', { status: 'restarting' })).toBe('wait');
  });

  it('service_healthy: ready only when healthy; waits while starting; fails when unhealthy or without a health check', () => {
    expect(dependencyVerdict('healthy', { status: 'running', health: 'healthy' })).toBe('ready');
    expect(dependencyVerdict('healthy', { status: 'running', health: 'starting' })).toBe('wait');
    expect(dependencyVerdict('healthy', { status: 'running', health: 'unhealthy' })).toEqual({ failed: 'its health check failed (unhealthy)' });
    expect(dependencyVerdict('healthy', { status: 'running' })).toEqual({ failed: 'it has no health check, so it can never be healthy' });
  });

  it('a dependency that exited fails the machine, with its exit code', () => {
    expect(dependencyVerdict('started', { status: 'exited', exitCode: 3 })).toEqual({ failed: 'it exited (code 3)' });
    expect(dependencyVerdict('healthy', { status: 'dead' })).toEqual({ failed: 'it exited (code ?)' });
  });
});
