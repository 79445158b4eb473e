#!/usr/bin/env node
// End-to-end benchmark: submits N `Fast` jobs on the demo model to a dev node with a worker as
// fast as the pool takes them, and reports, per job, the latency from submission to its
// `JobSettled` event (in blocks and in seconds, as a client sees it) and the throughput.
//
//   node bench.mjs [--jobs 200] [--url ws://…]   (without --url it starts its own node:
//                                               --dev --worker --sealing instant)
//
// Every job must end settled: the script exits with 1 if any job was refused at submission,
// refunded, or is still open (lost) after --timeout seconds.

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { connect, account, encodeF32, u8aToHex } from './verity.mjs';
import { startDevNode } from './test/node.mjs';

const { values: opts } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    url: { type: 'string' },
    timeout: { type: 'string', default: '300' },
  },
});
const N = Number(opts.jobs);
const DEMO_MODEL = JSON.parse(readFileSync(new URL('./demo-model.json', import.meta.url))).id;

const node = opts.url ? null : await startDevNode();
const api = await connect(opts.url ?? node.url);
const requester = account('charlie');

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

try {
  const sentMs = new Map(); // transaction hash -> when it was sent
  const submitted = new Map(); // job id -> { hash, block }
  const settledAt = new Map(); // job id -> { ms, block }
  const refunded = new Set();
  let refused = 0; // our `submit_job` transactions that failed (no job, no escrow)
  const ours = new Set();

  // Every new block's events, as they arrive; a job is matched to its transaction by hash.
  const unsubscribe = await api.rpc.chain.subscribeNewHeads(async (header) => {
    const now = performance.now();
    const block = header.number.toNumber();
    const [signed, events] = await Promise.all([
      api.rpc.chain.getBlock(header.hash),
      api.query.system.events.at(header.hash),
    ]);
    const hashes = signed.block.extrinsics.map((xt) => xt.hash.toHex());
    for (const { phase, event } of events) {
      const hash = phase.isApplyExtrinsic ? hashes[phase.asApplyExtrinsic.toNumber()] : null;
      if (api.events.inference.JobSubmitted.is(event)) {
        submitted.set(event.data.job.toNumber(), { hash, block });
      } else if (api.events.inference.JobSettled.is(event)) {
        settledAt.set(event.data.job.toNumber(), { ms: now, block });
      } else if (api.events.inference.JobRefunded.is(event)) {
        refunded.add(event.data.job.toNumber());
      } else if (api.events.system.ExtrinsicFailed.is(event) && ours.has(hash)) {
        refused += 1;
      }
    }
  });

  // Sign all N with consecutive nonces, then send them back to back.
  let nonce = (await api.rpc.system.accountNextIndex(requester.address)).toNumber();
  const txs = [];
  for (let i = 0; i < N; i++) {
    const input = encodeF32(Array.from({ length: 16 }, (_, k) => ((i + k) % 13) / 13));
    const tx = api.tx.inference.submitJob(DEMO_MODEL, { Inline: u8aToHex(input) }, 'Fast', 10n ** 12n);
    txs.push(await tx.signAsync(requester, { nonce: nonce++ }));
    ours.add(tx.hash.toHex());
  }
  const start = performance.now();
  for (const tx of txs) {
    sentMs.set(tx.hash.toHex(), performance.now());
    await api.rpc.author.submitExtrinsic(tx);
  }
  const sentAll = performance.now();

  const ourJobs = () => [...submitted].filter(([, s]) => ours.has(s.hash)).map(([id]) => id);
  const deadline = Date.now() + Number(opts.timeout) * 1000;
  for (;;) {
    const jobs = ourJobs();
    const ended = jobs.filter((id) => settledAt.has(id) || refunded.has(id)).length;
    if ((jobs.length + refused >= N && ended === jobs.length) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  unsubscribe();

  const seconds = [];
  const blocks = [];
  let lastSettle = start;
  const jobs = ourJobs();
  for (const id of jobs) {
    const settled = settledAt.get(id);
    if (!settled) continue;
    const { hash, block } = submitted.get(id);
    seconds.push((settled.ms - sentMs.get(hash)) / 1000);
    blocks.push(settled.block - block);
    lastSettle = Math.max(lastSettle, settled.ms);
  }
  seconds.sort((a, b) => a - b);
  blocks.sort((a, b) => a - b);
  // Lost: paid for (escrow held) but neither settled nor refunded.
  const lost = jobs.filter((id) => !settledAt.has(id) && !refunded.has(id)).length;
  const report = {
    jobs: N,
    accepted: jobs.length,
    refusedAtSubmission: refused,
    settled: seconds.length,
    refunded: jobs.filter((id) => refunded.has(id)).length,
    lost,
    submitSeconds: +((sentAll - start) / 1000).toFixed(3),
    latencySeconds: { p50: +percentile(seconds, 50)?.toFixed(3), p99: +percentile(seconds, 99)?.toFixed(3), max: +seconds.at(-1)?.toFixed(3) },
    latencyBlocks: { p50: percentile(blocks, 50), p99: percentile(blocks, 99), max: blocks.at(-1) },
    jobsPerSecond: +(seconds.length / ((lastSettle - start) / 1000)).toFixed(1),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  };
  console.log(JSON.stringify(report, null, 2));
  if (lost > 0 || seconds.length < N) process.exitCode = 1;
} finally {
  await api.disconnect();
  await node?.stop();
}
