#!/usr/bin/env node
// The `parley` command. TypeScript sources run through tsx, so there is no build step.
//
// CommonJS (bin/package.json) on purpose: libuv sizes its thread pool when it is first used, and
// loading an ES module already uses it. scrypt, file reads and DNS share that pool (4 threads by
// default); a few more threads keep the files and DNS served while `auth.maxConcurrentHashes`
// password hashes run. An operator's own UV_THREADPOOL_SIZE wins.
process.env.UV_THREADPOOL_SIZE ??= '8';

(async () => {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/main.ts');
  await main(process.argv);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
