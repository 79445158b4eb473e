// The polkadot.js round trip against a real dev node with a worker: register a model, let an
// operator serve it, submit jobs, wait for `JobSettled`, read the output.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  connect, account, encodeF32, decodeF32, encodeI8, decodeI8, putModel, registerModel, serveModels, runJob,
  estimateFee, submitJob, job, send, UNIT, waitForJob, round, commit, reveal, challenge, challengeOf,
  waitForChallenge, oracleValues, reportValues, subscribe, subscription, followSubscription, cancelSubscription,
} from '../verity.mjs';
import { startDevNode, nodeBinary } from './node.mjs';

const DEMO_MODEL = JSON.parse(readFileSync(new URL('../demo-model.json', import.meta.url))).id;

let node;
let api;
before(async () => {
  node = await startDevNode();
  api = await connect(node.url);
});
after(async (t) => {
  await api?.disconnect();
  await node?.stop();
});

test('a job on the demo model settles, with the same output for the same input', async () => {
  const values = Array.from({ length: 16 }, (_, i) => i / 8 - 1);
  assert.equal(await estimateFee(api, DEMO_MODEL), UNIT);
  const result = await runJob(api, account('charlie'), { model: DEMO_MODEL, input: encodeF32(values) });
  assert.equal(result.status, 'Settled');
  assert.equal(result.paid, UNIT);
  assert.equal(result.worker, account('alice').address);
  const output = decodeF32(result.output);
  assert.equal(output.length, 4);
  assert.ok(output.every(Number.isFinite), String(output));
  // Same input, same output: the result is deterministic.
  const again = await runJob(api, account('dave'), { model: DEMO_MODEL, input: encodeF32(values) });
  assert.deepEqual(decodeF32(again.output), output);
});

let oracleKey = null;
/**
 * An oracle operator of the tests' own, registered on first use: not Alice (the dev chain's
 * oracle), whose node signs its results with her key at the same time and would race the
 * client for her nonces.
 */
async function oracle() {
  if (oracleKey) return oracleKey;
  const key = account('//VerityTestOracle');
  await send(api, account('eve'), api.tx.balances.transferKeepAlive(key.address, 1_000n * UNIT));
  await send(api, key, api.tx.operators.register(8 /* Oracle */, { name: 'oracle', endpoint: '' }, 100n * UNIT));
  oracleKey = key;
  return key;
}

test('a job on the oracle feeds freezes their values and settles', async () => {
  // The sixteen demo feeds (volts, 3 decimals), reported by an oracle operator.
  const values = Array.from({ length: 16 }, (_, i) => [i, BigInt(i * 125 - 1000)]);
  await reportValues(api, await oracle(), values);
  const feeds = await oracleValues(api);
  assert.equal(feeds.length, 16);
  assert.deepEqual(feeds.map((feed) => feed.value), values.map(([, v]) => v));
  assert.ok(feeds.every((feed) => feed.fresh && feed.decimals === 3 && feed.unit === 'V'));
  // A stranger's report is refused.
  await assert.rejects(reportValues(api, account('ferdie'), [[0, 1n]]), /NoPermission/);

  const ids = values.map(([feed]) => feed);
  const result = await runJob(api, account('eve'), { model: DEMO_MODEL, feeds: ids });
  assert.equal(result.status, 'Settled');
  const frozen = await job(api, result.job);
  assert.deepEqual(decodeF32(frozen.input.toU8a(true)), values.map(([, v]) => Number(v) / 1000));
  assert.deepEqual(frozen.feeds.map((reading) => reading.value.toBigInt()), values.map(([, v]) => v));
  // The same values inline give the same output.
  const inline = await runJob(api, account('eve'), { model: DEMO_MODEL, input: frozen.input.toU8a(true) });
  assert.deepEqual(inline.output, result.output);
  // An unknown feed is refused with a clear error and opens no job.
  await assert.rejects(submitJob(api, account('eve'), { model: DEMO_MODEL, feeds: [...ids.slice(1), 99] }), /UnknownFeed/);
});

test('a subscription opens a job on the feeds each period, and the rest of it can be cancelled', async () => {
  // This instant-seal chain makes a block per transaction: the oracle's reports are blocks.
  const key = await oracle();
  const report = (base) => reportValues(api, key, Array.from({ length: 16 }, (_, i) => [i, BigInt(base + i)]));
  await report(0);
  const eve = account('eve');
  const before = (await api.query.system.account(eve.address)).data.free.toBigInt();
  const id = await subscribe(api, eve, { model: DEMO_MODEL, feeds: Array.from({ length: 16 }, (_, i) => i), period: 2, runs: 50 });
  const held = before - (await api.query.system.account(eve.address)).data.free.toBigInt();
  assert.ok(held >= 50n * UNIT, `the whole subscription is held (${held})`);
  const view = await subscription(api, id);
  assert.equal(view.runsLeft.toNumber(), 50);

  try {
    // Each report is a block: report until the subscription opened two jobs.
    let followed = false;
    const following = followSubscription(api, id, { count: 2 }).finally(() => { followed = true; });
    for (let base = 100; !followed; base += 100) await report(base);
    const jobs = await following;
    assert.equal(jobs.length, 2);
    for (const job of jobs) assert.equal((await waitForJob(api, job)).status, 'Settled');
    // Each job froze the feeds' values of the block that opened it.
    const first = await job(api, jobs[0]);
    assert.equal(first.feeds.length, 16);
  } finally {
    await cancelSubscription(api, eve, id);
  }
  assert.equal(await subscription(api, id), null);
  await assert.rejects(cancelSubscription(api, eve, id), /UnknownSubscription/);
});

test('a Zk job on the demo model settles on a verified proof', async () => {
  const values = Array.from({ length: 16 }, (_, i) => i / 8 - 1);
  assert.equal(await estimateFee(api, DEMO_MODEL, 'Zk'), 2n * UNIT);
  // A Zk input is the quantized tensor: one i8 an element, not 64 bytes of f32.
  await assert.rejects(
    submitJob(api, account('charlie'), { model: DEMO_MODEL, input: encodeF32(values), mode: 'Zk' }),
    /inference\.InputSizeMismatch/,
  );
  const result = await runJob(api, account('charlie'), { model: DEMO_MODEL, input: encodeI8(values), mode: 'Zk' });
  assert.equal(result.status, 'Settled');
  assert.equal(result.paid, 2n * UNIT);
  const output = decodeI8(result.output);
  assert.equal(output.length, 4);
  // The quantized model approximates the float one: within a few steps of 1/16.
  const fast = await runJob(api, account('dave'), { model: DEMO_MODEL, input: encodeF32(values) });
  decodeF32(fast.output).forEach((v, i) => assert.ok(Math.abs(v - output[i]) <= 0.5, `${v} vs ${output[i]}`));
});

test('a Consensus job on the demo model settles on the round the dev node plays', async () => {
  const values = Array.from({ length: 16 }, (_, i) => i / 8 - 1);
  const mode = { Consensus: 3 };
  assert.equal(await estimateFee(api, DEMO_MODEL, mode), 4n * UNIT);
  // Alice runs it; Bob, Charlie and Dave (their keys are in the dev node too) re-run it.
  const result = await runJob(api, account('eve'), { model: DEMO_MODEL, input: encodeF32(values), mode });
  assert.equal(result.status, 'Settled');
  const fast = await runJob(api, account('dave'), { model: DEMO_MODEL, input: encodeF32(values) });
  assert.deepEqual(decodeF32(result.output), decodeF32(fast.output));
  const closed = await round(api, result.job);
  assert.equal(closed.members.length, 4);
  assert.equal(closed.members[0][0].toString(), account('alice').address);
  assert.ok(closed.members.every(([, state]) => state.isRevealed));
});

test('a Fast result challenged from the client is re-run by three verifiers', async () => {
  const values = Array.from({ length: 16 }, (_, i) => (i % 5) / 4);
  const result = await runJob(api, account('eve'), { model: DEMO_MODEL, input: encodeF32(values) });
  assert.equal(result.status, 'Settled');
  assert.equal(await challengeOf(api, result.job), null);
  // Neither a stranger nor the worker may challenge; the requester may.
  await assert.rejects(challenge(api, account('ferdie'), result.job), /inference\.NotChallenger/);
  await assert.rejects(challenge(api, account('alice'), result.job), /inference\.NotChallenger/);
  const opened = await challenge(api, account('eve'), result.job);
  assert.equal(opened.bond, 3n * UNIT);
  // The judges are drawn in the next block (on this instant-seal chain, the next transaction's).
  assert.equal(await round(api, result.job), null);
  await assert.rejects(challenge(api, account('eve'), result.job), /inference\.AlreadyChallenged/);
  // The worker was honest: the judges agree with it, and the bond paid them.
  assert.equal(await waitForChallenge(api, result.job), 'Rejected');
  // Bob, Charlie and Dave (the dev node holds their keys) were drawn and re-ran it.
  const closed = await round(api, result.job);
  const judges = closed.members.map(([who]) => who.toString()).sort();
  assert.deepEqual(judges, ['bob', 'charlie', 'dave'].map((n) => account(n).address).sort());
  assert.ok(closed.members.every(([, state]) => state.isRevealed));
  const view = await job(api, result.job);
  assert.deepEqual(view.output.unwrap().toU8a(true), result.output);
});

test('a model registered from the client is served', async () => {
  const file = join(node.base, 'mlp.onnx');
  execFileSync(nodeBinary(), ['demo-model', '--out', file, '--sizes', '16,8,2', '--seed', '99']);
  const model = await putModel(api, readFileSync(file));
  await registerModel(api, account('bob'), { model, input: [1, 16], output: [1, 2], price: 2n * UNIT });
  await serveModels(api, account('alice'), [DEMO_MODEL, model]);
  const result = await runJob(api, account('charlie'), { model, input: encodeF32(new Array(16).fill(0.5)) });
  assert.equal(result.status, 'Settled');
  assert.equal(result.paid, 2n * UNIT);
  assert.equal(decodeF32(result.output).length, 2);
});

test('a Consensus job settles on a commit-reveal round played from the client', async () => {
  // A model of its own, whose only inference operator is Eve and only verifier Ferdie: the node
  // holds neither key, so the client plays both parts.
  const file = join(node.base, 'consensus.onnx');
  execFileSync(nodeBinary(), ['demo-model', '--out', file, '--sizes', '16,8,2', '--seed', '7']);
  const model = await putModel(api, readFileSync(file));
  const modes = { fast: true, zk: false, consensus: true };
  await registerModel(api, account('bob'), { model, input: [1, 16], output: [1, 2], modes });
  const [eve, ferdie] = [account('eve'), account('ferdie')];
  await send(api, eve, api.tx.operators.register(2 /* Inference */, { name: 'eve', endpoint: '' }, 2_000n * UNIT));
  await send(api, ferdie, api.tx.operators.register(4 /* Verifier */, { name: 'ferdie', endpoint: '' }, 2_000n * UNIT));
  await serveModels(api, eve, [model]);
  await serveModels(api, ferdie, [model]);
  assert.equal(await estimateFee(api, model, { Consensus: 1 }), 2n * UNIT);
  await assert.rejects(
    estimateFee(api, model, { Consensus: 2 }),
    /InvalidVerifierCount/,
  );
  await assert.rejects(
    submitJob(api, account('charlie'), { model, input: encodeF32(new Array(16).fill(0)), mode: { Consensus: 2 }, maxFee: 10n * UNIT }),
    /inference\.InvalidVerifierCount/,
  );
  const { job: id, worker } = await submitJob(api, account('charlie'), {
    model, input: encodeF32(new Array(16).fill(0.5)), mode: { Consensus: 1 },
  });
  assert.equal(worker, eve.address);
  const started = await round(api, id);
  assert.equal(started.phase.toString(), 'Commit');
  assert.deepEqual(started.members.map(([who]) => who.toString()), [eve.address, ferdie.address]);
  const verifier = ferdie;
  const output = encodeF32([0.25, -1.5]);
  const salts = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
  await commit(api, eve, id, output, salts[0]);
  // A reveal before every member committed is refused, and changes nothing.
  await assert.rejects(reveal(api, eve, id, output, salts[0]), /inference\.RevealTooEarly/);
  await commit(api, verifier, id, output, salts[1]);
  assert.equal((await round(api, id)).phase.toString(), 'Reveal');
  await reveal(api, eve, id, output, salts[0]);
  const ended = waitForJob(api, id);
  await reveal(api, verifier, id, output, salts[1]);
  const result = await ended;
  assert.equal(result.status, 'Settled');
  assert.deepEqual(decodeF32(result.output), [0.25, -1.5]);
  const closed = await round(api, id);
  assert.ok(closed.phase.isClosed && closed.phase.asClosed.isSome, closed.phase.toString());
  assert.ok(closed.members.every(([, state]) => state.isRevealed));
});

test('bad input gets a clear error and opens no job', async () => {
  const before = (await api.query.inference.nextJobId()).toNumber();
  await assert.rejects(
    submitJob(api, account('charlie'), { model: DEMO_MODEL, input: new Uint8Array(63) }),
    /inference\.InputSizeMismatch/,
  );
  await assert.rejects(
    submitJob(api, account('charlie'), { model: DEMO_MODEL, input: encodeF32(new Array(16).fill(0)), maxFee: 1n }),
    /inference\.MaxFeeTooLow/,
  );
  assert.equal((await api.query.inference.nextJobId()).toNumber(), before);
  assert.equal(await job(api, before), null);
});

/** Resolves once job `id` has been challenged. */
async function untilChallenged(id) {
  for (let tries = 0; tries < 200; tries += 1) {
    if (await challengeOf(api, id)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} was never challenged`);
}

/** Runs `cli.mjs` against the node; resolves `{ code, stdout, stderr }`. */
function cli(args) {
  const script = new URL('../cli.mjs', import.meta.url).pathname;
  return new Promise((resolve) => {
    execFile(process.execPath, [script, '--url', node.url, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

test('the CLI refuses a file that is not a model, and a model of other shapes, in one line', async () => {
  const before = (await api.query.models.modelCount()).toNumber();
  const notOnnx = join(node.base, 'hostname.txt');
  writeFileSync(notOnnx, 'verity-host\n');
  let { code, stderr } = await cli(['register', notOnnx, '--input', '1,16', '--output', '1,4']);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^cli\.mjs: .*does not load/);
  assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);

  const file = join(node.base, 'mlp-other.onnx');
  execFileSync(nodeBinary(), ['demo-model', '--out', file, '--sizes', '16,8,2', '--seed', '5']);
  ({ code, stderr } = await cli(['register', file, '--input', '1,16', '--output', '1,4']));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^cli\.mjs: .*output/);
  // Nothing reached the chain.
  assert.equal((await api.query.models.modelCount()).toNumber(), before);

  // A refused call: one line, the chain's error by name.
  ({ code, stderr } = await cli(['submit', `0x${'cd'.repeat(32)}`, '--values', '1']));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^cli\.mjs: .*UnknownModel/);
  assert.doesNotMatch(stderr, /^\s+at /m);
  ({ code, stderr } = await cli(['challenge', '999999']));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^cli\.mjs: .*UnknownJob/);
});

test('the CLI lists the oracle feeds and runs the demo model on them', async () => {
  await reportValues(api, await oracle(), Array.from({ length: 16 }, (_, i) => [i, BigInt(-i * 1001)]));
  const listed = await cli(['oracle']);
  assert.equal(listed.code, 0, listed.stderr);
  const feeds = listed.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(feeds.length, 16);
  assert.equal(feeds[3].value, '-3.003');
  assert.equal(feeds[0].value, '0.000');
  assert.ok(feeds.every((feed) => feed.fresh && feed.unit === 'V'));
  const ran = await cli(['demo', '--feeds', Array.from({ length: 16 }, (_, i) => i).join(',')]);
  assert.equal(ran.code, 0, ran.stderr);
  const printed = JSON.parse(ran.stdout);
  assert.equal(printed.status, 'Settled');
  assert.equal(printed.output.length, 4);
});

test('the CLI challenges a settled job as its requester and prints the verdict', async () => {
  // The CLI signs as Eve by default: no operator of the dev chain, so all three verifiers judge.
  const result = await runJob(api, account('eve'), { model: DEMO_MODEL, input: encodeF32(new Array(16).fill(0.25)) });
  const running = cli(['challenge', String(result.job)]);
  // The judges are drawn in the block after the challenge's: on this instant-seal chain, the
  // next transaction's.
  await untilChallenged(result.job);
  await send(api, account('ferdie'), api.tx.system.remark('0x00'));
  const { code, stdout, stderr } = await running;
  assert.equal(code, 0, stderr);
  const printed = JSON.parse(stdout);
  assert.equal(printed.job, result.job);
  assert.equal(printed.judges.length, 3);
  assert.equal(printed.bond, (3n * UNIT).toString());
  assert.equal(printed.outcome, 'Rejected');
});

test('an operator names a worker key from the CLI and takes the name back', async () => {
  const alice = account('alice').address;
  let { code, stdout, stderr } = await cli(['set-worker', '//JsWorker']);
  assert.equal(code, 0, stderr);
  const { worker } = JSON.parse(stdout);
  assert.equal(worker, account('//JsWorker').address);
  // Proposed, not yet named: the worker's key must accept (it pays the fee, so it is funded).
  assert.ok((await api.query.operators.workers(alice)).isNone);
  await send(api, account('alice'), api.tx.balances.transferKeepAlive(worker, 10n * UNIT));
  ({ code, stdout, stderr } = await cli(['accept-worker', 'alice', '--as', '//JsWorker']));
  assert.equal(code, 0, stderr);
  assert.equal(JSON.parse(stdout).operator, alice);
  assert.equal((await api.query.operators.workers(alice)).toString(), worker);
  assert.equal((await api.query.operators.workerOf(worker)).toString(), alice);

  // Someone who is no operator is refused, by the chain's error name; so is an unproposed worker.
  ({ code, stderr } = await cli(['set-worker', '//Other', '--as', '//Alice//stash']));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^cli\.mjs: .*NotOperator/);
  ({ code, stderr } = await cli(['accept-worker', 'alice', '--as', '//Bob//stash']));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^cli\.mjs: .*NotProposed/);

  // Back to Alice's own key, which this node holds: its worker serves her jobs again.
  ({ code, stderr } = await cli(['set-worker', 'none']));
  assert.equal(code, 0, stderr);
  assert.ok((await api.query.operators.workers(alice)).isNone);
});
