import { defineConfig } from 'vitest/config';

// Unit tests of the model (state, reducer, actions) and the controller: plain node, no browser.
export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    environment: 'node'
  }
});
