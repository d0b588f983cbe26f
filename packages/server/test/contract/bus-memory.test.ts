import { Writable } from 'node:stream';
import pino from 'pino';
import { MemoryBus } from '../../src/platform/bus/memory.js';
import { busContract, type TestEvents } from './bus.contract.js';

busContract('memory', async () => {
  let failures = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (JSON.parse(chunk.toString()).msg === 'event handler failed') failures++;
      done();
    },
  });
  return { bus: new MemoryBus<TestEvents>(pino({ level: 'error' }, sink)), failures: () => failures };
});
