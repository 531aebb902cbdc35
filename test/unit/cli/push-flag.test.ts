// `bake --push`: a registry repository, refused as a usage error naming the flag before any run starts.
import { describe, expect, it } from 'vitest';
import { runRequest } from '../../../electron/cli/run-kind.js';

describe('--push', () => {
  it('takes a registry repository as written', () => {
    expect(runRequest('bake', 'p.yaml', { push: '127.0.0.1:5000/team/shop-cache' }).push).toBe('127.0.0.1:5000/team/shop-cache');
  });

  it.each([
    ['127.0.0.1:5391/RHUP', '"RHUP" has uppercase letters'],
    ['127.0.0.1:5391/rhtag:v1', '":v1" is a tag'],
    ['', 'it is empty'],
  ])('refuses %j: %s', (bad, why) => {
    let err: (Error & { hint?: string }) | undefined;
    try {
      runRequest('bake', 'p.yaml', { push: bad });
    } catch (e) {
      err = e as Error & { hint?: string };
    }
    expect(err?.name).toBe('UsageError');
    expect(err?.message).toContain(`--push ${bad}: expected a registry repository without a tag or digest, in lowercase, such as 127.0.0.1:5000/shop-cache (${why}`);
    expect(err?.hint).toMatch(/--push 127\.0\.0\.1:5000\/shop-cache/);
  });
});
