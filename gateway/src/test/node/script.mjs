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

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 8 }, unit: { enum: ['C', 'F'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const toolRequest = { ...request, max_tokens: undefined, tools: [weather], tool_choice: 'required', parallel_tool_calls: false };
const called = await client.chat.completions.create(toolRequest);
const call = called.choices[0].message.tool_calls[0];
console.log(JSON.stringify({
  check: 'tools', finish_reason: called.choices[0].finish_reason, name: call.function.name,
  arguments: JSON.parse(call.function.arguments), id: call.id,
}));
const toolStream = await client.chat.completions.create({ ...toolRequest, stream: true });
let streamedName = '';
let streamedArgs = '';
for await (const chunk of toolStream) {
  for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
    streamedName += d.function?.name ?? '';
    streamedArgs += d.function?.arguments ?? '';
  }
}
console.log(JSON.stringify({ check: 'tool_stream', name: streamedName, arguments: streamedArgs, expected: call.function.arguments }));

const structured = await client.chat.completions.create({
  ...request, max_tokens: undefined,
  response_format: { type: 'json_schema', json_schema: { name: 'w', strict: true, schema: weather.function.parameters } },
});
console.log(JSON.stringify({ check: 'structured', value: JSON.parse(structured.choices[0].message.content) }));

try {
  await client.chat.completions.create({ ...request, tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } });
  console.log(JSON.stringify({ check: 'bad_tool_choice', status: 200 }));
} catch (e) {
  console.log(JSON.stringify({ check: 'bad_tool_choice', status: e.status, param: e.param, type: e.type }));
}
