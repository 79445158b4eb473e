// The Verity client: polkadot.js (`@polkadot/api`) over the node's JSON-RPC, from the chain's
// metadata alone (calls, events and runtime APIs need no hand-written types).
//
//   const api = await connect('ws://127.0.0.1:9944');
//   const model = await putModel(api, onnxBytes);                  // blobs_put: the model id
//   await registerModel(api, bob, { model, input: [1, 16], output: [1, 4], price: UNIT });
//   const { job, output } = await runJob(api, charlie, { model, input: encodeF32(values) });
//
// Tensors travel as the chain stores them: little-endian elements, row-major (`encodeF32`,
// `decodeF32`). `Zk` jobs take and return the model's quantized tensors, one `i8` an element
// (`encodeI8`, `decodeI8`): the values the proof is about.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, hexToU8a, u8aConcat, compactAddLength } from '@polkadot/util';
import { blake2AsU8a, blake2AsHex, decodeAddress } from '@polkadot/util-crypto';

/** One VRT (12 decimals). */
export const UNIT = 10n ** 12n;

/**
 * Connects to a node's WebSocket RPC. Rejects if the node cannot be reached or is not ready
 * within `timeoutMs`: the provider does not retry (polkadot.js would, forever, by default), and a
 * connection lost later fails the pending calls instead of waiting for the node to come back.
 */
export async function connect(url = 'ws://127.0.0.1:9944', { timeoutMs = 10_000 } = {}) {
  const api = new ApiPromise({ provider: new WsProvider(url, false), noInitWarn: true });
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    api.connect().catch(() => {}); // a failure rejects `isReadyOrError` too
    await Promise.race([api.isReadyOrError, timeout]);
    return api;
  } catch (error) {
    await api.disconnect().catch(() => {});
    throw new Error(`cannot connect to ${url}: ${error.message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** A development account (`alice`, `bob`, ...), or any `//Seed` / mnemonic. */
export function account(name) {
  const uri = /^[a-z]+$/.test(name) ? `//${name[0].toUpperCase()}${name.slice(1)}` : name;
  return new Keyring({ type: 'sr25519' }).addFromUri(uri);
}

/** Little-endian f32 bytes of `values`. */
export function encodeF32(values) {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

/** The f32 values of little-endian `bytes`. */
export function decodeF32(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/**
 * `values` quantized for a `Zk` job: one `i8` a value, `round(v · 2^frac)` clamped to
 * [-128, 127] (`frac` is the model's, printed by `verity-node zk setup`; the demo model's is 4).
 */
export function encodeI8(values, frac = 4) {
  return Uint8Array.from(values, (v) => Math.max(-128, Math.min(127, Math.round(v * 2 ** frac))) & 0xff);
}

/** A `Zk` job's output (`i8` bytes at `frac` fractional bits) as real values. */
export function decodeI8(bytes, frac = 4) {
  return Array.from(bytes, (b) => ((b << 24) >> 24) / 2 ** frac);
}

/** A dispatch error as `pallet.Error: docs`. */
function describe(api, dispatchError) {
  if (dispatchError.isModule) {
    const { section, name, docs } = api.registry.findMetaError(dispatchError.asModule);
    return `${section}.${name}: ${docs.join(' ')}`;
  }
  return dispatchError.toString();
}

/**
 * Signs and submits `tx`; resolves with the events of the block that includes it, rejects with a
 * clear message if the extrinsic failed or the pool refused it.
 */
export function send(api, signer, tx) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    tx.signAndSend(signer, { nonce: -1 }, (result) => {
      if (result.status.isInBlock || result.status.isFinalized) {
        unsubscribe();
        const failed = result.events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
        if (failed) {
          reject(new Error(describe(api, failed.event.data[0])));
        } else {
          resolve({ events: result.events, blockHash: result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized });
        }
      } else if (result.isError) {
        unsubscribe();
        reject(new Error(`transaction ${result.status.type}`));
      }
    }).then((u) => { unsubscribe = u; }, reject);
  });
}

/**
 * Puts ONNX `bytes` into the node's model store (`blobs_put`, unsafe RPC); returns the model id.
 * With `input` and `output` shapes (f32 tensors, as `registerModel` registers them), the node
 * refuses bytes that are not an ONNX model running with those tensors, before anything is on chain.
 */
export async function putModel(api, bytes, { input, output } = {}) {
  const params = [u8aToHex(bytes)];
  if (input && output) params.push(f32Io(input, output));
  return (await api.rpc('blobs_put', ...params)).toString();
}

/** The io spec of a model with f32 input and output tensors of shapes `input` and `output`. */
function f32Io(input, output) {
  return { input: { dtype: 'F32', shape: input }, output: { dtype: 'F32', shape: output } };
}

/**
 * Registers `model` (hex id) with f32 input and output tensors of shapes `input` and `output`.
 * `uri` is where workers fetch the bytes: `http(s)://…`, or by default `blob:<id>`, the
 * node's own store, for a model put there with `putModel`.
 */
export async function registerModel(api, owner, { model, input, output, price = UNIT, royaltyPercent = 5, uri = `blob:${model}`, modes = { fast: true, zk: false, consensus: false } }) {
  const io = f32Io(input, output);
  const royalty = royaltyPercent * 10_000_000; // Perbill
  return send(api, owner, api.tx.models.registerModel(model, uri, io, price, royalty, modes));
}

/** Declares that inference operator `operator` serves `models`, `concurrency` jobs at once. */
export async function serveModels(api, operator, models, concurrency = 4) {
  return send(api, operator, api.tx.operators.setCapabilities({ models, maxConcurrentJobs: concurrency, accelerator: false }));
}

/**
 * Proposes `worker` (an address, or null to sign with the operator's own key again) as the
 * account whose key the node of inference operator `operator` signs its results, proofs and
 * declines with; it acts once it accepts (`acceptWorker`).
 */
export async function setWorker(api, operator, worker) {
  return send(api, operator, api.tx.operators.setWorker(worker));
}

/** `worker` accepts to sign for `operator` (an address), as the operator proposed. */
export async function acceptWorker(api, worker, operator) {
  return send(api, worker, api.tx.operators.acceptWorker(operator));
}

/** The fee of a job of `model` in `mode` now (`InferenceApi_estimate_fee`). */
export async function estimateFee(api, model, mode = 'Fast') {
  const fee = await api.call.inferenceApi.estimateFee(model, mode);
  if (fee.isErr) throw new Error(`cannot estimate the fee: ${fee.asErr.toString()}`);
  return fee.asOk.toBigInt();
}

/** The job `id` as the chain reports it (`InferenceApi_job`), or `null`. */
export async function job(api, id) {
  const view = await api.call.inferenceApi.job(id);
  return view.isSome ? view.unwrap() : null;
}

/**
 * Watches new blocks until `onBlock(blockHash, finish)` calls `finish(value)` (the promise
 * resolves with it) or fails (it rejects with the error), or `timeoutMs` pass (it rejects with
 * `timeoutMessage()`; `Infinity` waits for ever). `onStart(finish)` runs once the subscription
 * is up, for what happened before it.
 */
function watchBlocks(api, { timeoutMs, timeoutMessage, onBlock, onStart = async () => {} }) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    let done = false;
    const end = (settle) => (value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      settle(value);
    };
    const [finish, fail] = [end(resolve), end(reject)];
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => fail(new Error(timeoutMessage())), timeoutMs) : null;
    api.rpc.chain.subscribeNewHeads((header) => { if (!done) onBlock(header.hash, finish).catch(fail); })
      .then(async (u) => {
        unsubscribe = u;
        if (done) u();
        else await onStart(finish);
      })
      .catch(fail);
  });
}

/** The events of the block `blockHash`. */
async function eventsAt(api, blockHash) {
  return (await api.at(blockHash)).query.system.events();
}

/**
 * Waits until job `id` ends: resolves `{ status: 'Settled', paid, output }` or
 * `{ status: 'Refunded', reason }`, from the `JobSettled` / `JobRefunded` events of new blocks.
 */
export function waitForJob(api, id, { timeoutMs = 120_000 } = {}) {
  return watchBlocks(api, {
    timeoutMs,
    timeoutMessage: () => `job ${id} did not end within ${timeoutMs} ms`,
    onBlock: async (blockHash, finish) => {
      for (const { event } of await eventsAt(api, blockHash)) {
        if (api.events.inference.JobSettled.is(event) && event.data.job.toString() === String(id)) {
          const view = await job(api, id);
          const output = view && view.output.isSome ? view.output.unwrap().toU8a(true) : null;
          return finish({ status: 'Settled', paid: event.data.paid.toBigInt(), output, blockHash });
        }
        if (api.events.inference.JobRefunded.is(event) && event.data.job.toString() === String(id)) {
          return finish({ status: 'Refunded', reason: event.data.reason.toString(), blockHash });
        }
      }
    },
    // The job may have ended before the subscription started.
    onStart: async (finish) => {
      const view = await job(api, id);
      if (view && view.status.isSettled) {
        finish({ status: 'Settled', paid: view.paid.toBigInt(), output: view.output.unwrap().toU8a(true) });
      } else if (view && view.status.isRefunded) {
        finish({ status: 'Refunded', reason: view.status.asRefunded.toString() });
      }
    },
  });
}

/**
 * The round of the `Consensus` job `id` (`InferenceApi_round`): its members (the worker first)
 * and where each is, its phase and the agreed output's hash; for a challenged `Fast` job, its
 * challenge's round (verifiers only); `null` for other jobs.
 */
export async function round(api, id) {
  const view = await api.call.inferenceApi.round(id);
  return view.isSome ? view.unwrap() : null;
}

/**
 * The commitment `member` (an address) publishes in the round of job `id` for `output` (bytes)
 * with `salt` (32 bytes): blake2-256 of SCALE(job as u64, output as a byte vector, salt,
 * member's account).
 */
export function commitment(api, id, output, salt, member) {
  // The output's length prefix is added here: `Bytes` from a Uint8Array would read one.
  const encoded = u8aConcat(
    api.createType('u64', id).toU8a(),
    compactAddLength(output),
    salt,
    decodeAddress(member),
  );
  return blake2AsU8a(encoded, 256);
}

/** `member` (a key pair) commits to `output` with `salt` in the round of job `id`. */
export async function commit(api, member, id, output, salt) {
  const hash = commitment(api, id, output, salt, member.address);
  return send(api, member, api.tx.inference.commit(id, u8aToHex(hash)));
}

/** `member` reveals the `output` and `salt` it committed to in the round of job `id`. */
export async function reveal(api, member, id, output, salt) {
  return send(api, member, api.tx.inference.reveal(id, u8aToHex(output), u8aToHex(salt)));
}

/**
 * The challenge of the settled `Fast` job `id` (`InferenceApi_challenge`): its challenger, bond
 * and outcome (`None` while its verifiers' round runs, then `Upheld`, `Rejected` or
 * `NoQuorum`); `null` if it was never challenged. Its round is `round(api, id)`.
 */
export async function challengeOf(api, id) {
  const view = await api.call.inferenceApi.challenge(id);
  return view.isSome ? view.unwrap() : null;
}

/**
 * `challenger` (the job's requester, or a verifier) challenges the result of the settled `Fast`
 * job `id`, holding a bond of a run's pay for each judge; resolves with the bond once included.
 * The judges are drawn in the next block: `round(api, id)` lists them.
 */
export async function challenge(api, challenger, id) {
  const { events } = await send(api, challenger, api.tx.inference.challenge(id));
  const opened = events.find(({ event }) => api.events.inference.Challenged.is(event));
  if (!opened) throw new Error('no Challenged event');
  return { bond: opened.event.data.bond.toBigInt() };
}

/** Waits until the challenge of job `id` closes; resolves its outcome (`Upheld`, `Rejected`, `NoQuorum`). */
export function waitForChallenge(api, id, { timeoutMs = 120_000 } = {}) {
  return watchBlocks(api, {
    timeoutMs,
    timeoutMessage: () => `the challenge of job ${id} did not close within ${timeoutMs} ms`,
    onBlock: async (_, finish) => {
      const view = await challengeOf(api, id);
      if (view && view.outcome.isSome) finish(view.outcome.unwrap().toString());
    },
  });
}

/**
 * Submits a job of `model` on `input` (bytes), or on the current values of the oracle `feeds`
 * (ids), in `mode`, paying at most `maxFee` (the estimate by default); resolves with its id
 * once included.
 */
export async function submitJob(api, requester, { model, input, feeds, mode = 'Fast', maxFee }) {
  const fee = maxFee ?? (await estimateFee(api, model, mode));
  // `feeds`: oracle feed ids, one input element each, whose current values the job freezes.
  const jobInput = feeds ? { Feeds: feeds } : { Inline: u8aToHex(input) };
  const { events } = await send(api, requester, api.tx.inference.submitJob(model, jobInput, mode, fee));
  const submitted = events.find(({ event }) => api.events.inference.JobSubmitted.is(event));
  if (!submitted) throw new Error('no JobSubmitted event');
  return { job: submitted.event.data.job.toNumber(), worker: submitted.event.data.worker.toString() };
}

/** Submits a job and waits for it to end; the output is bytes (`decodeF32` for f32 models). */
export async function runJob(api, requester, request, options) {
  const { job: id, worker } = await submitJob(api, requester, request);
  return { job: id, worker, ...(await waitForJob(api, id, options)) };
}

/**
 * Every oracle feed with its current value (`FeedsApi_feeds`, the `oracle_values` RPC's data):
 * `{ id, description, unit, decimals, value, timestamp, reportedAt, fresh }`, `value` a BigInt
 * in units of `10^-decimals` (null without one), `fresh` whether a job may use it now.
 */
export async function oracleValues(api) {
  const feeds = await api.call.feedsApi.feeds();
  return feeds.map((feed) => {
    const reading = feed.reading.isSome ? feed.reading.unwrap() : null;
    return {
      id: feed.id.toNumber(),
      description: new TextDecoder().decode(feed.description.toU8a(true)),
      unit: new TextDecoder().decode(feed.unit.toU8a(true)),
      decimals: feed.decimals.toNumber(),
      value: reading ? reading.value.toBigInt() : null,
      timestamp: reading ? reading.timestamp.toNumber() : null,
      reportedAt: reading ? reading.block.toNumber() : null,
      fresh: feed.fresh.isTrue,
    };
  });
}

/** Reports `values` (`[[feedId, integer], ...]`) to the oracle as `oracle`, an oracle's key. */
export async function reportValues(api, oracle, values) {
  return send(api, oracle, api.tx.oracle.feedValues(values.map(([feed, value]) => [feed, value.toString()])));
}

/**
 * Subscribes to recurring inference: a job of `model` on the current values of `feeds` every
 * `period` blocks, `runs` times, each paying at most `maxFee` (the estimate by default); the
 * whole subscription is escrowed now. Resolves with its id once included.
 */
export async function subscribe(api, requester, { model, feeds, mode = 'Fast', period, runs, maxFee }) {
  const fee = maxFee ?? (await estimateFee(api, model, mode));
  const { events } = await send(api, requester, api.tx.inference.subscribe(model, feeds, mode, period, runs, fee));
  const created = events.find(({ event }) => api.events.inference.Subscribed.is(event));
  if (!created) throw new Error('no Subscribed event');
  return created.event.data.subscription.toNumber();
}

/** Cancels subscription `id`: its runs to come are not opened and their money comes back. */
export async function cancelSubscription(api, requester, id) {
  return send(api, requester, api.tx.inference.cancelSubscription(id));
}

/** The subscription `id` while it has runs to come (`InferenceApi_subscription`), or `null`. */
export async function subscription(api, id) {
  const view = await api.call.inferenceApi.subscription(id);
  return view.isSome ? view.unwrap() : null;
}

/**
 * Follows subscription `id` from the next block on: calls `onRun({ job })` for each job it opens
 * and `onRun({ skipped })` for each run the market refused (with the error's name); resolves
 * with the jobs once `count` were opened, or when it ends or is cancelled.
 */
export function followSubscription(api, id, { count = Infinity, onRun = () => {}, timeoutMs = 300_000 } = {}) {
  const jobs = [];
  const mine = (event) => event.data.subscription.toString() === String(id);
  return watchBlocks(api, {
    timeoutMs,
    timeoutMessage: () => `subscription ${id}: ${jobs.length} jobs within ${timeoutMs} ms`,
    onBlock: async (blockHash, finish) => {
      for (const { event } of await eventsAt(api, blockHash)) {
        if (api.events.inference.SubscriptionRan.is(event) && mine(event)) {
          const job = event.data.job.toNumber();
          jobs.push(job);
          onRun({ job });
          if (jobs.length >= count) return finish(jobs);
        } else if (api.events.inference.SubscriptionRunSkipped.is(event) && mine(event)) {
          const error = event.data.error;
          onRun({ skipped: error.isModule ? api.registry.findMetaError(error.asModule).name : error.toString() });
        } else if ((api.events.inference.SubscriptionEnded.is(event) || api.events.inference.SubscriptionCancelled.is(event)) && mine(event)) {
          return finish(jobs);
        }
      }
    },
  });
}

/**
 * The origin a referendum on each track dispatches its call with: `root` may do anything;
 * `market` sets the market's and the feeds' parameters, the operators' minimum bonds and the fee
 * split; `treasurer` and `small_spender` spend from the treasury.
 */
export const TRACKS = {
  root: { system: 'Root' },
  market: { Origins: 'MarketAdmin' },
  treasurer: { Origins: 'Treasurer' },
  small_spender: { Origins: 'SmallSpender' },
};

/**
 * Proposes `call` (a transaction built with `api.tx`, never signed itself) on `track` (a key of
 * `TRACKS`): notes its preimage (unless someone did), submits the referendum to be enacted
 * `enactAfter` blocks after it is approved, and places the track's decision deposit. Resolves
 * with `{ index, hash }`, the referendum and the call's hash.
 */
export async function propose(api, proposer, { call, track, enactAfter = 1, placeDeposit = true }) {
  if (!Object.hasOwn(TRACKS, track)) throw new Error(`unknown track '${track}' (${Object.keys(TRACKS).join(', ')})`);
  const encoded = call.method.toU8a();
  const hash = blake2AsHex(encoded, 256);
  const noted = (await api.query.preimage.preimageFor([hash, encoded.length])).isSome;
  const submit = api.tx.referenda.submit(TRACKS[track], { Lookup: { hash, len: encoded.length } }, { After: enactAfter });
  const tx = noted ? submit : api.tx.utility.batchAll([api.tx.preimage.notePreimage(u8aToHex(encoded)), submit]);
  const { events } = await send(api, proposer, tx);
  const submitted = events.find(({ event }) => api.events.referenda.Submitted.is(event));
  if (!submitted) throw new Error('no Submitted event');
  const index = submitted.event.data.index.toNumber();
  if (placeDeposit) await send(api, proposer, api.tx.referenda.placeDecisionDeposit(index));
  return { index, hash };
}

/**
 * `voter` votes on referendum `index`: aye (or nay) with `balance` (planck, a BigInt) locked
 * with `conviction` (`None`: 0.1x and no lock; `Locked1x` … `Locked6x`: 1x … 6x the votes, the
 * balance locked 7 … 224 days after the referendum ends, on a public chain).
 */
export async function vote(api, voter, index, { aye = true, balance, conviction = 'Locked1x' }) {
  return send(api, voter, api.tx.convictionVoting.vote(index, { Standard: { vote: { aye, conviction }, balance } }));
}

/** The statuses of a referendum that ended without being approved. */
export const NOT_APPROVED = ['Rejected', 'Cancelled', 'TimedOut', 'Killed'];

/** The names of the chain's tracks by id, from its metadata (`referenda.tracks`). */
function trackNames(api) {
  return new Map(api.consts.referenda.tracks.map(([id, info]) => [
    id.toNumber(),
    new TextDecoder().decode(info.name.toU8a(true)).replace(/\0+$/, ''),
  ]));
}

/**
 * Referendum `index` as the chain holds it, or `null`: `{ index, status, track, ayes, nays,
 * support, submitted }` while it is ongoing (`status` `Preparing`, `Deciding` or `Confirming`;
 * votes as BigInts), `{ index, status }` once it ended (`Approved`, `Rejected`, `Cancelled`,
 * `TimedOut` or `Killed`).
 */
export async function referendum(api, index) {
  const info = await api.query.referenda.referendumInfoFor(index);
  if (info.isNone) return null;
  const value = info.unwrap();
  if (!value.isOngoing) return { index, status: value.type };
  const ongoing = value.asOngoing;
  const deciding = ongoing.deciding.isSome ? ongoing.deciding.unwrap() : null;
  const status = !deciding ? 'Preparing' : deciding.confirming.isSome ? 'Confirming' : 'Deciding';
  const { ayes, nays, support } = ongoing.tally;
  return {
    index, status, track: trackNames(api).get(ongoing.track.toNumber()),
    ayes: ayes.toBigInt(), nays: nays.toBigInt(), support: support.toBigInt(),
    submitted: ongoing.submitted.toNumber(),
  };
}

/** The scheduler's name for the enactment of referendum `index`: blake2-256 of SCALE(b"assembly", "enactment", index). */
function enactmentId(api, index) {
  return blake2AsHex(u8aConcat(
    new TextEncoder().encode('assembly'),
    api.createType('Text', 'enactment').toU8a(),
    api.createType('u32', index).toU8a(),
  ), 256);
}

/**
 * Waits until referendum `index` is enacted or ends without: resolves `{ status: 'Enacted',
 * result: 'Ok' | 'pallet.Error: docs', blockHash }` when the scheduler dispatched its call,
 * `{ status: 'NotEnacted', result }` when the scheduler could not (`scheduler.CallUnavailable`:
 * the preimage is gone; `scheduler.PermanentlyOverweight`), or `{ status }` (`Rejected`,
 * `Cancelled`, `TimedOut`, `Killed`) when it ended otherwise. For a referendum approved and
 * enacted before the call, the blocks this node still keeps (the last 256, on a pruned node)
 * are searched; `result` is `null` if the enactment is older.
 */
export function waitForReferendum(api, index, { timeoutMs = 300_000 } = {}) {
  const id = enactmentId(api, index);
  const ours = (event) => event.data.id.isSome && event.data.id.unwrap().toHex() === id;
  /** Finishes if the block `blockHash` enacted the referendum (or failed to); says whether. */
  const enactedIn = async (blockHash, finish) => {
    for (const { event } of await eventsAt(api, blockHash)) {
      if (api.events.scheduler.Dispatched.is(event) && ours(event)) {
        const { result } = event.data;
        finish({ status: 'Enacted', result: result.isOk ? 'Ok' : describe(api, result.asErr), blockHash });
        return true;
      }
      for (const name of ['CallUnavailable', 'PermanentlyOverweight']) {
        if (api.events.scheduler[name].is(event) && ours(event)) {
          finish({ status: 'NotEnacted', result: `scheduler.${name}`, blockHash });
          return true;
        }
      }
    }
    return false;
  };
  return watchBlocks(api, {
    timeoutMs,
    timeoutMessage: () => `referendum ${index} did not end within ${timeoutMs} ms`,
    onBlock: async (blockHash, finish) => {
      if (await enactedIn(blockHash, finish)) return;
      const now = await referendum(api, index);
      if (now && NOT_APPROVED.includes(now.status)) finish({ status: now.status });
    },
    // Approved, and no longer waiting in the scheduler: its enactment is behind us.
    onStart: async (finish) => {
      const info = await api.query.referenda.referendumInfoFor(index);
      if (info.isNone || !info.unwrap().isApproved || (await api.query.scheduler.lookup(id)).isSome) return;
      const head = (await api.rpc.chain.getHeader()).number.toNumber();
      const from = Math.max(info.unwrap().asApproved[0].toNumber(), head - 250);
      for (let n = head; n >= from; n--) {
        if (await enactedIn(await api.rpc.chain.getBlockHash(n), finish)) return;
      }
      finish({ status: 'Enacted', result: null });
    },
  });
}

export { hexToU8a, u8aToHex };

/**
 * The setup ceremony (`pallet-settlement`, docs/zk.md): phase 1 (powers of tau, chain-wide) and
 * each model's phase 2 (δ). A contribution is made off chain by `verity-node zk contribute`,
 * which prints the contribution's bytes and its transcript's hash; these calls put them on chain.
 */

/** Phase 1: `{ size, origin, contributions, sealed }` (`sealed` the sealed index, or null). */
export async function phase1(api) {
  // As JSON: a struct is a Map, whose own `size` would hide the field's.
  const info = await api.query.settlement.phase1();
  if (info.isNone) return null;
  const { size, origin, contributions, sealed } = info.unwrap().toJSON();
  return { size, origin, contributions, sealed };
}

/** Phase 1's contribution `index`: `{ contributor, parent, depth, transcript }`. */
export async function phase1Step(api, index) {
  const step = await api.query.settlement.phase1Steps(index);
  return step.isNone ? null : stepOf(step.unwrap());
}

/**
 * `send` again (up to three times, a second apart) when the pool refused the transaction for
 * its nonce: the node's worker signs as the same account (Alice's contributions and results),
 * and both may take the same next nonce. A refusal of the call itself is not retried.
 */
export async function sendAgain(send) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      const nonce = /Priority is too low|1014|[Ss]tale|[Uu]surped|Future|1010/.test(error.message);
      if (!nonce || attempt === 3) throw error;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/** Records `contributor`'s phase-1 contribution extending `parent` (null: the start); its index. */
export async function contributePhase1(api, contributor, { parent = null, contribution, transcript }) {
  const { events } = await send(api, contributor, api.tx.settlement.contributePhase1(parent, contribution, transcript));
  return eventOf(api, events, 'Phase1Contributed').index.toNumber();
}

/** The number of `who`'s phase-1 contribution, or null if it has none. */
export async function phase1Contribution(api, who) {
  const index = await api.query.settlement.phase1Contributors(who);
  return index.isNone ? null : index.unwrap().toNumber();
}

/** Seals phase 1 on contribution `index` through sudo (development chains; elsewhere a referendum). */
export async function sealPhase1(api, sudo, index) {
  await asSudo(api, sudo, 'sealPhase1', api.tx.settlement.sealPhase1(index));
}

/**
 * Discards phase 1's contributions (it must be unsealed) through sudo (development chains;
 * elsewhere a referendum): it starts again from its public start, the deposits come back.
 */
export async function resetPhase1(api, sudo) {
  await asSudo(api, sudo, 'resetPhase1', api.tx.settlement.resetPhase1());
}

/** Dispatches `call` as root through sudo; the call's own error, if it failed, named `name`. */
async function asSudo(api, sudo, name, call) {
  const { events } = await send(api, sudo, api.tx.sudo.sudo(call));
  const done = events.find(({ event }) => api.events.sudo.Sudid.is(event));
  if (done?.event.data.sudoResult.isErr) throw new Error(`${name}: ${describe(api, done.event.data.sudoResult.asErr)}`);
}

/** The model's owner begins its phase 2 at the key `zk derive` printed (`inputs`, `transcript`). */
export async function beginPhase2(api, owner, { model, inputs, transcript }) {
  return send(api, owner, api.tx.settlement.beginPhase2(model, inputs, transcript));
}

/** The contributions to `model`'s phase 2 under way: `{ index, contributor, parent, depth, transcript }`. */
export async function phase2Steps(api, model) {
  const entries = await api.query.settlement.phase2Steps.entries(model);
  return entries.map(([key, step]) => ({ index: key.args[1].toNumber(), ...stepOf(step.unwrap()) })).sort((a, b) => a.index - b.index);
}

/** A contribution's record as plain values. */
function stepOf(step) {
  const { contributor, parent, depth, transcript } = step.toJSON();
  return { contributor, parent, depth, transcript };
}

/** The model's owner seals its phase 2 on contribution `index`: the chain installs the key. */
export async function sealPhase2(api, owner, { model, index }) {
  const { events } = await send(api, owner, api.tx.settlement.sealPhase2(model, index));
  const { transcript, contributors } = eventOf(api, events, 'Phase2Sealed');
  return { transcript: transcript.toHex(), contributors: contributors.toNumber() };
}

/** Ends `model`'s phase 2 without a key, releasing its deposits: its owner any time; anyone once
 * it expired (`Phase2Lifetime`) or the model is no longer its owner's `Zk` model. */
export async function endPhase2(api, who, model) {
  const { events } = await send(api, who, api.tx.settlement.endPhase2(model));
  eventOf(api, events, 'Phase2Ended');
}

/** What `who` holds for its contributions to ceremony phases under way (in plancks, a BigInt). */
export async function ceremonyDeposits(api, who) {
  const holds = await api.query.balances.holds(who);
  const held = holds.find(({ id }) => id.isSettlement && id.asSettlement.isCeremonyContribution);
  return held ? held.amount.toBigInt() : 0n;
}

/** The data of the settlement event `name` among `events`. */
function eventOf(api, events, name) {
  const found = events.find(({ event }) => api.events.settlement[name].is(event));
  if (!found) throw new Error(`no settlement.${name} event`);
  return found.event.data;
}
