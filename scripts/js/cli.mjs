#!/usr/bin/env node
// verity — a command-line client of a Verity node (`node cli.mjs --help`).
//
//   node cli.mjs [--url ws://127.0.0.1:9944] demo [--mode Fast|Zk|Consensus:K] [--frac 4]
//       runs a job on the dev chain's demo model (16 inputs) as Eve and prints the output
//   node cli.mjs register FILE.onnx --input 1,16 --output 1,4 [--price 1] [--as bob] [--serve-as alice]
//       puts the model into the node's store, registers it, and lets an operator serve it
//   node cli.mjs submit MODEL --values 0.1,0.2,... [--as eve] [--mode Fast]
//       submits a job on f32 values, waits for JobSettled and prints the output
//   node cli.mjs demo --feeds 0,1,...,15
//       runs the demo model on the current values of oracle feeds, frozen into the job
//   node cli.mjs oracle
//       prints every oracle feed and its current value
//   node cli.mjs subscribe --feeds 0,1,...,15 --every 10 --runs 100 [--model MODEL] [--follow]
//       escrows a recurring job on the feeds (the demo model by default); --follow prints each
//       job's result as it ends
//   node cli.mjs challenge JOB [--as eve]
//       challenges the result of a settled Fast job and waits for its verifiers' verdict
//   node cli.mjs propose market --params executionPeriod=20 [--as bob]
//       proposes a change of the market's parameters on the market track (preimage, referendum,
//       decision deposit); --call PALLET.METHOD --args JSON proposes any call on any track
//   node cli.mjs vote REFERENDUM aye|nay --balance VRT [--conviction Locked1x] [--as ferdie]
//   node cli.mjs referendum REFERENDUM [--follow]
//       prints the referendum; --follow waits for its enactment and prints the call's result
//   node cli.mjs dev-ceremony --zk-keys DIR --node PATH [--contributors 4] [--onnx FILE]
//       runs the setup ceremony of the dev chain's demo model: Alice contributes to phase 1 over
//       its public start and seals it (sudo), begins the model's phase 2, the node's verifiers
//       contribute by themselves (--worker-ceremony) and Alice seals their last contribution
//   node cli.mjs set-worker WORKER|none [--as alice]
//       proposes the account whose key the operator's node signs its market work with; the
//       worker accepts with: node cli.mjs accept-worker OPERATOR --as WORKER
//
// Bad arguments exit with 2, a failure at run time (a refused call, an unreachable node) with 1,
// each with one line on stderr; VERITY_DEBUG=1 prints the stack and polkadot.js's own logs too.

import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const USAGE = `usage: cli.mjs [--url URL] COMMAND [ARG] [OPTIONS]

commands:
  demo             run a job on the dev chain's demo model (16 inputs) and print its result
  register FILE    put the ONNX model FILE into the node's store, register it and let an
                   operator serve it; prints {"model": ID}
  submit MODEL     run a job of MODEL (its 0x... id) on --values and print its result
  oracle           print every oracle feed with its current value, one JSON line each
  subscribe        escrow a job on --feeds every --every blocks, --runs times (of --model, the
                   demo model by default); prints {"subscription": ID}, and with --follow a
                   line for each of its jobs as it ends
  unsubscribe ID   cancel the runs to come of subscription ID; prints what came back
  propose TRACK    propose a referendum on TRACK (root, market, treasurer, small_spender):
                   note the call's preimage, submit it and place the decision deposit; the
                   call is --params (a change of the market's parameters) or --call and
                   --args; prints {"referendum": N, "track": TRACK, "hash": CALL_HASH}
  vote N aye|nay   vote on referendum N with --balance VRT and --conviction
  referendum N     print referendum N (status, track, ayes, nays, support); with --follow,
                   wait until it is enacted or ends and print the outcome
  challenge JOB    challenge the result of the settled Fast job JOB (a number), as its
                   requester or a verifier: verifiers re-run it; prints the outcome
  set-worker WORKER
                   propose WORKER (an account as for --as, or none) as the key the operator's
                   node signs its results, proofs and declines with; prints {"worker": ADDRESS}
  accept-worker OPERATOR
                   accept, as --as, to be OPERATOR's worker (an account as for --as, or an
                   address); prints {"operator": ADDRESS}
  dev-ceremony     give the dev chain's demo model (or --onnx) a key from the setup ceremony:
                   as --as (default alice), contribute to phase 1 over its public start
                   (verity-node zk, --node), seal it (sudo) and put the transcript in the
                   node's --zk-keys DIR/ceremony (or reuse it there, if sealed already); begin
                   the model's phase 2; wait for the node's verifiers (--worker-ceremony) to
                   contribute --contributors deep (default 4) and seal; prints {"model",
                   "phase1", "phase2", "contributors"}
  help             print this text

options:
  --url URL            the node's WebSocket RPC (default ws://127.0.0.1:9944)
  --as ACCOUNT         the signer: a dev account (alice, bob, ...), a //Seed or a mnemonic
                       (default eve for demo, submit and challenge: no operator of the dev
                       chain, so any of its verifiers may judge; bob for register and propose,
                       ferdie for vote, alice for set-worker)
  --values V,V,...     demo, submit: the input values (required by submit; the demo's default
                       is 16 values from -1 by 1/8); write --values=-1,... for a negative first
  --mode MODE          demo, submit: the verification mode: Fast (default), Zk, or
                       Consensus:K (the worker and K verifiers commit and reveal; K odd)
  --feeds ID,ID,...    demo, submit: run on the current values of these oracle feeds (one
                       input element each; the dev chain's demo feeds are 0 to 15) instead of
                       --values
  --frac N             demo, submit: fractional bits of a Zk job's i8 tensors (default 4)
  --every N            subscribe: blocks between runs (required)
  --runs N             subscribe: how many runs to escrow (required)
  --model MODEL        subscribe: the model (its 0x... id; default the demo model)
  --follow             subscribe: print each job's result as it ends, until the last run;
                       referendum: wait for the enactment or end
  --params F=V,...     propose: the market parameters to change (the others stay as they are),
                       as executionPeriod=20,challengePeriod=300 (names as in inference.params)
  --call PALLET.METHOD propose: the call, as api.tx names it (treasury.spend, ...)
  --args JSON          propose: the call's arguments, a JSON array (default [])
  --balance VRT        vote: the VRT voting (required)
  --conviction C       vote: None (0.1x, no lock) or Locked1x ... Locked6x (default Locked1x)
  --input SHAPE        register: the input tensor's shape, as 1,16 (required)
  --output SHAPE       register: the output tensor's shape, as 1,4 (required)
  --price VRT          register: the price of a job (default 1)
  --serve-as ACCOUNT   register: the operator that serves the model (default alice)
  --modes M,M,...      register: the modes the model takes: Fast, Zk, Consensus (default Fast)
  --zk-keys DIR        dev-ceremony: the node's --worker-zk-keys directory (required)
  --node PATH          dev-ceremony: the verity-node binary (default $VERITY_NODE)
  --contributors N     dev-ceremony: the phase-2 contributions to wait for (default 4)
  --onnx FILE          dev-ceremony: the model (registered for Zk, owned by --as, served by the
                       node; default the demo model)
  -h, --help           print this text

A job's result is one line of JSON on stdout; the exit code is 1 if the job was refunded.
An error is one line on stderr, "cli.mjs: ...": exit code 2 for bad arguments, 1 for a failure
at run time (a refused call, an RPC error, an unreadable file, a node that cannot be reached).
Environment: VERITY_DEBUG=1 prints the error's stack trace and polkadot.js's own logs too.
`;

/** The options each command takes (`--url` goes with every one). */
const COMMANDS = {
  demo: { args: [], options: ['as', 'values', 'feeds', 'mode', 'frac'] },
  oracle: { args: [], options: [] },
  subscribe: { args: [], options: ['as', 'feeds', 'mode', 'every', 'runs', 'model', 'follow'] },
  unsubscribe: { args: ['ID'], options: ['as'] },
  register: { args: ['FILE'], options: ['as', 'input', 'output', 'price', 'serve-as', 'modes'] },
  submit: { args: ['MODEL'], options: ['as', 'values', 'feeds', 'mode', 'frac'] },
  challenge: { args: ['JOB'], options: ['as'] },
  propose: { args: ['TRACK'], options: ['as', 'params', 'call', 'args'] },
  vote: { args: ['REFERENDUM', 'aye|nay'], options: ['as', 'balance', 'conviction'] },
  referendum: { args: ['REFERENDUM'], options: ['follow'] },
  'set-worker': { args: ['WORKER'], options: ['as'] },
  'accept-worker': { args: ['OPERATOR'], options: ['as'] },
  'dev-ceremony': { args: [], options: ['as', 'zk-keys', 'node', 'contributors', 'onnx'] },
};

/** The dev chain's demo model (`node/res/demo-model.onnx`), as `scripts/gen-demo-model.sh` wrote it. */
const DEMO_MODEL = JSON.parse(readFileSync(new URL('./demo-model.json', import.meta.url))).id;

const DEBUG = !['', '0', undefined].includes(process.env.VERITY_DEBUG);

class UsageError extends Error {}

/** The comma-separated numbers of option `name`, each accepted by `ok`. */
function numbers(name, text, ok = Number.isFinite, what = 'numbers') {
  const list = text.split(',').map((s) => (s.trim() ? Number(s) : NaN));
  if (!list.every(ok)) throw new UsageError(`--${name} takes ${what}, not '${text}'`);
  return list;
}

/** The verification mode of `--mode` (Fast by default): `Fast`, `Zk` or `{ Consensus: K }`. */
function mode(text = 'Fast') {
  const consensus = /^Consensus:([0-9]+)$/.exec(text);
  if (consensus) return { Consensus: Number(consensus[1]) };
  if (!['Fast', 'Zk'].includes(text)) throw new UsageError(`--mode must be Fast, Zk or Consensus:K, not '${text}'`);
  return text;
}

/** The command line as `{ command, arg, opts }`; throws a `UsageError` if it is not one. */
function parse(args) {
  const names = [
    'url', 'as', 'serve-as', 'mode', 'frac', 'input', 'output', 'price', 'values', 'feeds', 'every', 'runs', 'model',
    'params', 'call', 'args', 'balance', 'conviction', 'zk-keys', 'node', 'contributors', 'modes', 'onnx',
  ];
  let parsed;
  try {
    const options = Object.fromEntries(names.map((n) => [n, { type: 'string' }]));
    options.follow = { type: 'boolean' };
    parsed = parseArgs({ args, allowPositionals: true, options });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values: opts, positionals: [command, ...rest] } = parsed;
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : null;
  if (!command) throw new UsageError('no command given');
  if (!spec) throw new UsageError(`unknown command '${command}'`);
  if (rest.length < spec.args.length) throw new UsageError(`${command} needs ${spec.args.join(' ')}`);
  if (rest.length > spec.args.length) throw new UsageError(`unexpected argument '${rest[spec.args.length]}'`);
  const stray = Object.keys(opts).find((name) => name !== 'url' && !spec.options.includes(name));
  if (stray) throw new UsageError(`${command} takes no --${stray}`);

  opts.url ??= 'ws://127.0.0.1:9944';
  if (!/^wss?:\/\/./.test(opts.url)) throw new UsageError(`--url must be ws://... or wss://..., not '${opts.url}'`);
  if (command === 'register') {
    for (const name of ['input', 'output']) {
      if (opts[name] === undefined) throw new UsageError(`register needs --${name} SHAPE`);
      opts[name] = numbers(name, opts[name], (n) => Number.isInteger(n) && n > 0, 'a shape such as 1,16');
    }
    [opts.price] = numbers('price', opts.price ?? '1', (n) => Number.isFinite(n) && n >= 0, 'one number of VRT');
    const modes = (opts.modes ?? 'Fast').split(',').map((m) => m.trim());
    const known = ['Fast', 'Zk', 'Consensus'];
    const unknown = modes.find((m) => !known.includes(m));
    if (unknown !== undefined) throw new UsageError(`--modes takes ${known.join(', ')}, not '${unknown}'`);
    opts.modes = { fast: modes.includes('Fast'), zk: modes.includes('Zk'), consensus: modes.includes('Consensus') };
    opts.as ??= 'bob';
    opts['serve-as'] ??= 'alice';
  } else if (command === 'set-worker') {
    opts.as ??= 'alice';
  } else if (command === 'accept-worker') {
    if (opts.as === undefined) throw new UsageError('accept-worker needs --as WORKER');
  } else if (command === 'oracle') {
    // Nothing to check.
  } else if (command === 'subscribe') {
    if (opts.feeds === undefined) throw new UsageError('subscribe needs --feeds ID,ID,...');
    opts.feeds = numbers('feeds', opts.feeds, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'feed ids');
    for (const name of ['every', 'runs']) {
      if (opts[name] === undefined) throw new UsageError(`subscribe needs --${name} N`);
      [opts[name]] = numbers(name, opts[name], (n) => Number.isInteger(n) && n > 0, 'one whole number above zero');
    }
    opts.model ??= DEMO_MODEL;
    if (!/^0x[0-9a-fA-F]{64}$/.test(opts.model)) throw new UsageError(`--model must be a 0x... id of 32 bytes, not '${opts.model}'`);
    opts.mode = mode(opts.mode);
    opts.as ??= 'eve';
  } else if (command === 'unsubscribe') {
    if (!/^[0-9]+$/.test(rest[0])) throw new UsageError(`ID must be a subscription number, not '${rest[0]}'`);
    opts.as ??= 'eve';
  } else if (command === 'challenge') {
    if (!/^[0-9]+$/.test(rest[0])) throw new UsageError(`JOB must be a job number, not '${rest[0]}'`);
    opts.as ??= 'eve';
  } else if (command === 'propose') {
    const tracks = ['root', 'market', 'treasurer', 'small_spender'];
    if (!tracks.includes(rest[0])) throw new UsageError(`TRACK must be one of ${tracks.join(', ')}, not '${rest[0]}'`);
    if ((opts.params === undefined) === (opts.call === undefined)) throw new UsageError('propose needs --params or --call, one of them');
    if (opts.params !== undefined) {
      if (opts.args !== undefined) throw new UsageError('--args goes with --call, not --params');
      opts.params = Object.fromEntries(opts.params.split(',').map((pair) => {
        const match = /^([A-Za-z]+)=(.+)$/.exec(pair.trim());
        if (!match) throw new UsageError(`--params takes FIELD=VALUE,..., not '${pair}'`);
        return [match[1], match[2]];
      }));
    } else {
      if (!/^[a-zA-Z]+\.[a-zA-Z]+$/.test(opts.call)) throw new UsageError(`--call must be PALLET.METHOD, not '${opts.call}'`);
      try {
        opts.args = JSON.parse(opts.args ?? '[]');
      } catch {
        throw new UsageError(`--args must be a JSON array, not '${opts.args}'`);
      }
      if (!Array.isArray(opts.args)) throw new UsageError(`--args must be a JSON array, not '${JSON.stringify(opts.args)}'`);
    }
    opts.as ??= 'bob';
  } else if (command === 'vote') {
    if (!/^[0-9]+$/.test(rest[0])) throw new UsageError(`REFERENDUM must be a number, not '${rest[0]}'`);
    if (!['aye', 'nay'].includes(rest[1])) throw new UsageError(`a vote is aye or nay, not '${rest[1]}'`);
    if (opts.balance === undefined) throw new UsageError('vote needs --balance VRT');
    [opts.balance] = numbers('balance', opts.balance, (n) => Number.isFinite(n) && n > 0, 'one number of VRT above zero');
    const convictions = ['None', ...Array.from({ length: 6 }, (_, i) => `Locked${i + 1}x`)];
    opts.conviction ??= 'Locked1x';
    if (!convictions.includes(opts.conviction)) throw new UsageError(`--conviction must be None or Locked1x ... Locked6x, not '${opts.conviction}'`);
    opts.as ??= 'ferdie';
  } else if (command === 'referendum') {
    if (!/^[0-9]+$/.test(rest[0])) throw new UsageError(`REFERENDUM must be a number, not '${rest[0]}'`);
  } else if (command === 'dev-ceremony') {
    if (opts['zk-keys'] === undefined) throw new UsageError("dev-ceremony needs --zk-keys DIR (the node's --worker-zk-keys)");
    opts.node ??= process.env.VERITY_NODE;
    if (opts.node === undefined) throw new UsageError('dev-ceremony needs --node PATH (or VERITY_NODE): the verity-node binary');
    [opts.contributors] = numbers('contributors', opts.contributors ?? '4', (n) => Number.isInteger(n) && n > 0, 'a whole number above zero');
    opts.as ??= 'alice';
  } else {
    if (command === 'submit' && !/^0x[0-9a-fA-F]{64}$/.test(rest[0])) {
      throw new UsageError(`MODEL must be a 0x... id of 32 bytes, not '${rest[0]}'`);
    }
    if (opts.feeds !== undefined) {
      if (opts.values !== undefined) throw new UsageError('--feeds and --values are two inputs; give one');
      opts.feeds = numbers('feeds', opts.feeds, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'feed ids');
    }
    if (command === 'submit' && opts.values === undefined && opts.feeds === undefined) {
      throw new UsageError('submit needs --values V,V,... or --feeds ID,ID,...');
    }
    opts.values = opts.values === undefined ? Array.from({ length: 16 }, (_, i) => i / 8 - 1) : numbers('values', opts.values);
    opts.mode = mode(opts.mode);
    [opts.frac] = numbers('frac', opts.frac ?? '4', (n) => Number.isInteger(n) && n >= 0, 'a whole number');
    opts.as ??= 'eve';
  }
  return { command, arg: rest[0], arg2: rest[1], opts };
}

async function run({ command, arg, arg2, opts }) {
  // Loaded here, once the arguments are good: polkadot.js takes a while to load.
  const {
    connect, account, encodeF32, decodeF32, encodeI8, decodeI8, putModel, registerModel, serveModels, runJob, setWorker,
    acceptWorker, challenge, waitForChallenge, round, oracleValues, subscribe, followSubscription, cancelSubscription,
    waitForJob, propose, vote, referendum, waitForReferendum, NOT_APPROVED, UNIT,
  } = await import('./verity.mjs');
  const onnx = command === 'register' ? readFileSync(arg) : null;
  const api = await connect(opts.url);
  try {
    if (command === 'register') {
      const model = await putModel(api, onnx, { input: opts.input, output: opts.output });
      const price = BigInt(Math.round(opts.price * 1e6)) * UNIT / 1_000_000n;
      await registerModel(api, account(opts.as), { model, input: opts.input, output: opts.output, price, modes: opts.modes });
      await serveModels(api, account(opts['serve-as']), [DEMO_MODEL, model]);
      console.log(JSON.stringify({ model }));
    } else if (command === 'set-worker') {
      const worker = arg === 'none' ? null : account(arg).address;
      await setWorker(api, account(opts.as), worker);
      console.log(JSON.stringify({ worker }));
    } else if (command === 'accept-worker') {
      const operator = /^5[1-9A-HJ-NP-Za-km-z]{46,47}$/.test(arg) ? arg : account(arg).address;
      await acceptWorker(api, account(opts.as), operator);
      console.log(JSON.stringify({ operator }));
    } else if (command === 'oracle') {
      for (const feed of await oracleValues(api)) {
        console.log(JSON.stringify({ ...feed, value: feed.value === null ? null : decimal(feed.value, feed.decimals) }));
      }
    } else if (command === 'subscribe') {
      const id = await subscribe(api, account(opts.as), {
        model: opts.model, feeds: opts.feeds, mode: opts.mode, period: opts.every, runs: opts.runs,
      });
      console.log(JSON.stringify({ subscription: id }));
      if (opts.follow) {
        const ended = [];
        await followSubscription(api, id, {
          onRun: (run) => {
            if (run.skipped) return console.log(JSON.stringify({ subscription: id, skipped: run.skipped }));
            ended.push(waitForJob(api, run.job).then((result) => console.log(JSON.stringify({
              subscription: id, job: run.job, status: result.status, reason: result.reason,
              output: result.output && opts.mode !== 'Zk' ? decodeF32(result.output) : null,
            }))));
          },
          timeoutMs: Infinity,
        });
        await Promise.all(ended);
      }
    } else if (command === 'unsubscribe') {
      const { events } = await cancelSubscription(api, account(opts.as), Number(arg));
      const cancelled = events.find(({ event }) => api.events.inference.SubscriptionCancelled.is(event));
      console.log(JSON.stringify({ subscription: Number(arg), refunded: cancelled?.event.data.refunded.toString() }));
    } else if (command === 'propose') {
      const call = opts.params ? await marketParams(api, opts.params) : callOf(api, opts.call, opts.args);
      const { index, hash } = await propose(api, account(opts.as), { call, track: arg });
      console.log(JSON.stringify({ referendum: index, track: arg, hash }));
    } else if (command === 'vote') {
      const balance = BigInt(Math.round(opts.balance * 1e6)) * UNIT / 1_000_000n;
      await vote(api, account(opts.as), Number(arg), { aye: arg2 === 'aye', balance, conviction: opts.conviction });
      console.log(JSON.stringify(printable(await referendum(api, Number(arg)))));
    } else if (command === 'referendum') {
      const index = Number(arg);
      const now = await referendum(api, index);
      if (!now) throw new Error(`no referendum ${index}`);
      console.log(JSON.stringify(printable(now)));
      if (opts.follow && !NOT_APPROVED.includes(now.status)) {
        // Waits for the enactment (or finds it, if it is behind us).
        const { blockHash, ...outcome } = await waitForReferendum(api, index, { timeoutMs: Infinity });
        console.log(JSON.stringify({ referendum: index, ...outcome }));
        // `result` is null for an enactment older than the blocks the node keeps.
        if (outcome.status !== 'Enacted' || ![null, 'Ok'].includes(outcome.result)) process.exitCode = 1;
      }
    } else if (command === 'dev-ceremony') {
      console.log(JSON.stringify(await devCeremony(api, account(opts.as), opts)));
    } else if (command === 'challenge') {
      const id = Number(arg);
      const { bond } = await challenge(api, account(opts.as), id);
      const outcome = await waitForChallenge(api, id);
      const judges = (await round(api, id))?.members.map(([who]) => who.toString()) ?? [];
      console.log(JSON.stringify({ job: id, bond: bond.toString(), judges, outcome }));
    } else {
      const model = command === 'demo' ? DEMO_MODEL : arg;
      const zk = opts.mode === 'Zk';
      const input = opts.feeds ? undefined : zk ? encodeI8(opts.values, opts.frac) : encodeF32(opts.values);
      const result = await runJob(api, account(opts.as), { model, input, feeds: opts.feeds, mode: opts.mode });
      const decode = (bytes) => (zk ? decodeI8(bytes, opts.frac) : decodeF32(bytes));
      console.log(JSON.stringify({
        job: result.job, worker: result.worker, status: result.status,
        paid: result.paid?.toString(), reason: result.reason,
        output: result.output ? decode(result.output) : null,
      }));
      if (result.status !== 'Settled') process.exitCode = 1;
    }
  } finally {
    await api.disconnect();
  }
}

/**
 * `verity-node zk ARGS` (`node` the binary), which must succeed: its output lines as
 * `{ name: value }`, the first word of each line the name, the last the value.
 */
async function zk(node, args) {
  // Not `execFileSync`: a contribution takes minutes for a large model, and a blocked event
  // loop would let the node's WebSocket connection go stale.
  const { stdout: out } = await promisify(execFile)(node, ['zk', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return Object.fromEntries(out.split('\n').map((line) => line.trim().split(/\s+/)).filter((w) => w.length > 1).map((w) => [w[0], w[w.length - 1]]));
}

/**
 * `dev-ceremony`: a key for the model in `onnx` (default the demo model) from the setup ceremony,
 * `who` its owner and sudo. Phase 1 is made and sealed here unless it is sealed already and its
 * transcript is in the node's `zkKeys/ceremony`; a run stopped between `who`'s phase-1
 * contribution and the seal is resumed (its contribution sealed if its transcript was kept, else
 * phase 1 reset and made again).
 */
async function devCeremony(api, who, { 'zk-keys': zkKeys, node, contributors, onnx }) {
  const { phase1, phase1Step, phase1Contribution, contributePhase1, sealPhase1, resetPhase1, beginPhase2, phase2Steps, sealPhase2, sendAgain } = await import('./verity.mjs');
  const { blake2AsHex } = await import('@polkadot/util-crypto');
  const dir = mkdtempSync(join(tmpdir(), 'verity-dev-ceremony-'));
  const kept = (transcript) => join(zkKeys, 'ceremony', `${transcript}.ptau`);
  try {
    const info = await phase1(api);
    if (!info) throw new Error('the chain has no ceremony');
    let transcript;
    if (info.sealed !== null) {
      // Sealed before (by an earlier run): its transcript must be where the node keeps it.
      transcript = (await phase1Step(api, info.sealed)).transcript;
      if (!existsSync(kept(transcript))) throw new Error(`phase 1 is sealed already and its transcript is not in ${kept(transcript)}`);
    } else {
      let index = await phase1Contribution(api, who.address);
      if (index !== null) {
        // An earlier run contributed and stopped before the seal: its contribution is sealed if
        // its transcript was kept, else phase 1 starts again (a dev chain's sudo may).
        transcript = (await phase1Step(api, index)).transcript;
        if (!existsSync(kept(transcript))) {
          await sendAgain(() => resetPhase1(api, who));
          index = null;
        }
      }
      if (index === null) {
        // The public start (every element a generator), one contribution, sealed.
        const start = await zk(node, ['start-transcript', '--size', String(info.size), '--out', join(dir, 't0')]);
        if (start.transcript !== info.origin) throw new Error(`the starting transcript ${start.transcript} is not the chain's ${info.origin}`);
        const one = await zk(node, ['contribute', '--phase', '1', '--transcript', join(dir, 't0'), '--account', who.address, '--out', join(dir, 't1')]);
        transcript = one.transcript;
        // Kept before it is published, so a run stopped in between can seal it; put in place
        // through a rename: the node shares what it finds there, never half a file.
        mkdirSync(join(zkKeys, 'ceremony'), { recursive: true });
        copyFileSync(join(dir, 't1'), `${kept(transcript)}.partial`);
        renameSync(`${kept(transcript)}.partial`, kept(transcript));
        index = await sendAgain(() => contributePhase1(api, who, { contribution: one.contribution, transcript }));
      }
      await sendAgain(() => sealPhase1(api, who, index));
    }
    copyFileSync(kept(transcript), join(dir, 't1'));
    // Phase 2: the key derived from the sealed transcript, then the node's verifiers, each
    // extending the one before.
    const bytes = readFileSync(onnx ?? new URL('../../node/res/demo-model.onnx', import.meta.url));
    const model = blake2AsHex(bytes, 256);
    writeFileSync(join(dir, 'model.onnx'), bytes);
    const derived = await zk(node, ['derive', join(dir, 'model.onnx'), '--transcript', join(dir, 't1'), '--out', join(dir, 'derived')]);
    await sendAgain(() => beginPhase2(api, who, { model, inputs: derived.input, transcript: derived.transcript }));
    const deadline = Date.now() + 3_600_000;
    let deepest;
    for (;;) {
      deepest = (await phase2Steps(api, model)).reduce((a, b) => (!a || b.depth > a.depth ? b : a), null);
      if (deepest?.depth >= contributors) break;
      if (Date.now() > deadline) throw new Error(`${deepest?.depth ?? 0} of ${contributors} contributions in an hour: is the node run with --worker-ceremony?`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const sealed = await sendAgain(() => sealPhase2(api, who, { model, index: deepest.index }));
    return { model, phase1: transcript, phase2: sealed.transcript, contributors: sealed.contributors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `api.tx[pallet][method](...args)`, or a clear error if the chain has no such call. */
function callOf(api, name, args) {
  const [pallet, method] = name.split('.');
  const build = api.tx[pallet]?.[method];
  if (!build) throw new Error(`the chain has no call ${name}`);
  return build(...args);
}

/** `inference.setParams` with the chain's current market parameters, `changes` applied. */
async function marketParams(api, changes) {
  const params = (await api.query.inference.params()).toJSON();
  for (const [field, value] of Object.entries(changes)) {
    if (!Object.hasOwn(params, field)) throw new Error(`the market has no parameter ${field} (${Object.keys(params).join(', ')})`);
    params[field] = value;
  }
  return api.tx.inference.setParams(params);
}

/** A referendum as the CLI prints it: `referendum` its index, BigInts as strings. */
function printable({ index, ...fields }) {
  return { referendum: index, ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])) };
}

/** The integer `value` (a BigInt) of `decimals` decimals as a decimal string: 1234n, 3 → "1.234". */
function decimal(value, decimals) {
  const digits = (value < 0n ? -value : value).toString().padStart(decimals + 1, '0');
  const point = digits.length - decimals;
  const text = decimals ? `${digits.slice(0, point)}.${digits.slice(point)}` : digits;
  return value < 0n ? `-${text}` : text;
}

/** Reports `error` as one line on stderr (its stack too with VERITY_DEBUG) and sets the exit code. */
function fail(error, code, hint = '') {
  const message = String(error?.message ?? error).trim().replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`cli.mjs: ${message}${hint}\n`);
  if (DEBUG && error?.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = code;
}

// polkadot.js logs its own view of a failure (`RPC-CORE: ...`) to the console; the CLI reports
// each error once, itself.
if (!DEBUG) console.error = console.warn = () => {};

const args = process.argv.slice(2);
if (args.some((a) => ['-h', '--help', 'help'].includes(a))) {
  process.stdout.write(USAGE);
} else {
  let request;
  try {
    request = parse(args);
  } catch (error) {
    fail(error, 2, ' (see cli.mjs --help)');
  }
  if (request) await run(request).catch((error) => fail(error, 1));
}
