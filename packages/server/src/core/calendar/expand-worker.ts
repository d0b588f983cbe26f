// The calendar expansion worker (see expander.ts): parses and expands in its own thread.
import { serveTasks } from '../../lib/worker-pool.js';
import { expandTask } from './expander.js';

serveTasks(expandTask);
