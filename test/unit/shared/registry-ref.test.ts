// The registry repository grammar that `bake --push`, a profile's `cache: { from: }` and the app's
// runs:start share: Docker's reference grammar for the name alone (no tag, no digest).
import { describe, expect, it } from 'vitest';
import { isRegistryRepo, registryRepoProblem } from '../../../shared/registry-ref.js';

describe('a registry repository', () => {
  it.each([
    'localhost:5000/a',
    '127.0.0.1:5000/team/shop-cache',
    'registry.example.com/a/b',
    'registry.example.com:443/a/b',
    'Registry.Example.COM/shop',
    '[::1]:5000/shop',
    'a_b/c__d',
    'shop',
    'team/shop.cache',
    'a--b/c---d',
    'x1/2y',
  ])('%s is one', (text) => {
    expect(registryRepoProblem(text)).toBeUndefined();
    expect(isRegistryRepo(text)).toBe(true);
  });

  it.each([
    ['127.0.0.1:5391/RHUP', /"RHUP" has uppercase letters/],
    ['127.0.0.1:5391/RhTwoB', /"RhTwoB" has uppercase letters/],
    ['Team/shop', /"Team" has uppercase letters/],
    ['127.0.0.1:5391/rhtag:v1', /":v1" is a tag/],
    ['shop:latest', /":latest" is a tag/],
    [`127.0.0.1:5000/shop@sha256:${'a'.repeat(64)}`, /"@sha256:a+" is a digest/],
    ['127.0.0.1:5000//shop', /empty part/],
    ['127.0.0.1:5000/shop/', /ends with "\/"/],
    ['/shop', /starts with "\/"/],
    ['127.0.0.1:5000/-leading', /"-leading" is not a name part/],
    ['127.0.0.1:5000/trailing-', /"trailing-" is not a name part/],
    ['a___b', /"a___b" is not a name part/],
    ['a..b', /"a\.\.b" is not a name part/],
    ['127.0.0.1:5000', /is a registry without a repository/],
    ['127.0.0.1:port/shop', /the port is not a number/],
    ['-bad.host:5000/shop', /"-bad\.host:5000" is not a registry host/],
    ['', /empty/],
    ['127.0.0.1:5000/sh op', /space/],
    [`r.io/${'a'.repeat(260)}`, /longer than 255/],
  ])('%s is not: %s', (text, why) => {
    expect(registryRepoProblem(text)).toMatch(why);
    expect(isRegistryRepo(text)).toBe(false);
  });
});
