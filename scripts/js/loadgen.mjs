#!/usr/bin/env node
// loadgen — a load generator for a Verity chain: many requesters submit jobs at a target rate
// (or with a fixed number outstanding, or in one burst), and it reports what became of every
// job, how fast and how late (`node loadgen.mjs --help`; `scripts/loadgen.sh` builds and runs it).
//
//   node loadgen.mjs --rate 20 --duration 60              # its own dev node, Aura blocks of 6 s
//   node loadgen.mjs --url ws://host:9944 --rate 50 --fund-from //Alice --accounts 64
//   node loadgen.mjs --concurrency 200 --duration 120     # closed loop: 200 jobs outstanding
//   node loadgen.mjs --burst 200 --sealing instant        # 200 jobs as fast as they go, then drain
//
// How it works:
// - Requesters are the dev accounts `//0`, `//1`, ... (sr25519); `--fund-from` tops them up first
//   with one `utility.batchAll` of transfers, for chains whose genesis does not endow them.
// - Jobs go out in `inference.submitJobs` transactions of up to `--batch` jobs when the runtime
//   has that call, else one `inference.submitJob` each; both are tracked the same way.
// - Transactions are immortal (`era: 0`) with nonces counted here, sent with
//   `author_submitExtrinsic` (no subscription each). An RPC refusal is counted by its message
//   and the account's nonce is read again from the node before its next transaction. A job is
//   never retried. Each account has at most `--in-flight` transactions sent and not yet seen in
//   a block; when every account is that busy, sending waits (backpressure), and jobs that leave
//   more than 2 s after they were due count as late. A transaction not in a block after 60 s
//   frees its slot (and the account's nonce is read again).
// - Two subscriptions follow the chain (best and finalized heads). Each new block and any
//   parent not seen yet is read once (its extrinsics and `system.events`) and kept by hash.
//   Figures are counted along one chain only, walking parents back from its head: the finalized
//   head once finality covers every block that matters, else the best head (the report says
//   which). So a block re-orged out counts for nothing, and everything is keyed by transaction
//   hash and job id, so nothing counts twice.
//
// The report (stdout, and report.json, report.svg, blocks.csv in --out):
//   jobs.sent                 jobs in transactions we tried to send
//   jobs.unsent               (--rate, --burst) jobs due before --duration ended that backpressure
//                             held back
//   jobs.late                 (--rate) jobs sent more than 2 s after they were due
//   jobs.submitted            our jobs with a `JobSubmitted` event on the counted chain
//   jobs.settled / refunded   of those, ended by `JobSettled` / `JobRefunded` (refunds by reason)
//   jobs.lost                 submitted (fee held) but neither settled nor refunded at the end
//   jobs.dropped              in transactions the pool took that never reached the counted chain
//   jobs.refusedAtSubmission  in transactions the RPC refused (pool full, 1010 invalid, 1014 ...)
//   jobs.failedOnChain        in transactions included with `ExtrinsicFailed` (by module error)
//   throughput                jobs/s sent (achieved), submitted and settled over the steady part:
//                             from the first block holding such an event to the last block
//                             stamped before sending ended, by the blocks' timestamps
//   latency.seconds           from sending a job's transaction to seeing its `JobSettled` block
//   latency.blocks            the block of `JobSettled` minus that of `JobSubmitted`
//   throughput.overall        jobs/s from the first send to the last block holding such an event
//   blocks                    block time from on-chain timestamps (`blocks.clock`: 'timestamp'),
//                             or from when loadgen saw the blocks ('seen') when they are stamped
//                             ahead of the wall clock (instant sealing stamps each block a slot
//                             after its parent); extrinsics per block (all, signed, our jobs);
//                             finality lag (best minus finalized, at each new best block);
//                             re-orged blocks seen; blocks.csv has each counted block
//   nodeCpu / clientCpu       the node's CPU (/proc/PID/stat, sampled each second) when it runs
//                             here (started by loadgen, or --node-pid); loadgen's own CPU
//
// Exit code 0 when no job is lost and at most --allow-refused jobs ended otherwise than settled
// (refused, failed on chain, dropped, refunded); 1 otherwise or on a failure at run time; 2 for
// bad arguments. Errors are one line on stderr; VERITY_DEBUG=1 adds stacks and polkadot.js logs.

import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  percentile, spread, chainTo, tally, withClock, countJobs, steadyRate, blockTimes, latencies, renderSvg, plotPanels,
} from './loadgen-report.mjs';

const USAGE = `usage: loadgen.mjs [OPTIONS]

Submits jobs to a Verity chain from many accounts and reports what became of them.

the node:
  --url URL            a node's WebSocket RPC; without it, loadgen starts its own dev node
                       (verity-node --dev --worker, $VERITY_NODE or the debug build)
  --sealing MODE       its own node's sealing: aura (6 s blocks, GRANDPA; default), instant
                       or manual
  --node-args "ARGS"   more arguments for its own node
  --node-pid PID       sample this process's CPU (a node on this machine, with --url)

the load (one of --rate, --concurrency, --burst; default --rate 10):
  --rate R             open loop: R jobs a second on average, whatever the chain does
  --concurrency K      closed loop: at most K jobs outstanding (sent and not ended)
  --burst N            N jobs as fast as backpressure lets them go, then drain
  --duration S         seconds of sending (default 60); for --burst, the most sending may
                       take (default 600)
  --drain S            seconds to wait after sending for open jobs to end (default 60)

the jobs:
  --model 0x...        the model (default: the dev chain's demo model)
  --mode Fast|Zk       the verification mode (default Fast); inputs fit the model's tensor
  --max-fee VRT        the most a job may cost (default: the chain's estimate of its fee)
  --batch B            jobs a transaction, with inference.submitJobs (default 32; 1: one
                       submitJob a job, as on runtimes without submitJobs)

the requesters:
  --accounts N         the accounts //0 ... //N-1 send (default 16)
  --in-flight N        transactions an account may have sent and not yet in a block (default
                       4 with batches, 16 with one job a transaction)
  --fund-from ACCOUNT  first top up each account to --fund-amount from ACCOUNT (//Alice, alice,
                       a mnemonic), in one utility.batchAll
  --fund-amount VRT    the balance to top up to (default 1000)

the outcome:
  --out DIR            where report.json, report.svg and blocks.csv go
                       (default ./loadgen-<date>-<time>)
  --allow-refused N    jobs that may end otherwise than settled (refused, failed on chain,
                       dropped, refunded) with exit code 0 (default 0)
  --quiet              no progress lines on stderr
  -h, --help           print this text

The report is JSON on stdout. Exit code 0 if no job was lost and at most --allow-refused ended
otherwise than settled, 1 if not or on a failure at run time (one line on stderr), 2 for bad
arguments. Ctrl-C once stops sending and drains, twice stops draining and reports.
Environment: VERITY_DEBUG=1 prints stacks and polkadot.js's own logs; VERITY_NODE names the
node binary for its own node.
`;

/** The dev chain's demo model, as `scripts/gen-demo-model.sh` wrote it. */
const DEMO_MODEL = JSON.parse(readFileSync(new URL('./demo-model.json', import.meta.url))).id;

const LINGER_MS = 1000; // --rate: a part-filled batch waits at most this long for more jobs
const LATE_MS = 2000; // --rate: a job sent this long after it was due is late
const STUCK_MS = 60_000; // a transaction not in a block after this frees its account's slot
const TICK_MS = 20; // the sender's loop
const FINALITY_WAIT_MS = 30_000; // after draining, how long to wait for finality to catch up
const MAX_WALK = 512; // parents read back from one new head at most
const VRT = 10n ** 12n;

const DEBUG = !['', '0', undefined].includes(process.env.VERITY_DEBUG);

export class UsageError extends Error {}

/** A whole number of option `name` within [min, max]. */
function integer(name, text, min, max = Number.MAX_SAFE_INTEGER) {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} takes a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, not '${text}'`);
  return n;
}

/** A positive (or, with `zero`, non-negative) number of option `name`. */
function positive(name, text, zero = false) {
  const n = /^\d+(\.\d+)?$|^\.\d+$/.test(text) ? Number(text) : NaN;
  if (!(n > 0 || (zero && n === 0))) throw new UsageError(`--${name} takes a ${zero ? 'non-negative' : 'positive'} number, not '${text}'`);
  return n;
}

/** An amount of VRT (up to 12 decimals) of option `name`, in plancks. */
function vrt(name, text) {
  const m = /^(\d+)(?:\.(\d{1,12}))?$/.exec(text);
  if (!m) throw new UsageError(`--${name} takes an amount of VRT such as 1 or 0.5, not '${text}'`);
  return BigInt(m[1]) * VRT + BigInt((m[2] ?? '').padEnd(12, '0'));
}

const OPTIONS = {
  url: { type: 'string' }, sealing: { type: 'string' }, 'node-args': { type: 'string' }, 'node-pid': { type: 'string' },
  rate: { type: 'string' }, concurrency: { type: 'string' }, burst: { type: 'string' }, duration: { type: 'string' },
  drain: { type: 'string' }, model: { type: 'string' }, mode: { type: 'string' }, 'max-fee': { type: 'string' },
  batch: { type: 'string' }, accounts: { type: 'string' }, 'in-flight': { type: 'string' }, 'fund-from': { type: 'string' },
  'fund-amount': { type: 'string' }, out: { type: 'string' }, 'allow-refused': { type: 'string' }, quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/**
 * The command line as options (`{ url, sealing, nodeArgs, nodePid, load: { kind, ... }, duration,
 * drain, model, mode, maxFee, batch, accounts, inFlight, fundFrom, fundAmount, out,
 * allowRefused, quiet }`); throws a `UsageError` if it is not one.
 */
export function parseOptions(args, now = new Date()) {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true }));
  } catch (error) {
    throw new UsageError(error.message.replace(/\. This command does not take positional arguments$/, ''));
  }
  const v = (name) => values[name];
  const url = v('url');
  if (url !== undefined && !/^wss?:\/\/./.test(url)) throw new UsageError(`--url must be ws://... or wss://..., not '${url}'`);
  if (url !== undefined && v('sealing') !== undefined) throw new UsageError('--sealing is for its own node: not with --url');
  if (url !== undefined && v('node-args') !== undefined) throw new UsageError('--node-args is for its own node: not with --url');
  const sealing = v('sealing') ?? 'aura';
  if (!['aura', 'instant', 'manual'].includes(sealing)) throw new UsageError(`--sealing must be aura, instant or manual, not '${sealing}'`);

  const loads = ['rate', 'concurrency', 'burst'].filter((k) => v(k) !== undefined);
  if (loads.length > 1) throw new UsageError(`--${loads[0]} and --${loads[1]} exclude each other`);
  let load;
  if (v('burst') !== undefined) {
    load = { kind: 'burst', jobs: integer('burst', v('burst'), 1) };
  } else if (v('concurrency') !== undefined) {
    load = { kind: 'concurrency', jobs: integer('concurrency', v('concurrency'), 1) };
  } else {
    load = { kind: 'rate', perSecond: positive('rate', v('rate') ?? '10') };
  }
  const mode = v('mode') ?? 'Fast';
  if (!['Fast', 'Zk'].includes(mode)) throw new UsageError(`--mode must be Fast or Zk, not '${mode}'`);
  const model = v('model') ?? DEMO_MODEL;
  if (!/^0x[0-9a-fA-F]{64}$/.test(model)) throw new UsageError(`--model must be a 0x... id of 32 bytes, not '${model}'`);
  const stamp = now.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '').replace('T', '-');
  return {
    url,
    sealing,
    nodeArgs: (v('node-args') ?? '').split(/\s+/).filter(Boolean),
    nodePid: v('node-pid') === undefined ? null : integer('node-pid', v('node-pid'), 1),
    load,
    duration: positive('duration', v('duration') ?? (load.kind === 'burst' ? '600' : '60')),
    drain: positive('drain', v('drain') ?? '60', true),
    model,
    mode,
    maxFee: v('max-fee') === undefined ? null : vrt('max-fee', v('max-fee')),
    batch: integer('batch', v('batch') ?? '32', 1, 64),
    accounts: integer('accounts', v('accounts') ?? '16', 1, 4096),
    inFlight: v('in-flight') === undefined ? null : integer('in-flight', v('in-flight'), 1, 1024),
    fundFrom: v('fund-from') ?? null,
    fundAmount: vrt('fund-amount', v('fund-amount') ?? '1000'),
    out: v('out') ?? `loadgen-${stamp}`,
    allowRefused: integer('allow-refused', v('allow-refused') ?? '0', 0),
    quiet: v('quiet') ?? false,
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `plancks` as VRT with up to three decimals. */
function toVrt(plancks) {
  return Number(plancks / 10n ** 9n) / 1000;
}

/** An RPC error as its kind: the message without the figures in parentheses. */
export function errorKind(error) {
  const message = String(error?.message ?? error).replace(/\s*\([^)]*\)/g, '').replace(/\s+,/g, ',').replace(/[\s:]+$/, '').trim();
  return message.slice(0, 160) || 'unknown error';
}

/** A dispatch error as `pallet.Error`, or its kind (`Token.FundsUnavailable`). */
function dispatchErrorName(api, dispatchError) {
  if (dispatchError.isModule) {
    const { section, name } = api.registry.findMetaError(dispatchError.asModule);
    return `${section}.${name}`;
  }
  const inner = dispatchError.value?.type;
  return inner ? `${dispatchError.type}.${inner}` : dispatchError.type;
}

/** `bytes` as 0x-prefixed hex. */
function toHex(bytes) {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

/** An account as the report may name it: a dev name or `//Seed`, not a mnemonic. */
function publicName(account) {
  return /^(\/\/[\w-]+|[a-z]+)$/.test(account) ? account : '(a secret phrase)';
}

/** Progress on stderr, unless --quiet. */
function progress(opts, text) {
  if (!opts.quiet) process.stderr.write(`loadgen: ${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// Inputs: bytes of the model's input tensor, different for every job.

/**
 * A function from a job's sequence number to input bytes for `model` in `mode`: `Fast` takes
 * the tensor as its dtype says (f32, i8 or i32, little-endian), `Zk` one i8 an element.
 */
function inputMaker(io, mode) {
  const elements = io.input.shape.reduce((a, b) => a * b, 1);
  const dtype = mode === 'Zk' ? 'I8' : io.input.dtype;
  const size = { F32: 4, I8: 1, I32: 4 }[dtype];
  if (!size) throw new Error(`the model's input dtype ${dtype} is not one loadgen can make`);
  return (seq) => {
    const bytes = new Uint8Array(elements * size);
    const view = new DataView(bytes.buffer);
    for (let k = 0; k < elements; k++) {
      const x = ((seq * 7 + k * 3) % 17) - 8; // -8 ... 8
      if (dtype === 'F32') view.setFloat32(k * 4, x / 8, true);
      else if (dtype === 'I8') view.setInt8(k, x);
      else view.setInt32(k * 4, x, true);
    }
    return bytes;
  };
}

// ---------------------------------------------------------------------------------------------
// The chain as loadgen sees it: every block since the start, by hash.

/**
 * Follows best and finalized heads and reads each new block once, with any parents not read yet
 * (a re-org, or heads the subscription skipped), back to the block the run started at.
 */
class ChainTracker {
  constructor(api, txs, onBlock) {
    Object.assign(this, { api, txs, onBlock });
    this.blocks = new Map();
    this.queue = Promise.resolve();
    this.lags = []; // best minus finalized, at each new best block
    this.errors = 0; // blocks that could not be read
    this.lastError = null;
  }

  /** Subscribes to best and finalized heads; blocks up to the current best are not read. */
  async start() {
    const [best, finalizedHash] = await Promise.all([this.api.rpc.chain.getHeader(), this.api.rpc.chain.getFinalizedHead()]);
    this.startNumber = best.number.toNumber();
    this.best = { hash: best.hash.toHex(), number: this.startNumber };
    const finalized = await this.api.rpc.chain.getHeader(finalizedHash);
    this.finalized = { hash: finalizedHash.toHex(), number: finalized.number.toNumber() };
    this.unsubs = await Promise.all([
      this.api.rpc.chain.subscribeNewHeads((header) => {
        const number = header.number.toNumber();
        this.best = { hash: header.hash.toHex(), number };
        this.lags.push(number - this.finalized.number);
        this.enqueue(header);
      }),
      this.api.rpc.chain.subscribeFinalizedHeads((header) => {
        this.finalized = { hash: header.hash.toHex(), number: header.number.toNumber() };
        this.enqueue(header);
      }),
    ]);
  }

  stop() {
    for (const unsub of this.unsubs ?? []) unsub();
  }

  /** Reads `header`'s block and its unseen parents, one head at a time. */
  enqueue(header) {
    const seenAt = Date.now();
    this.queue = this.queue.then(() => this.importChain(header, seenAt)).catch((error) => {
      this.errors += 1;
      this.lastError = error;
    });
  }

  /** Resolves once every head received so far has been read. */
  async idle() {
    let queue;
    do {
      queue = this.queue;
      await queue;
    } while (queue !== this.queue);
  }

  async importChain(header, seenAt) {
    const todo = [];
    for (let h = header; h && todo.length < MAX_WALK;) {
      const number = h.number.toNumber();
      if (number <= this.startNumber || this.blocks.has(h.hash.toHex())) break;
      todo.push(h);
      h = number - 1 > this.startNumber ? await this.api.rpc.chain.getHeader(h.parentHash) : null;
    }
    for (const h of todo.reverse()) await this.readBlock(h, seenAt);
  }

  /** The facts of one block (see loadgen-report.mjs), kept and handed to `onBlock`. */
  async readBlock(header, seenAt) {
    const { api, txs } = this;
    const hash = header.hash.toHex();
    const [signed, events] = await Promise.all([api.rpc.chain.getBlock(hash), api.query.system.events.at(hash)]);
    const extrinsics = signed.block.extrinsics;
    const hashes = extrinsics.map((xt) => xt.hash.toHex());
    const facts = {
      hash, parent: header.parentHash.toHex(), number: header.number.toNumber(), seenAt, timestamp: null,
      extrinsics: extrinsics.length, signed: extrinsics.filter((xt) => xt.isSigned).length,
      ours: hashes.filter((h) => txs.has(h)), submitted: [], settled: [], refunded: [], failed: [],
    };
    for (const xt of extrinsics) {
      if (xt.method.section === 'timestamp' && xt.method.method === 'set') facts.timestamp = Number(xt.method.args[0].toString());
    }
    for (const { phase, event } of events) {
      const tx = phase.isApplyExtrinsic ? hashes[phase.asApplyExtrinsic.toNumber()] : null;
      const ours = tx !== null && txs.has(tx);
      if (api.events.inference.JobSubmitted.is(event)) {
        if (ours) facts.submitted.push([event.data.job.toString(), tx]);
      } else if (api.events.inference.JobSettled.is(event)) {
        facts.settled.push(event.data.job.toString());
      } else if (api.events.inference.JobRefunded.is(event)) {
        facts.refunded.push([event.data.job.toString(), event.data.reason.toString()]);
      } else if (api.events.system.ExtrinsicFailed.is(event) && ours) {
        facts.failed.push([tx, dispatchErrorName(api, event.data.dispatchError)]);
      }
    }
    this.blocks.set(hash, facts);
    this.onBlock(facts);
  }

  /** The chain to the best or the finalized head, oldest first. */
  chain(which = 'best') {
    return chainTo(this.blocks, this[which].hash);
  }
}

// ---------------------------------------------------------------------------------------------
// The sender: accounts, nonces, transactions, and the live count of outstanding jobs.

/**
 * The arguments of a call in the order its metadata `meta` names them (`max_fee` is `maxFee`
 * in `named`), so `submitJob(model, input, mode, max_fee)` and `submitJobs(model, mode,
 * max_fee, inputs)` are built alike; throws on a name `named` lacks.
 */
export function argsByName(meta, named) {
  return meta.args.map(({ name }) => {
    const key = String(name).replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    if (!Object.hasOwn(named, key)) throw new Error(`inference.${meta.name} takes an argument '${name}' loadgen does not know`);
    return named[key];
  });
}

/**
 * Sends jobs from the accounts: each account's transactions one after another (the next waits
 * for the RPC's answer to the last), at most `opts.inFlight` of them not yet in a block, with
 * the nonce counted here and read from the node again after a refusal or a stuck transaction.
 * `txs` keeps every transaction sent; `live` the counts as blocks are read.
 */
export class Sender {
  constructor(api, { pairs, nonces, opts, maxFee, makeInput, batched }) {
    Object.assign(this, { api, opts, maxFee, makeInput, batched });
    this.accounts = pairs.map((pair, index) => ({ index, pair, nonce: nonces[index], resync: false, busy: false, inFlight: new Set() }));
    this.txs = new Map(); // tx hash -> tx (see loadgen-report.mjs)
    this.sends = new Set(); // submissions the RPC has not answered yet
    this.next = 0; // round robin over accounts
    this.seq = 0; // jobs made so far
    this.local = 0; // transactions that failed before they had a hash
    this.sentJobs = 0;
    // Live counts for the closed loop and progress lines: first seen, on any fork.
    this.live = { pending: 0, open: 0, included: new Set(), ids: new Set(), ended: new Set(), settled: 0, refunded: 0, failed: 0, refused: 0 };
  }

  /** Jobs sent and not ended (refused, failed, settled, refunded, or stuck), as seen so far. */
  outstanding() {
    return this.live.pending + this.live.open;
  }

  /** An account that may send now, round robin; or null. */
  freeAccount() {
    const n = this.accounts.length;
    for (let i = 0; i < n; i++) {
      const acct = this.accounts[(this.next + i) % n];
      if (!acct.busy && acct.inFlight.size < this.opts.inFlight) {
        this.next = (this.next + i + 1) % n;
        return acct;
      }
    }
    return null;
  }

  /** The call that submits `inputs` (each `{ Inline: hex }`). */
  call(inputs) {
    const { api, opts } = this;
    const fn = this.batched ? api.tx.inference.submitJobs : api.tx.inference.submitJob;
    return fn(...argsByName(fn.meta, { model: opts.model, mode: opts.mode, maxFee: this.maxFee, inputs, input: inputs[0] }));
  }

  /** Starts sending `jobs` (each `{ seq, due }`) from `acct`; does not wait for the RPC. */
  send(acct, jobs) {
    const promise = this.submit(acct, jobs).finally(() => this.sends.delete(promise));
    this.sends.add(promise);
  }

  async submit(acct, jobs) {
    const { api, live } = this;
    acct.busy = true;
    this.sentJobs += jobs.length;
    let tx = null;
    try {
      if (acct.resync) {
        acct.nonce = (await api.rpc.system.accountNextIndex(acct.pair.address)).toNumber();
        acct.resync = false;
      }
      const xt = this.call(jobs.map((j) => ({ Inline: toHex(this.makeInput(j.seq)) })));
      await xt.signAsync(acct.pair, { nonce: acct.nonce, era: 0 }); // immortal: cannot expire
      tx = { hash: xt.hash.toHex(), account: acct.index, nonce: acct.nonce, jobs: jobs.length, dues: jobs.map((j) => j.due), sentAt: Date.now(), state: 'sent', error: null };
      this.txs.set(tx.hash, tx);
      acct.inFlight.add(tx.hash);
      live.pending += tx.jobs;
      await api.rpc.author.submitExtrinsic(xt);
      tx.state = 'pooled';
      acct.nonce += 1;
    } catch (error) {
      if (!tx) {
        // Refused before it had a hash (no nonce, a call the runtime does not take).
        tx = { hash: `local-${(this.local += 1)}`, account: acct.index, nonce: acct.nonce, jobs: jobs.length, dues: jobs.map((j) => j.due), sentAt: Date.now(), state: 'sent' };
        this.txs.set(tx.hash, tx);
        live.pending += tx.jobs;
      }
      tx.state = 'refused';
      tx.error = errorKind(error);
      acct.inFlight.delete(tx.hash);
      acct.resync = true; // a nonce may be skipped or taken: read it from the node again
      if (!live.included.has(tx.hash)) live.pending -= tx.jobs;
      live.refused += tx.jobs;
    } finally {
      acct.busy = false;
    }
  }

  /** Frees the slots of transactions not in a block after STUCK_MS; their accounts resync. */
  sweep(now) {
    for (const acct of this.accounts) {
      for (const hash of acct.inFlight) {
        const tx = this.txs.get(hash);
        if (tx.state === 'pooled' && now - tx.sentAt > STUCK_MS) {
          acct.inFlight.delete(hash);
          acct.resync = true;
          tx.stuck = true;
          this.live.pending -= tx.jobs;
        }
      }
    }
  }

  /** A block was read: frees in-flight slots and updates the live counts. */
  onBlock(facts) {
    const { live, txs } = this;
    for (const hash of facts.ours) {
      if (live.included.has(hash)) continue;
      live.included.add(hash);
      const tx = txs.get(hash);
      this.accounts[tx.account].inFlight.delete(hash);
      if (!tx.stuck && tx.state !== 'refused') live.pending -= tx.jobs;
    }
    for (const [hash] of facts.failed) live.failed += txs.get(hash)?.jobs ?? 0;
    for (const [id] of facts.submitted) {
      if (!live.ids.has(id)) {
        live.ids.add(id);
        live.open += 1;
      }
    }
    const end = (id, kind) => {
      if (live.ids.has(id) && !live.ended.has(id)) {
        live.ended.add(id);
        live.open -= 1;
        live[kind] += 1;
      }
    };
    for (const id of facts.settled) end(id, 'settled');
    for (const [id] of facts.refunded) end(id, 'refunded');
  }
}

// ---------------------------------------------------------------------------------------------
// The load: when jobs are released to the sender.

/**
 * The plan of `opts.load`: `want(elapsedMs, queued, released)` is how many more jobs to release now,
 * `done(elapsedMs, released, queued)` whether sending is over, `linger` how long a part-filled
 * batch may wait, and `due(i)` when job `i` was due (ms after the start).
 */
function makePlan(opts, sender) {
  const { load } = opts;
  const durationMs = (opts.duration ?? 0) * 1000;
  if (load.kind === 'burst') {
    return {
      want: (_, __, released) => load.jobs - released,
      done: (el, released, queued) => (released >= load.jobs && queued === 0) || el >= durationMs,
      linger: 0,
      due: () => 0,
    };
  }
  if (load.kind === 'concurrency') {
    return { want: (_, queued) => Math.max(0, load.jobs - queued - sender.outstanding()), done: (el) => el >= durationMs, linger: 0, due: null };
  }
  const total = Math.round(load.perSecond * opts.duration);
  return {
    // Job i is due at i / rate s: job 0 at once.
    want: (el, _, released) => Math.min(total, Math.floor((el / 1000) * load.perSecond) + 1) - released,
    done: (el) => el >= durationMs,
    linger: Math.min(LINGER_MS, (opts.batch / load.perSecond) * 1000),
    due: (i) => (i * 1000) / load.perSecond,
  };
}

/**
 * Sends jobs as the plan releases them until it is done or `stop()` says so: full batches at
 * once, a part-filled one after the plan's linger, each from a free account. Resolves with
 * `{ released, unsent, late, maxDelayMs, backpressureMs, stoppedEarly }`.
 */
async function sendPhase(sender, plan, t0, stop) {
  const queue = []; // released jobs not sent yet: { seq, due }
  let released = 0;
  let backpressureMs = 0;
  let last = Date.now();
  for (;;) {
    const now = Date.now();
    const el = now - t0;
    const stopped = stop();
    if (!stopped) {
      for (let n = plan.want(el, queue.length, released); n > 0; n--, released++) {
        queue.push({ seq: sender.seq++, due: t0 + (plan.due ? plan.due(released) : el) });
      }
    }
    const done = stopped || plan.done(el, released, queue.length);
    sender.sweep(now);
    // Full batches go at once; a part-filled one after the linger, or when sending ends.
    let blocked = false;
    while (queue.length > 0) {
      const n = Math.min(sender.opts.batch, queue.length);
      if (n < sender.opts.batch && now - queue[0].due < plan.linger && !done) break;
      const acct = sender.freeAccount();
      if (!acct) {
        blocked = true;
        break;
      }
      sender.send(acct, queue.splice(0, n));
    }
    if (blocked) backpressureMs += now - last;
    last = now;
    if (done) break;
    await sleep(TICK_MS);
  }
  // The RPC answers every submission, unless the connection drops.
  await Promise.race([Promise.allSettled([...sender.sends]), sleep(30_000)]);
  let late = 0;
  let maxDelayMs = 0;
  for (const tx of sender.txs.values()) {
    for (const due of tx.dues) {
      maxDelayMs = Math.max(maxDelayMs, tx.sentAt - due);
      if (tx.sentAt - due > LATE_MS) late += 1;
    }
  }
  return { released, unsent: queue.length, late, maxDelayMs, backpressureMs, stoppedEarly: stop() };
}

/**
 * Waits up to `drainMs` until every transaction is refused or in a best block and every job of
 * ours on the best chain ended, then up to FINALITY_WAIT_MS for finality to reach the last
 * block that matters. Resolves with the head to count from: `'finalized'` or `'best'`.
 */
async function drainPhase(sender, tracker, drainMs, stop) {
  const deadline = Date.now() + drainMs;
  let last = null; // the newest block holding anything of ours, once all is over
  while (!stop()) {
    await tracker.idle();
    const chain = tracker.chain('best');
    const view = tally(chain, sender.txs);
    const resolved = [...sender.txs.values()].every((tx) => tx.state === 'refused' || view.included.has(tx.hash));
    const ended = [...view.jobs.values()].every((job) => job.settled || job.refunded);
    if (resolved && ended) {
      last = Math.max(0, ...[...view.included.values()].map((b) => b.number),
        ...[...view.jobs.values()].map((j) => (j.settled ?? j.refunded?.block)?.number ?? 0));
      break;
    }
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  const target = last ?? tracker.best.number;
  const finalityDeadline = Date.now() + FINALITY_WAIT_MS;
  while (tracker.finalized.number < target && Date.now() < finalityDeadline && !stop()) await sleep(250);
  await tracker.idle();
  return tracker.finalized.number >= target && tracker.blocks.has(tracker.finalized.hash) ? 'finalized' : 'best';
}

// ---------------------------------------------------------------------------------------------
// CPU: a process's, from /proc, each second.

/** Starts sampling `pid`'s CPU; `stop()` returns `{ pid, avgPercent, maxPercent, samples }` or null. */
function cpuSampler(pid) {
  if (!pid) return { stop: () => null };
  let hz = 100;
  try {
    hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch { /* the usual value */ }
  const read = () => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ticks: Number(fields[11]) + Number(fields[12]), at: Date.now() };
  };
  let first;
  try {
    first = read();
  } catch {
    return { stop: () => ({ pid, error: `cannot read /proc/${pid}/stat` }) };
  }
  let prev = first;
  let max = null;
  let samples = 0;
  const sample = () => {
    try {
      const now = read();
      if (now.at - prev.at < 100) return;
      const pct = ((now.ticks - prev.ticks) / hz / ((now.at - prev.at) / 1000)) * 100;
      samples += 1;
      max = Math.max(max ?? 0, pct);
      prev = now;
    } catch { /* the process ended */ }
  };
  const timer = setInterval(sample, 1000);
  let result = null;
  return {
    stop() {
      if (result) return result;
      clearInterval(timer);
      sample(); // the last part of a second, so that a short run has a figure too
      const seconds = (prev.at - first.at) / 1000;
      const avg = seconds > 0 ? ((prev.ticks - first.ticks) / hz / seconds) * 100 : null;
      const round = (v) => (v === null ? null : Number(v.toFixed(1)));
      result = { pid, avgPercent: round(avg), maxPercent: round(max), samples };
      return result;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The report.

/** The chain the report counts (to the `countedFrom` head), its clock, and its tally. */
function counted(tracker, countedFrom, txs) {
  const { clock, chain } = withClock(tracker.chain(countedFrom));
  return { countedFrom, clock, chain, view: tally(chain, txs) };
}

/** Jobs a second from the first send to the last block holding `count` of them (seen time). */
function overallRate(chain, count, t0) {
  const blocks = chain.filter((b) => count(b) > 0);
  const seconds = blocks.length ? (blocks.at(-1).seenAt - t0) / 1000 : 0;
  const jobs = blocks.reduce((n, b) => n + count(b), 0);
  return seconds > 0 ? Number((jobs / seconds).toFixed(2)) : null;
}

/** The report's figures from everything the run saw. */
function buildReport({ opts, info, sender, tracker, sent, counted: { countedFrom, clock, chain, view }, times, cpu, clientCpu, batching, maxFee }) {
  const { jobs, transactions } = countJobs(sender.txs, view);
  const rate = opts.load.kind === 'rate';
  jobs.unsent = opts.load.kind === 'concurrency' ? null : sent.unsent;
  jobs.late = rate ? sent.late : null;

  const settledIn = new Map();
  for (const job of view.jobs.values()) if (job.settled) settledIn.set(job.settled.hash, (settledIn.get(job.settled.hash) ?? 0) + 1);
  // Settlements trail submissions: their window ends as much later as the first one came later.
  const firstOf = (count) => chain.find((b) => count(b) > 0)?.timestamp ?? null;
  const [firstSubmitted, firstSettled] = [firstOf((b) => b.submitted.length), firstOf((b) => settledIn.get(b.hash) ?? 0)];
  const settledUntil = times.sendEnd + (firstSubmitted !== null && firstSettled !== null ? firstSettled - firstSubmitted : 0);
  const sendSeconds = (times.sendEnd - times.t0) / 1000;
  const lat = latencies(sender.txs, view.jobs);
  const onChain = new Set(chain.map((b) => b.hash));
  const orphaned = [...tracker.blocks.values()].filter((b) => !onChain.has(b.hash) && b.number <= (chain.at(-1)?.number ?? 0)).length;
  return {
    options: { ...opts, maxFee: String(maxFee), fundAmount: String(opts.fundAmount), fundFrom: opts.fundFrom && publicName(opts.fundFrom) },
    node: info,
    machine: { cores: cpus().length, model: cpus()[0]?.model ?? 'unknown' },
    batching,
    time: {
      start: new Date(times.t0).toISOString(),
      sendSeconds: Number(sendSeconds.toFixed(1)),
      drainSeconds: Number(((times.drainEnd - times.sendEnd) / 1000).toFixed(1)),
      stoppedEarly: sent.stoppedEarly,
    },
    jobs,
    transactions,
    throughput: {
      sentPerSecond: sendSeconds > 0 ? Number((jobs.sent / sendSeconds).toFixed(2)) : null,
      submitted: steadyRate(chain, (b) => b.submitted.length, times.sendEnd),
      settled: steadyRate(chain, (b) => settledIn.get(b.hash) ?? 0, settledUntil),
      overall: {
        submittedPerSecond: overallRate(chain, (b) => b.submitted.length, times.t0),
        settledPerSecond: overallRate(chain, (b) => settledIn.get(b.hash) ?? 0, times.t0),
      },
      backpressureSeconds: Number((sent.backpressureMs / 1000).toFixed(1)),
      maxSendDelaySeconds: rate ? Number((sent.maxDelayMs / 1000).toFixed(2)) : null,
    },
    latency: {
      seconds: spread(lat.map((l) => l.seconds)),
      blocks: spread(lat.map((l) => l.blocks), { digits: 0 }),
    },
    blocks: {
      countedFrom,
      clock,
      from: chain[0]?.number ?? null,
      to: chain.at(-1)?.number ?? null,
      count: chain.length,
      orphaned,
      blockTimeSeconds: spread(blockTimes(chain).map(([, s]) => s)),
      extrinsicsPerBlock: spread(chain.map((b) => b.extrinsics), { ps: [50], digits: 0 }),
      signedPerBlock: spread(chain.map((b) => b.signed), { ps: [50], digits: 0 }),
      ourJobsPerBlock: spread(chain.map((b) => b.submitted.length), { ps: [50], digits: 0 }),
      finalityLag: { p50: percentile(tracker.lags, 50), max: tracker.lags.length ? Math.max(...tracker.lags) : null },
      unreadable: tracker.errors,
    },
    nodeCpu: cpu,
    clientCpu,
  };
}

/**
 * What the treasury's pot received between the first job sent and the last drained (planck, as
 * strings): the treasury's share of the job fees and of the transaction fees of submitting and
 * answering them, and any slash meanwhile; and that per 1 000 settled jobs.
 */
export function treasuryInflow(before, after, settled) {
  const inflow = after - before;
  return { inflow: String(inflow), perThousandJobs: settled > 0 ? String((inflow * 1000n) / BigInt(settled)) : null };
}

/** Why the run fails, from the report: [] if it passes. */
export function failures(report, allowRefused) {
  const { jobs } = report;
  const reasons = [];
  if (jobs.lost > 0) reasons.push(`${jobs.lost} jobs lost`);
  const other = jobs.refusedAtSubmission.total + jobs.failedOnChain.total + jobs.dropped + jobs.refunded.total + jobs.notOpened;
  if (other > allowRefused) reasons.push(`${other} jobs not settled (refused ${jobs.refusedAtSubmission.total}, failed ${jobs.failedOnChain.total}, dropped ${jobs.dropped}, refunded ${jobs.refunded.total}) > --allow-refused ${allowRefused}`);
  return reasons;
}

/** report.json, report.svg and blocks.csv in `dir`. */
function writeOutputs(dir, report, { counted: { clock, chain, view }, sender, t0, sendEnd }) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const bt = report.blocks.blockTimeSeconds.p50;
  const bucketSeconds = Math.max(1, Math.round(bt ?? 1));
  const j = report.jobs;
  writeFileSync(join(dir, 'report.svg'), renderSvg({
    title: `Verity load: ${describeLoad(report.options)}, ${report.options.accounts} accounts, batch ${report.batching.used}`,
    subtitle: [
      `${report.node.chain}, ${report.node.name} ${report.node.version}, runtime ${report.node.specName} ${report.node.specVersion}, sealing ${report.node.sealing ?? 'unknown (--url)'}; ${report.machine.cores} × ${report.machine.model}`,
      `jobs sent ${j.sent}, submitted ${j.submitted}, settled ${j.settled}, refunded ${j.refunded.total}, lost ${j.lost}, refused ${j.refusedAtSubmission.total}, failed ${j.failedOnChain.total}, dropped ${j.dropped}; latency p50 ${report.latency.seconds.p50} s, p99 ${report.latency.seconds.p99} s`,
    ],
    xLabel: 'seconds since the first job was sent',
    panels: plotPanels({ chain, txs: sender.txs, jobs: view.jobs, t0, bucketSeconds, clock }),
    marker: (sendEnd - t0) / 1000,
  }));
  const rows = ['number,hash,timestamp_ms,seen_ms,extrinsics,signed,our_jobs_submitted,jobs_settled,jobs_refunded,our_failed'];
  for (const b of chain) rows.push([b.number, b.hash, b.stamped ?? b.timestamp, b.seenAt, b.extrinsics, b.signed, b.submitted.length, b.settled.length, b.refunded.length, b.failed.length].join(','));
  writeFileSync(join(dir, 'blocks.csv'), `${rows.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// The run.

/** Node, chain and runtime as the report names them. */
async function nodeInfo(api, { url, sealing }) {
  const [version, chain, name] = await Promise.all([api.rpc.system.version(), api.rpc.system.chain(), api.rpc.system.name()]);
  const rv = api.runtimeVersion;
  return { url, sealing, name: name.toString(), version: version.toString(), chain: chain.toString(), specName: rv.specName.toString(), specVersion: rv.specVersion.toNumber() };
}

/** The model's io spec, checked for `mode`. */
async function modelIo(api, model, mode) {
  const record = await api.query.models.models(model);
  if (record.isNone) throw new Error(`no model ${model} on this chain (--model)`);
  const m = record.unwrap();
  if (m.retired.isTrue) throw new Error(`model ${model} is retired`);
  if (!m.modes[mode.toLowerCase()].isTrue) throw new Error(`model ${model} does not take ${mode} jobs`);
  return m.io.toJSON();
}

/**
 * Tops every account below `amount` up to it, from `from`, in one `utility.batchAll` (one for
 * each 128 accounts, so that a batch fits a block).
 */
async function fund(api, lib, from, pairs, amount, opts) {
  const funder = lib.account(from);
  const balances = await api.query.system.account.multi(pairs.map((p) => p.address));
  const calls = [];
  balances.forEach((b, i) => {
    const free = b.data.free.toBigInt();
    if (free < amount) calls.push(api.tx.balances.transferKeepAlive(pairs[i].address, amount - free));
  });
  if (calls.length === 0) return 0;
  progress(opts, `funding ${calls.length} accounts to ${toVrt(amount)} VRT from ${publicName(from)}`);
  for (let i = 0; i < calls.length; i += 128) await lib.send(api, funder, api.tx.utility.batchAll(calls.slice(i, i + 128)));
  return calls.length;
}

/** Refuses accounts that cannot pay for one job. */
async function checkBalances(api, pairs, cost) {
  const balances = await api.query.system.account.multi(pairs.map((p) => p.address));
  const poor = balances.findIndex((b) => b.data.free.toBigInt() < cost);
  if (poor >= 0) {
    const free = balances[poor].data.free.toBigInt();
    throw new Error(`account //${poor} has ${toVrt(free)} VRT, less than a job costs (${toVrt(cost)} VRT): fund the accounts with --fund-from //Alice`);
  }
}

/** What the load is, in words: `20 jobs/s for 60 s`. */
function describeLoad({ load, duration }) {
  if (load.kind === 'burst') return `a burst of ${load.jobs} jobs`;
  return `${load.kind === 'rate' ? `${load.perSecond} jobs/s` : `${load.jobs} jobs outstanding`} for ${duration} s`;
}

/**
 * Everything before the first job: the model's tensors, the fee, whether jobs go in batches,
 * the funded accounts and their nonces.
 */
async function prepare(api, opts, lib) {
  const io = await modelIo(api, opts.model, opts.mode);
  const maxFee = opts.maxFee ?? (await lib.estimateFee(api, opts.model, opts.mode));
  const canBatch = Boolean(api.tx.inference.submitJobs);
  const batched = canBatch && opts.batch > 1;
  const batch = batched ? Math.min(opts.batch, api.consts.inference.maxJobBatch?.toNumber() ?? 64) : 1;
  const batching = { requested: opts.batch, used: batch, call: batched ? 'inference.submitJobs' : 'inference.submitJob' };
  if (opts.batch > 1 && !canBatch) progress(opts, 'the runtime has no inference.submitJobs: one submitJob a job');

  const { Keyring } = await import('@polkadot/keyring');
  const keyring = new Keyring({ type: 'sr25519' });
  const pairs = Array.from({ length: opts.accounts }, (_, i) => keyring.addFromUri(`//${i}`));
  const funded = opts.fundFrom ? await fund(api, lib, opts.fundFrom, pairs, opts.fundAmount, opts) : 0;
  const deposit = api.consts.inference.jobDeposit.toBigInt();
  await checkBalances(api, pairs, (maxFee + deposit) * BigInt(batch));
  const nonces = await Promise.all(pairs.map(async (p) => (await api.rpc.system.accountNextIndex(p.address)).toNumber()));
  const inFlight = opts.inFlight ?? (batched ? 4 : 16);
  return { opts: { ...opts, batch, inFlight }, maxFee, batched, batching, pairs, nonces, funded, makeInput: inputMaker(io, opts.mode) };
}

/**
 * The measured run: sends, drains, and returns the report with what the outputs are drawn
 * from. `stopSending()` and `stopDraining()` end those phases early (Ctrl-C, a lost connection).
 */
async function measure(api, prep, { info, nodePid, stopSending, stopDraining }) {
  const { opts } = prep;
  const sender = new Sender(api, prep);
  const tracker = new ChainTracker(api, sender.txs, (facts) => sender.onBlock(facts));
  await tracker.start();
  const cpu = cpuSampler(nodePid);
  const clientStart = process.cpuUsage();
  const t0 = Date.now();
  const ticker = setInterval(() => {
    const l = sender.live;
    progress(opts, `${((Date.now() - t0) / 1000).toFixed(0)} s: sent ${sender.sentJobs} jobs, on chain ${l.ids.size}, settled ${l.settled}, refunded ${l.refunded}, refused ${l.refused}, failed ${l.failed}, outstanding ${sender.outstanding()}; best #${tracker.best.number}, finalized #${tracker.finalized.number}`);
  }, 5000);
  try {
    progress(opts, `sending ${describeLoad(opts)} from ${opts.accounts} accounts (${prep.batching.call}, batch ${opts.batch})${prep.funded ? `; funded ${prep.funded}` : ''}`);
    const sent = await sendPhase(sender, makePlan(opts, sender), t0, stopSending);
    const sendEnd = Date.now();
    progress(opts, `sending done: ${sender.sentJobs} jobs in ${sender.txs.size} transactions; draining (up to ${opts.drain} s)`);
    const countedFrom = await drainPhase(sender, tracker, opts.drain * 1000, stopDraining);
    const drainEnd = Date.now();
    const used = process.cpuUsage(clientStart);
    const clientCpu = { avgPercent: Number((((used.user + used.system) / 1000 / (drainEnd - t0)) * 100).toFixed(1)) };
    if (tracker.errors) progress(opts, `${tracker.errors} blocks could not be read: ${tracker.lastError?.message}`);
    const view = counted(tracker, countedFrom, sender.txs);
    const report = buildReport({
      opts, info, sender, tracker, sent, counted: view, times: { t0, sendEnd, drainEnd }, cpu: cpu.stop(), clientCpu, batching: prep.batching, maxFee: prep.maxFee,
    });
    return { report, view, sender, t0, sendEnd };
  } finally {
    clearInterval(ticker);
    cpu.stop();
    tracker.stop();
  }
}

async function run(opts) {
  // Loaded here, once the arguments are good: polkadot.js takes a while to load.
  const lib = await import('./verity.mjs');
  const { startDevNode } = await import('./test/node.mjs');

  let node = null;
  let api = null;
  let disconnected = null; // why the connection dropped, once it has
  // Ctrl-C: once stops sending, twice stops draining, three times stops at once. Its own node
  // runs in a process group of its own (the terminal's Ctrl-C does not reach it), and is
  // stopped however loadgen ends.
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts += 1;
    progress(opts, ['', 'stopping: no more jobs are sent', 'stopping: no more draining', 'stopping now'][Math.min(interrupts, 3)]);
    if (interrupts >= 3) (node ? node.stop() : Promise.resolve()).finally(() => process.exit(130));
  });
  process.on('SIGTERM', () => (node ? node.stop() : Promise.resolve()).finally(() => process.exit(143)));
  process.on('exit', () => {
    try {
      if (node) process.kill(node.pid);
    } catch { /* already gone */ }
  });
  try {
    if (!opts.url) {
      progress(opts, `starting a dev node (--sealing ${opts.sealing})`);
      node = await startDevNode(opts.nodeArgs, { sealing: opts.sealing, detached: true });
    }
    const url = opts.url ?? node.url;
    api = await lib.connect(url, { timeoutMs: 30_000 });
    api.on('disconnected', () => { disconnected ??= `lost the connection to ${url}`; });
    const info = await nodeInfo(api, { url, sealing: node ? opts.sealing : null });
    progress(opts, `${info.chain}: ${info.name} ${info.version}, runtime ${info.specName} ${info.specVersion}`);

    const prep = await prepare(api, opts, lib);
    const pot = api.consts.treasury.potAccount;
    const treasury = async () => (await api.query.system.account(pot)).data.free.toBigInt();
    const treasuryBefore = await treasury();
    const { report, view, sender, t0, sendEnd } = await measure(api, prep, {
      info,
      nodePid: opts.nodePid ?? node?.pid,
      stopSending: () => interrupts > 0 || disconnected !== null,
      stopDraining: () => interrupts > 1 || disconnected !== null,
    });
    report.treasury = treasuryInflow(treasuryBefore, await treasury(), report.jobs.settled);
    const reasons = failures(report, opts.allowRefused);
    if (disconnected) reasons.unshift(disconnected);
    report.outcome = { pass: reasons.length === 0, reasons };

    const dir = resolve(opts.out);
    writeOutputs(dir, report, { counted: view, sender, t0, sendEnd });
    if (node) copyFileSync(node.log, join(dir, 'node.log'));
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    progress(opts, `report in ${dir}`);
    if (reasons.length) throw new Error(`FAILED: ${reasons.join('; ')} (report in ${dir})`);
  } finally {
    await api?.disconnect().catch(() => {});
    const started = node;
    node = null; // stopped: the exit handler leaves its pid alone
    await started?.stop();
  }
}

/** Reports `error` as one line on stderr (its stack too with VERITY_DEBUG) and sets the exit code. */
function fail(error, code, hint = '') {
  const message = String(error?.message ?? error).trim().replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`loadgen.mjs: ${message}${hint}\n`);
  if (DEBUG && error?.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = code;
}

async function main(args) {
  // polkadot.js logs its own view of each failure (`RPC-CORE: ...`); loadgen counts them instead.
  if (!DEBUG) console.error = console.warn = () => {};
  if (args.some((a) => a === '-h' || a === '--help')) {
    process.stdout.write(USAGE);
    return;
  }
  let opts;
  try {
    opts = parseOptions(args);
  } catch (error) {
    fail(error, error instanceof UsageError ? 2 : 1, ' (see loadgen.mjs --help)');
    return;
  }
  await run(opts).catch((error) => fail(error, 1));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main(process.argv.slice(2));
  // polkadot.js may keep timers alive after disconnecting.
  process.exit();
}
