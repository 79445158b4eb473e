// The load generator (`loadgen.mjs`): its pure parts without a node (percentiles, counting along
// one chain across a fork, the SVG, the sender's handling of a refused transaction, arguments),
// then a real run against a dev node with Aura blocks: every job sent is submitted and settled,
// and the report and the plot say so.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  percentile, spread, chainTo, tally, countJobs, steadyRate, blockTimes, withClock, niceTicks, renderSvg, plotPanels, escapeXml,
} from '../loadgen-report.mjs';
import { parseOptions, argsByName, errorKind, failures, treasuryInflow, Sender, UsageError } from '../loadgen.mjs';
import { Keyring } from '@polkadot/keyring';

const LOADGEN = fileURLToPath(new URL('../loadgen.mjs', import.meta.url));

/** Runs loadgen; resolves `{ code, stdout, stderr }`. */
function loadgen(args, timeout = 60_000) {
  return new Promise((resolve) => {
    const options = { env: { ...process.env, VERITY_DEBUG: '' }, timeout, maxBuffer: 1 << 26 };
    execFile(process.execPath, [LOADGEN, ...args], options, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

/**
 * Throws unless `xml` is well-formed as far as this SVG goes: every tag closed in order,
 * attributes quoted, text without a bare `<` or `&`. Returns the element names in order.
 */
function wellFormed(xml) {
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const stack = [];
  const names = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let last = 0;
  for (let m = token.exec(body); m; m = token.exec(body)) {
    last = token.lastIndex;
    const [, closing, name, , selfClosing, text] = m;
    if (text !== undefined) {
      assert.doesNotMatch(text, /&(?!(lt|gt|amp|quot|apos|#\d+);)/, `bare & in ${text}`);
      continue;
    }
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes another element`);
    else {
      names.push(name);
      if (!selfClosing) stack.push(name);
    }
    if (stack.length === 0 && !closing && !selfClosing) assert.fail('text outside the root');
  }
  assert.equal(last, body.length, `not XML from: ${body.slice(last, last + 80)}`);
  assert.deepEqual(stack, [], 'unclosed elements');
  return names;
}

/** A block's facts as the tracker records them. */
function block(number, hash, parent, fields = {}) {
  return {
    hash, parent, number, seenAt: 1_000_000 + number * 6000 + 200, timestamp: 1_000_000 + number * 6000,
    extrinsics: 1, signed: 0, ours: [], submitted: [], settled: [], refunded: [], failed: [], ...fields,
  };
}

const tx = (hash, jobs, fields = {}) => ({ hash, account: 0, nonce: 0, jobs, dues: [], sentAt: 1_000_000, state: 'pooled', error: null, ...fields });

describe('without a node', () => {
  test('percentiles are nearest-rank, and empty lists give nulls', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    assert.equal(percentile(values, 50), 5);
    assert.equal(percentile(values, 99), 10);
    assert.equal(percentile(values, 10), 1);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), null);
    assert.deepEqual(spread([0.1234, 0.5, 2]), { p50: 0.5, p99: 2, max: 2 });
    assert.deepEqual(spread([]), { p50: null, p99: null, max: null });
    assert.deepEqual(spread([3, 1, 2], { ps: [50], digits: 0 }), { p50: 2, max: 3 });
  });

  test('tick values are round and cover the range', () => {
    assert.deepEqual(niceTicks(10, 5), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(0.9, 4), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0), [0, 1]);
    assert.ok(niceTicks(123, 10).at(-1) >= 123);
  });

  test('counting follows one chain: a job in a re-orged block counts once, under its final id', () => {
    // Block 2 was first A2 (tx 0xa gave job 7), then re-orged to B2 (tx 0xa gave job 8, tx 0xb job 9).
    const blocks = new Map([
      ['g', block(1, 'g', 'x')],
      ['a2', block(2, 'a2', 'g', { ours: ['0xa'], submitted: [['7', '0xa']] })],
      ['a3', block(3, 'a3', 'a2', { settled: ['7'] })],
      ['b2', block(2, 'b2', 'g', { ours: ['0xa', '0xb'], submitted: [['8', '0xa'], ['9', '0xb']], extrinsics: 3, signed: 2 })],
      ['b3', block(3, 'b3', 'b2', { settled: ['8', '7'], refunded: [['9', 'DeadlinePassed']] })],
      ['b4', block(4, 'b4', 'b3', { ours: ['0xc'], failed: [['0xc', 'inference.MarketBusy']] })],
    ]);
    const txs = new Map([
      ['0xa', tx('0xa', 1)], ['0xb', tx('0xb', 1)], ['0xc', tx('0xc', 2)],
      ['0xd', tx('0xd', 1, { state: 'refused', error: '1010: Invalid Transaction: Transaction is outdated' })],
      ['0xe', tx('0xe', 3)], // the pool took it; no block has it
    ]);
    const chain = chainTo(blocks, 'b4');
    assert.deepEqual(chain.map((b) => b.hash), ['g', 'b2', 'b3', 'b4']);
    const view = tally(chain, txs);
    assert.deepEqual([...view.jobs.keys()], ['8', '9']);
    const { jobs, transactions } = countJobs(txs, view);
    assert.deepEqual(jobs, {
      sent: 8, submitted: 2, settled: 1, refunded: { total: 1, byReason: { DeadlinePassed: 1 } }, lost: 0, dropped: 3,
      refusedAtSubmission: { total: 1, byError: { '1010: Invalid Transaction: Transaction is outdated': 1 } },
      failedOnChain: { total: 2, byError: { 'inference.MarketBusy': 2 } }, notOpened: 0,
    });
    assert.deepEqual(transactions, { sent: 5, refused: 1, included: 3, failedOnChain: 1, dropped: 1 });
    // On the fork that lost, job 7 had settled and nothing else was there.
    const other = countJobs(txs, tally(chainTo(blocks, 'a3'), txs)).jobs;
    assert.equal(other.settled, 1);
    assert.equal(other.dropped, 1 + 2 + 3);
    // A job submitted and never ended is lost.
    const open = countJobs(txs, tally(chainTo(blocks, 'b2'), txs)).jobs;
    assert.equal(open.lost, 2);
  });

  test('rates count between block boundaries; block times and the clock', () => {
    const chain = [1, 2, 3, 4, 5].map((n) => block(n, `h${n}`, `h${n - 1}`, { submitted: n >= 2 ? [['1', 'a'], ['2', 'a'], ['3', 'a']] : [] }));
    // From block 2 (the first with jobs; its jobs arrived before it) to block 4 (stamped before 1 000 000 + 24 001).
    assert.deepEqual(steadyRate(chain, (b) => b.submitted.length, 1_000_000 + 24_001), { perSecond: 0.5, fromBlock: 2, toBlock: 4, seconds: 12 });
    assert.equal(steadyRate(chain, (b) => b.submitted.length, 1_000_000 + 12_000), null);
    assert.deepEqual(blockTimes(chain).map(([, s]) => s), [6, 6, 6, 6]);
    assert.equal(withClock(chain).clock, 'timestamp');
    // Stamped a slot ahead of when it was seen (instant sealing): the seen times are used.
    const ahead = chain.map((b, i) => ({ ...b, timestamp: 2_000_000 + i * 6000, seenAt: 1_000_000 + i * 100 }));
    const seen = withClock(ahead);
    assert.equal(seen.clock, 'seen');
    assert.deepEqual(blockTimes(seen.chain).map(([, s]) => s), [0.1, 0.1, 0.1, 0.1]);
    assert.equal(seen.chain[0].stamped, 2_000_000);
  });

  test('the SVG is well-formed XML with three titled panels, axes and legends', () => {
    const chain = [1, 2, 3, 4].map((n) => block(n, `h${n}`, `h${n - 1}`, {
      ours: [`t${n}`], submitted: [[`${n}`, `t${n}`]], settled: n > 1 ? [`${n - 1}`] : [],
    }));
    const txs = new Map(chain.map((b) => [`t${b.number}`, tx(`t${b.number}`, 1, { sentAt: b.timestamp - 3000 })]));
    const { jobs } = tally(chain, txs);
    const svg = renderSvg({
      title: 'Verity load: <20> jobs/s & more',
      subtitle: ['line one', 'line "two"'],
      xLabel: 'seconds since the first job was sent',
      panels: plotPanels({ chain, txs, jobs, t0: 1_000_000, bucketSeconds: 6 }),
      marker: 20,
    });
    const names = wellFormed(svg);
    assert.equal(names[0], 'svg');
    assert.equal(svg.match(/<g class="panel">/g).length, 3);
    for (const text of ['Jobs per second', 'Latency', 'Block time', 'sent', 'submitted (on chain)', 'settled', 'p50', 'p99',
      'seconds since the first job was sent', 'sending ends', '&lt;20&gt; jobs/s &amp; more', 'line &quot;two&quot;']) {
      assert.ok(svg.includes(text), `the SVG lacks ${text}`);
    }
    assert.ok(names.filter((n) => n === 'polyline').length >= 3);
    // No data at all still draws the panels.
    const empty = renderSvg({ title: 't', xLabel: 'x', panels: plotPanels({ chain: [], txs: new Map(), jobs: new Map(), t0: 0, bucketSeconds: 1 }) });
    wellFormed(empty);
    assert.equal(empty.match(/no data/g).length, 3);
    assert.equal(escapeXml(`a<b>&"'`), 'a&lt;b&gt;&amp;&quot;&apos;');
  });

  test('call arguments follow the metadata, for submitJob and submitJobs alike', () => {
    const named = { model: 'M', mode: 'Fast', maxFee: 5n, inputs: ['i1', 'i2'], input: 'i1' };
    const meta = (name, args) => ({ name, args: args.map((a) => ({ name: a })) });
    assert.deepEqual(argsByName(meta('submit_job', ['model', 'input', 'mode', 'max_fee']), named), ['M', 'i1', 'Fast', 5n]);
    assert.deepEqual(argsByName(meta('submit_jobs', ['model', 'mode', 'max_fee', 'inputs']), named), ['M', 'Fast', 5n, ['i1', 'i2']]);
    assert.throws(() => argsByName(meta('submit_jobs', ['model', 'priority']), named), /submit_jobs takes an argument 'priority'/);
  });

  test('a transaction the RPC refuses is counted by kind, frees its slot, and the nonce is read again', async () => {
    const answers = [new Error('1014: Priority is too low: (100 vs 100)'), null];
    const submitted = [];
    let reads = 0;
    let made = 0;
    const call = (...args) => {
      const xt = { args, hash: { toHex: () => `0x${(made += 1)}` }, signAsync: async (_, { nonce, era }) => Object.assign(xt, { nonce, era }) };
      return xt;
    };
    const api = {
      tx: { inference: { submitJob: Object.assign(call, { meta: { name: 'submit_job', args: ['model', 'input', 'mode', 'max_fee'].map((name) => ({ name })) } }) } },
      rpc: {
        system: { accountNextIndex: async () => ({ toNumber: () => { reads += 1; return 41; } }) },
        author: {
          submitExtrinsic: async (xt) => {
            submitted.push(xt);
            const answer = answers.shift();
            if (answer) throw answer;
          },
        },
      },
    };
    const sender = new Sender(api, {
      opts: { model: 'M', mode: 'Fast', inFlight: 1, batch: 1 }, maxFee: 1n, batched: false,
      pairs: [{ address: 'A' }], nonces: [40], makeInput: () => new Uint8Array([1, 2]),
    });
    const acct = sender.freeAccount();
    await sender.submit(acct, [{ seq: 0, due: 0 }]);
    assert.equal(submitted[0].nonce, 40);
    assert.equal(submitted[0].era, 0, 'immortal');
    assert.deepEqual(submitted[0].args, ['M', { Inline: '0x0102' }, 'Fast', 1n]);
    const [refused] = sender.txs.values();
    assert.equal(refused.state, 'refused');
    assert.equal(refused.error, '1014: Priority is too low');
    assert.equal(sender.live.refused, 1);
    assert.equal(sender.outstanding(), 0);
    assert.equal(acct.inFlight.size, 0);
    // The next transaction reads the nonce from the node first.
    assert.equal(sender.freeAccount(), acct);
    await sender.submit(acct, [{ seq: 1, due: 0 }]);
    assert.equal(reads, 1);
    assert.equal(submitted[1].nonce, 41);
    assert.equal(acct.nonce, 42);
    assert.equal(sender.outstanding(), 1);
    assert.equal(sender.freeAccount(), null, 'one transaction in flight is the limit');
    // Its block frees the slot; its job is open until it settles.
    sender.onBlock(block(5, 'h5', 'h4', { ours: ['0x2'], submitted: [['70', '0x2']] }));
    assert.equal(sender.freeAccount(), acct);
    assert.equal(sender.outstanding(), 1);
    sender.onBlock(block(6, 'h6', 'h5', { settled: ['70'] }));
    assert.equal(sender.outstanding(), 0);
    assert.equal(sender.live.settled, 1);
  });

  test('RPC errors are reduced to their kind', () => {
    assert.equal(errorKind(new Error('1010: Invalid Transaction: Transaction is outdated')), '1010: Invalid Transaction: Transaction is outdated');
    assert.equal(errorKind(new Error('1014: Priority is too low: (4295 vs 4295)')), '1014: Priority is too low');
    assert.equal(errorKind(new Error('1016: Immediately Dropped: The transaction couldn\'t enter the pool because of the limit')),
      '1016: Immediately Dropped: The transaction couldn\'t enter the pool because of the limit');
  });

  test('the outcome fails on a lost job, and on more unsettled jobs than allowed', () => {
    const report = (fields) => ({ jobs: { lost: 0, dropped: 0, notOpened: 0, refunded: { total: 0 }, refusedAtSubmission: { total: 0 }, failedOnChain: { total: 0 }, ...fields } });
    assert.deepEqual(failures(report({}), 0), []);
    assert.match(failures(report({ lost: 1 }), 5)[0], /1 jobs lost/);
    assert.match(failures(report({ refusedAtSubmission: { total: 2 } }), 1)[0], /2 jobs not settled/);
    assert.deepEqual(failures(report({ refusedAtSubmission: { total: 2 } }), 2), []);
  });

  test('the treasury inflow is counted per 1 000 settled jobs', () => {
    assert.deepEqual(treasuryInflow(5n, 1_205n, 600), { inflow: '1200', perThousandJobs: '2000' });
    assert.deepEqual(treasuryInflow(5n, 5n, 0), { inflow: '0', perThousandJobs: null });
  });

  test('options: defaults, and each bad argument a UsageError', () => {
    const opts = parseOptions([], new Date('2026-12-01T10:20:30Z'));
    assert.deepEqual(opts.load, { kind: 'rate', perSecond: 10 });
    assert.equal(opts.out, 'loadgen-2026-12-01-102030');
    assert.equal(opts.sealing, 'aura');
    assert.equal(opts.batch, 32);
    assert.equal(opts.accounts, 16);
    assert.equal(opts.maxFee, null);
    assert.equal(opts.fundAmount, 1000n * 10n ** 12n);
    assert.equal(parseOptions(['--max-fee', '1.5']).maxFee, 1_500_000_000_000n);
    assert.deepEqual(parseOptions(['--burst', '7']).load, { kind: 'burst', jobs: 7 });
    assert.equal(parseOptions(['--burst', '7']).duration, 600);
    assert.deepEqual(parseOptions(['--node-args', ' --foo  1 ']).nodeArgs, ['--foo', '1']);
    for (const args of [['--rate', '0'], ['--rate', 'x'], ['--rate', '1', '--burst', '2'], ['--burst', '2', '--duration', '0'],
      ['--batch', '0'], ['--batch', '65'], ['--mode', 'Slow'], ['--model', '0x12'], ['--url', 'http://x'], ['--url', 'ws://x', '--sealing', 'aura'],
      ['--sealing', 'babe'], ['--max-fee', '-1'], ['--accounts', '1.5'], ['--bogus'], ['extra']]) {
      assert.throws(() => parseOptions(args), UsageError, String(args));
    }
  });

  test('the CLI: --help is the usage, bad arguments exit with 2 and one line', async () => {
    const help = await loadgen(['--help']);
    assert.equal(help.code, 0);
    for (const word of ['--url', '--sealing', '--node-args', '--node-pid', '--rate', '--concurrency', '--burst', '--duration', '--drain',
      '--model', '--mode', '--max-fee', '--batch', '--accounts', '--in-flight', '--fund-from', '--fund-amount', '--out', '--allow-refused', '--quiet']) {
      assert.ok(help.stdout.includes(word), `usage lacks ${word}`);
    }
    for (const [args, pattern] of [[['--rate', 'fast'], /--rate takes a positive number/], [['--concurrency', '5', '--rate', '1'], /exclude each other/],
      [['--frobnicate'], /Unknown option '--frobnicate'/]]) {
      const { code, stdout, stderr } = await loadgen(args);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0], /^loadgen\.mjs: /);
      assert.match(lines[0], pattern);
      assert.match(lines[0], /--help/);
    }
  });
});

describe('against a dev node with Aura blocks', () => {
  let node;
  let api;
  let specVersion;
  let out;
  before(async () => {
    const { startDevNode } = await import('./node.mjs');
    const { connect } = await import('../verity.mjs');
    node = await startDevNode([], { sealing: 'aura' });
    api = await connect(node.url);
    specVersion = api.runtimeVersion.specVersion.toNumber();
    out = mkdtempSync(join(tmpdir(), 'verity-loadgen-'));
  });
  after(async () => {
    await api?.disconnect();
    await node?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  /**
   * From runtime spec 103 on, genesis endows //0 ... //63 and the runtime has
   * `inference.submitJobs`: the run uses both as they are. Before, Alice funds the accounts and
   * each job is its own `submitJob`.
   */
  const batched = () => specVersion >= 103;

  test('20 jobs a second for 30 s: every job sent is submitted and settled, none lost', async (t) => {
    if (batched()) {
      // Genesis endows the dev accounts loadgen uses.
      const keyring = new Keyring({ type: 'sr25519' });
      const accounts = [0, 1, 15, 63].map((i) => keyring.addFromUri(`//${i}`).address);
      for (const info of await api.query.system.account.multi(accounts)) assert.ok(info.data.free.toBigInt() > 0n);
    }
    const setup = batched() ? [] : ['--fund-from', '//Alice', '--batch', '1'];
    const dir = join(out, 'rate');
    const { code, stdout, stderr } = await loadgen([
      '--url', node.url, '--node-pid', String(node.pid), '--rate', '20', '--duration', '30', '--drain', '90', '--out', dir, '--quiet', ...setup,
    ], 300_000);
    assert.equal(code, 0, `${stderr}\n${stdout.slice(0, 3000)}`);
    const report = JSON.parse(stdout);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')), report);
    const { throughput: tp, latency, blocks, nodeCpu } = report;
    t.diagnostic(`${report.batching.call}: submitted ${tp.submitted?.perSecond} jobs/s, settled ${tp.settled?.perSecond} jobs/s; `
      + `latency p50 ${latency.seconds.p50} s, p99 ${latency.seconds.p99} s (${latency.blocks.p50}/${latency.blocks.p99} blocks); `
      + `block time p50 ${blocks.blockTimeSeconds.p50} s; finality lag max ${blocks.finalityLag.max}; node CPU ${nodeCpu.avgPercent} % (max ${nodeCpu.maxPercent} %)`);
    const { jobs } = report;
    assert.equal(jobs.sent, 600);
    assert.equal(jobs.lost, 0);
    assert.equal(jobs.submitted, jobs.sent);
    assert.equal(jobs.settled, jobs.submitted);
    assert.equal(jobs.refunded.total, 0);
    assert.equal(jobs.refusedAtSubmission.total, 0, JSON.stringify(jobs.refusedAtSubmission));
    assert.equal(jobs.failedOnChain.total, 0, JSON.stringify(jobs.failedOnChain));
    assert.equal(jobs.dropped, 0);
    assert.equal(jobs.late, 0);
    assert.equal(report.batching.call, batched() ? 'inference.submitJobs' : 'inference.submitJob');
    assert.equal(report.node.specVersion, specVersion);
    assert.match(report.node.version, /\S/);
    assert.equal(report.blocks.clock, 'timestamp');
    assert.ok(report.blocks.blockTimeSeconds.p50 >= 5.5 && report.blocks.blockTimeSeconds.p50 <= 6.5, JSON.stringify(report.blocks));
    assert.ok(report.blocks.finalityLag.max >= 0);
    assert.ok(Math.abs(report.throughput.submitted.perSecond - 20) <= 4, JSON.stringify(report.throughput));
    assert.ok(Math.abs(report.throughput.settled.perSecond - 20) <= 4, JSON.stringify(report.throughput));
    for (const figure of [report.latency.seconds, report.latency.blocks]) {
      assert.ok(figure.p50 > 0 && figure.p50 <= figure.p99 && figure.p99 <= figure.max, JSON.stringify(report.latency));
    }
    assert.ok(report.nodeCpu.avgPercent > 0 && report.nodeCpu.maxPercent >= report.nodeCpu.avgPercent, JSON.stringify(report.nodeCpu));
    assert.ok(report.machine.cores >= 1);
    assert.deepEqual(report.outcome, { pass: true, reasons: [] });
    // The treasury gets a tenth of each 1 VRT job fee, and 80 % of the transaction fees of
    // submitting and answering the jobs: more than 100 VRT a thousand jobs.
    const perThousand = BigInt(report.treasury.perThousandJobs);
    t.diagnostic(`treasury inflow: ${report.treasury.inflow} planck in all, ${perThousand} planck per 1 000 jobs`);
    assert.ok(perThousand > 100n * 10n ** 12n, JSON.stringify(report.treasury));
    const svg = readFileSync(join(dir, 'report.svg'), 'utf8');
    wellFormed(svg);
    assert.equal(svg.match(/<g class="panel">/g).length, 3);
    assert.ok(existsSync(join(dir, 'blocks.csv')));
  });

  test('jobs the chain refuses are counted by error and fail the run, with one line', async () => {
    const dir = join(out, 'refused');
    const fund = batched() ? [] : ['--fund-from', '//Alice'];
    // A maximum fee below the demo model's fee: each job fails on chain with MaxFeeTooLow (in
    // one submitJobs transaction, all or nothing, or in three submitJob ones).
    const { code, stdout, stderr } = await loadgen([
      '--url', node.url, '--burst', '3', '--accounts', '2', '--max-fee', '0.5', '--drain', '40', '--out', dir, '--quiet', ...fund,
    ], 180_000);
    assert.equal(code, 1, stderr);
    const report = JSON.parse(stdout);
    assert.deepEqual(report.jobs.failedOnChain, { total: 3, byError: { 'inference.MaxFeeTooLow': 3 } });
    assert.equal(report.transactions.failedOnChain, batched() ? 1 : 3);
    assert.equal(report.jobs.submitted, 0);
    assert.equal(report.jobs.lost, 0);
    assert.equal(report.outcome.pass, false);
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], /^loadgen\.mjs: FAILED: 3 jobs not settled/);
    assert.doesNotMatch(stderr, /^\s+at /m);
  });
});
