// What-if, not a change to the service: preloaded into `node dist/main.js` (BENCH_SERVICE_NODE_ARGS="--require
// bench/experiments/whatif-jwt-keyobject.cjs"), it hands jsonwebtoken a KeyObject instead of the secret string, which
// is what JwtModule.register({ secret: createSecretKey(Buffer.from(secret)) }) would do. With a string,
// jsonwebtoken.verify first tries createPublicKey(secret) (parsing it as PEM, and throwing) on every request.
const { createSecretKey, KeyObject } = require('node:crypto');
const jwt = require('jsonwebtoken');

const keys = new Map();
const asKey = (secret) => {
  if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) return secret;
  const id = secret.toString();
  if (!keys.has(id)) keys.set(id, createSecretKey(Buffer.from(secret)));
  return keys.get(id);
};
const verify = jwt.verify;
jwt.verify = (token, secret, ...rest) => verify(token, secret instanceof KeyObject ? secret : asKey(secret), ...rest);
