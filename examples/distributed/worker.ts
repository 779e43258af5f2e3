/** Runs `agentflow worker` from the sources (the example's worker processes). */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(['worker', ...process.argv.slice(2)]);
