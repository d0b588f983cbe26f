// Entry of every WorkerPool thread: the sources are TypeScript run through tsx (there is no build
// step), and a worker does not inherit the main thread's loader, so it registers tsx itself and then
// loads the task module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
