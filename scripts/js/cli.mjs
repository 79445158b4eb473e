#!/usr/bin/env node
// verity — a command-line client of a Verity node.
//
//   node cli.mjs [--url ws://127.0.0.1:9944] demo [--mode Fast|Zk] [--frac 4]
//       runs a job on the dev chain's demo model (16 inputs) as Charlie and prints the output
//   node cli.mjs register FILE.onnx --input 1,16 --output 1,4 [--price 1] [--as bob] [--serve-as alice]
//       puts the model into the node's store, registers it, and lets an operator serve it
//   node cli.mjs submit MODEL --values 0.1,0.2,... [--as charlie] [--mode Fast]
//       submits a job on f32 values, waits for JobSettled and prints the output

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  connect, account, encodeF32, decodeF32, encodeI8, decodeI8, putModel, registerModel, serveModels, runJob, UNIT,
} from './verity.mjs';

/** The dev chain's demo model (`node/res/demo-model.onnx`), as `scripts/gen-demo-model.sh` wrote it. */
const DEMO_MODEL = JSON.parse(readFileSync(new URL('./demo-model.json', import.meta.url))).id;

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:9944' },
    as: { type: 'string' },
    'serve-as': { type: 'string', default: 'alice' },
    mode: { type: 'string', default: 'Fast' },
    frac: { type: 'string', default: '4' },
    input: { type: 'string' },
    output: { type: 'string' },
    price: { type: 'string', default: '1' },
    values: { type: 'string' },
  },
});

const shape = (text) => text.split(',').map(Number);
const [command, arg] = positionals;
const api = await connect(opts.url);
try {
  if (command === 'demo' || command === 'submit') {
    const model = command === 'demo' ? DEMO_MODEL : arg;
    const values = opts.values ? opts.values.split(',').map(Number) : Array.from({ length: 16 }, (_, i) => i / 8 - 1);
    const zk = opts.mode === 'Zk';
    const input = zk ? encodeI8(values, Number(opts.frac)) : encodeF32(values);
    const result = await runJob(api, account(opts.as ?? 'charlie'), { model, input, mode: opts.mode });
    const decode = (bytes) => (zk ? decodeI8(bytes, Number(opts.frac)) : decodeF32(bytes));
    console.log(JSON.stringify({
      job: result.job, worker: result.worker, status: result.status,
      paid: result.paid?.toString(), reason: result.reason,
      output: result.output ? decode(result.output) : null,
    }));
    if (result.status !== 'Settled') process.exitCode = 1;
  } else if (command === 'register') {
    const model = await putModel(api, readFileSync(arg));
    const price = BigInt(Math.round(Number(opts.price) * 1e6)) * UNIT / 1_000_000n;
    await registerModel(api, account(opts.as ?? 'bob'), { model, input: shape(opts.input), output: shape(opts.output), price });
    await serveModels(api, account(opts['serve-as']), [DEMO_MODEL, model]);
    console.log(JSON.stringify({ model }));
  } else {
    console.error('usage: cli.mjs [--url URL] demo | register FILE --input S --output S | submit MODEL --values V');
    process.exitCode = 2;
  }
} finally {
  await api.disconnect();
}
