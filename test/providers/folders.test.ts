/** Every provider folder ships a scenario named after it and the marks its replies carry, which the bounce explainer reads. */
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/providers/index.js';

describe.each(REGISTRY.names)('%s', (name) => {
  it('ships a scenario named after it, and declares the marks its bounces carry', () => {
    const provider = REGISTRY.provider(name)!;
    expect(REGISTRY.scenarioFile(name)).toBeDefined();
    expect(provider.hints?.length).toBeGreaterThan(0);
  });
});
