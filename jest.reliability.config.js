/**
 * The reliability suites (`npm run test:reliability`): real server processes, kill -9, fast-check, fuzzing.
 * Kept out of `npm test` (whose testMatch is **\/*.spec.ts): these files are test/reliability/*.rel.ts.
 */
const base = require('./jest.config');

module.exports = {
  testEnvironment: base.testEnvironment,
  rootDir: '.',
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['**/*.rel.ts'],
  moduleFileExtensions: base.moduleFileExtensions,
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  moduleNameMapper: base.moduleNameMapper,
  // Each suite bounds itself well below this; the whole run stays under 5 minutes per engine.
  testTimeout: 240000,
};
