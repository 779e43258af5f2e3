/**
 * `agentflow init`: a project that runs as created.
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';

/**
 * Writes a new project into `dir` (created if needed; existing files are
 * never overwritten). Returns the files written.
 *
 * @param packageRoot - where agentflow itself lives, for the `file:` dependency
 * @example
 * ```ts
 * scaffold('my-flow', '/path/to/agentflow');
 * ```
 */
export function scaffold(dir: string, packageRoot: string): string[] {
  const root = resolve(dir);
  mkdirSync(join(root, 'test'), { recursive: true });
  const name = basename(root).toLowerCase().replace(/[^a-z0-9-]/g, '-') || 'agentflow-project';
  const files: Record<string, string> = {
    'agentflow.toml': `# ${name}: an agentflow project. Validate with \`npx agentflow validate\`.
[agent_flow]
name = "${name}"
version = "0.1.0"

[logging]
level = "warn"

[runtime]
max_concurrent_agents = 10
timeout_seconds = 30

# The LLM used by agents that have no code handler. Ollama by default:
#   ollama serve && ollama pull gemma3:1b
# or run fully offline on a local GGUF file:
#   provider = "llama-cpp"
#   model_path = "models/model.gguf"
[llm]
provider = "ollama"
model = "gemma3:1b"
temperature = 0.7

[orchestration]
mode = "sequential"
sequential_agents = ["greeter", "formatter"]

# Both agents have code handlers in agents.mjs. Delete one there and that
# agent becomes an LLM agent driven by its system_prompt: the model gets the
# state's \`response\` (what the previous agent answered, if it set one), else
# \`input\`, else the whole data as JSON. greeter sets \`response\` for that reason.
[agents.greeter]
role = "greeter"
description = "Greets whoever is named in the input."
system_prompt = "You greet people warmly in one sentence."
enabled = true

[agents.formatter]
role = "formatter"
description = "Formats the greeting as the final answer."
system_prompt = "You turn the text you get into a short final answer."
enabled = true

[dead_letter]
enabled = true
file = ".agentflow/dead-letters.jsonl"
`,
    'agents.mjs': `// Code agents, by the names declared in agentflow.toml.
// Each receives (ctx, event, state) and returns the output state.

/** Greets the name given as input. */
export function greeter(ctx, event, state) {
  const who = String(state.get('input') ?? 'world').trim() || 'world';
  const greeting = \`Hello, \${who}!\`;
  // \`response\` is what the next agent reads if it is an LLM agent.
  return state.clone().set('greeting', greeting).set('response', greeting);
}

/** Makes the greeting the flow's response. */
export function formatter(ctx, event, state) {
  return state.clone().set('response', \`\${state.get('greeting')} Welcome to agentflow.\`);
}
`,
    'test/flow.test.mjs': `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent, silentLogger } from 'agentflow';
import { createRunnerFromConfig } from 'agentflow/config';
import * as agents from '../agents.mjs';

test('the flow greets and formats', async () => {
  const runner = await createRunnerFromConfig(new URL('../agentflow.toml', import.meta.url).pathname, { agents, logger: silentLogger() });
  await runner.start();
  const { state } = await runner.run(newEvent(runner.flow.entryAgent, { input: 'Ada' }));
  await runner.stop();
  assert.equal(state.get('response'), 'Hello, Ada! Welcome to agentflow.');
});
`,
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: { start: 'agentflow run --input world', test: 'node --test test/flow.test.mjs', validate: 'agentflow validate' },
        // A relative path: the project can move with agentflow beside it (use a version once agentflow is published).
        dependencies: { agentflow: `file:${relative(root, packageRoot) || '.'}` },
      },
      null,
      2,
    )}\n`,
    'README.md': `# ${name}

An agentflow project (agentflow is installed from \`${relative(root, packageRoot)}\`, see \`package.json\`).

\`\`\`sh
npm install
npx agentflow run --input Ada     # runs the flow in agentflow.toml with the agents in agents.mjs
npm test                          # node:test
npx agentflow validate            # checks agentflow.toml
\`\`\`

- \`agentflow.toml\` declares the flow: two agents in sequential mode.
- \`agents.mjs\` holds their code. An agent declared in the file without code
  becomes an LLM agent using \`[llm]\` and its \`system_prompt\`; it sends the
  model the state's \`response\` (the previous agent's answer), else \`input\`.
`,
    '.gitignore': 'node_modules\n.agentflow\n',
  };
  const written: string[] = [];
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    if (existsSync(p)) continue;
    writeFileSync(p, text);
    written.push(p);
  }
  return written;
}
