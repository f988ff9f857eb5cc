// Drives the Responses and Conversations APIs with the official `openai` npm package. Usage: node responses.mjs BASE_URL
// Prints one JSON line per check; ResponsesNodeClientTest asserts on them.
import OpenAI from 'openai';

const baseURL = process.argv[2];
const client = (user) => new OpenAI({
  baseURL: `${baseURL}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0, timeout: 30000,
  defaultHeaders: { 'X-Fairway-User': user },
});
const alice = client('alice-node');
const bob = client('bob-node');
const story = (input, max) => ({ model: 'stories260K', input, max_output_tokens: max, temperature: 0 });
const print = (o) => console.log(JSON.stringify(o));

const plain = await alice.responses.create(story('Once upon a time', 12));
print({ check: 'create', text: plain.output_text, status: plain.status, output_tokens: plain.usage.output_tokens,
  cached_tokens: plain.usage.input_tokens_details.cached_tokens });

const stream = await alice.responses.create({ ...story('Once upon a time', 12), stream: true });
const types = [];
const sequence = [];
let deltas = '';
let final = null;
for await (const event of stream) {
  types.push(event.type);
  sequence.push(event.sequence_number);
  if (event.type === 'response.output_text.delta') deltas += event.delta;
  if (event.type === 'response.completed' || event.type === 'response.incomplete') final = event.response;
}
print({ check: 'stream', types: [...new Set(types)], sequence, deltas, final_text: final.output_text });

const first = await alice.responses.create(story('Once upon a time', 8));
const second = await alice.responses.create({ ...story(' She', 8), previous_response_id: first.id });
const alone = await alice.responses.create(story(' She', 8));
print({ check: 'previous', previous: second.previous_response_id === first.id,
  second_input: second.usage.input_tokens, alone_input: alone.usage.input_tokens });

const conv = await alice.conversations.create({ metadata: { topic: 'stories' } });
const turn1 = await alice.responses.create({ ...story('Once upon a time', 8), conversation: conv.id });
const turn2 = await alice.responses.create({ ...story(' She', 8), conversation: conv.id });
const items = await alice.conversations.items.list(conv.id, { order: 'asc' });
print({ check: 'conversation', turn1_input: turn1.usage.input_tokens, turn2_input: turn2.usage.input_tokens,
  items: items.data.map((i) => [i.role, i.content[0].type, i.content[0].text]), reply2: turn2.output_text });

let bobStatus = null;
try { await bob.conversations.items.list(conv.id); } catch (e) { bobStatus = e.status; }
let bobResponse = null;
try { await bob.responses.retrieve(first.id); } catch (e) { bobResponse = e.status; }
print({ check: 'isolation', items_status: bobStatus, response_status: bobResponse });

// function tools: a forced call, streamed, then its output sent back through previous_response_id
const weather = {
  type: 'function', name: 'get_weather', strict: true,
  parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 10 } }, required: ['city'],
    additionalProperties: false },
};
const called = await alice.responses.create({ model: 'stories260K', input: 'Weather in Oslo?', temperature: 0,
  tools: [weather], tool_choice: { type: 'function', name: 'get_weather' }, parallel_tool_calls: false, stream: true });
const argumentDeltas = {};
let calledFinal = null;
for await (const event of called) {
  if (event.type === 'response.function_call_arguments.delta')
    argumentDeltas[event.item_id] = (argumentDeltas[event.item_id] ?? '') + event.delta;
  if (event.type === 'response.completed') calledFinal = event.response;
}
const call = calledFinal.output.find((o) => o.type === 'function_call');
const answered = await alice.responses.create({ model: 'stories260K', previous_response_id: calledFinal.id,
  input: [{ type: 'function_call_output', call_id: call.call_id, output: 'Sunny' }], max_output_tokens: 4,
  temperature: 0 });
const answeredItems = await alice.responses.inputItems.list(answered.id);
print({ check: 'tools', name: call.name, arguments: call.arguments, streamed: (argumentDeltas[call.id] ?? '').trim(),
  calls: calledFinal.output.filter((o) => o.type === 'function_call').length, answered: answered.status,
  item: answeredItems.data[0].type, item_call_id: answeredItems.data[0].call_id, call_id: call.call_id });
