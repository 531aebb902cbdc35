// A pull from the profile's cache registry: a state it does not hold is no error (nothing was baked
// under that key); anything else means the registry could not be asked, and the run says so once.
import { describe, expect, it } from 'vitest';
import { isMissingState } from '../../../../../electron/engine/backends/docker/cache-store.js';

describe('isMissingState', () => {
  it('a state the registry does not hold (the engine 20.10 answer through dockerode)', () => {
    expect(isMissingState('(HTTP code 404) unexpected - manifest for 127.0.0.1:34905/nothing:x not found: manifest unknown: manifest unknown')).toBe(true);
    expect(isMissingState('manifest unknown')).toBe(true);
    expect(isMissingState('(HTTP code 404) no such image - No such image: r/x:y')).toBe(true);
  });

  it('a registry that cannot be asked is not a missing state', () => {
    expect(isMissingState('(HTTP code 500) server error - Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused')).toBe(false);
    expect(isMissingState('Get "https://reg.example:5000/v2/": dial tcp: lookup reg.example on 10.0.0.53:53: no such host')).toBe(false);
    expect(isMissingState('Get "https://reg.example:5000/v2/": http: server gave HTTP response to HTTPS client')).toBe(false);
    expect(isMissingState('(HTTP code 500) server error - Head "https://reg.example/v2/shop/manifests/x": unauthorized: authentication required')).toBe(false);
    expect(isMissingState('context deadline exceeded')).toBe(false);
    expect(isMissingState('(HTTP code 500) server error - Head "http://127.0.0.1:37671/v2/shop/manifests/x": no basic auth credentials')).toBe(false);
  });
});
