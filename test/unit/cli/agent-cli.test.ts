import { describe, expect, it } from 'vitest';
import { agentAllowed, autoStartAllowed } from '../../../electron/cli/agent-cli.js';

describe('when runs use and start the agent', () => {
  it('--no-agent and PRODLIKE_NO_AGENT keep a run in-process; an empty or 0 value does not', () => {
    expect(agentAllowed({}, {})).toBe(true);
    expect(agentAllowed({ 'no-agent': true }, {})).toBe(false);
    expect(agentAllowed({}, { PRODLIKE_NO_AGENT: '1' })).toBe(false);
    expect(agentAllowed({}, { PRODLIKE_NO_AGENT: '' })).toBe(true);
    expect(agentAllowed({}, { PRODLIKE_NO_AGENT: '0' })).toBe(true);
  });
  it('CI uses an agent someone started, but never starts one', () => {
    expect(agentAllowed({}, { CI: 'true' })).toBe(true);
    expect(autoStartAllowed({ CI: 'true' })).toBe(false);
    expect(autoStartAllowed({ CI: 'false' })).toBe(true);
    expect(autoStartAllowed({ PRODLIKE_NO_AGENT: '1' })).toBe(false);
    expect(autoStartAllowed({})).toBe(true);
  });
});
