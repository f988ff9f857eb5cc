// Drives the gateway with the official `openai` npm package. Usage: node script.mjs BASE_URL
// Prints one JSON line per check; OpenAiNodeClientTest asserts on them.
import OpenAI from 'openai';

const baseURL = process.argv[2];
if (!baseURL) {
  console.error('usage: node script.mjs BASE_URL');
  process.exit(2);
}
const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0, timeout: 30000 });
const request = {
  model: 'stories260K',
  messages: [{ role: 'user', content: 'Once upon a time' }],
  temperature: 0,
  max_tokens: 16,
};

const completion = await client.chat.completions.create(request);
console.log(JSON.stringify({
  check: 'chat',
  content: completion.choices[0].message.content,
  finish_reason: completion.choices[0].finish_reason,
  completion_tokens: completion.usage.completion_tokens,
  cached_tokens: completion.usage.prompt_tokens_details?.cached_tokens,
}));

const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
let text = '';
let chunks = 0;
let usage = null;
let role = null;
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    if (choice.delta.role) role = choice.delta.role;
    text += choice.delta.content ?? '';
  }
}
console.log(JSON.stringify({ check: 'stream', content: text, chunks, role, completion_tokens: usage?.completion_tokens }));

try {
  await client.chat.completions.create({ ...request, tools: [{ type: 'function', function: { name: 'weather' } }] });
  console.log(JSON.stringify({ check: 'tools', status: 200 }));
} catch (e) {
  console.log(JSON.stringify({ check: 'tools', status: e.status, param: e.param, type: e.type }));
}
