/** One jest config: unit specs beside the code in src/, integration and e2e specs in test/. */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'cjs', 'mjs', 'json'],
  // Nest 12 and PGlite ship ESM that jest on Node 20 cannot require: let swc turn them into CommonJS.
  transform: { '^.+\\.(t|j|cj|mj)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true, dynamicImport: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022', keepClassNames: true }, module: { type: 'commonjs', ignoreDynamic: false } }] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@electric-sql|@fastify/static|content-disposition|@apidevtools)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
};
