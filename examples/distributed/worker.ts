/**
 * Runs `agentflow worker` from the sources (the example's worker processes).
 * Exits when the worker has stopped, even if an agent left a connection open.
 */
import { main } from '../../src/cli/main.js';

process.exit(await main(['worker', ...process.argv.slice(2)]));
