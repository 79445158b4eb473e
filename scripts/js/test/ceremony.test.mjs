// The dev chain's demo model gets its key from the setup ceremony, as `scripts/run-dev.sh` runs
// it: `cli.mjs dev-ceremony` against a real dev node whose verifiers contribute by themselves
// (`--worker-ceremony`). Alice contributes to phase 1 over its public start, the node's four
// verifier keys contribute to phase 2, Alice seals; then a `Zk` job proved with that key settles.
// The run first finds phase 1 as a run stopped after Alice's contribution leaves it (her
// transcript lost): it resets phase 1 through sudo and contributes again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { UNIT, account, ceremonyDeposits, connect, contributePhase1, phase1, sendAgain } from '../verity.mjs';
import { startDevNode, nodeBinary } from './node.mjs';

let node;
let api;
let zkKeys;
before(async () => {
  // The node's key directory is named here so the CLI can put the sealed transcript in it.
  zkKeys = mkdtempSync(join(tmpdir(), 'verity-js-zk-'));
  node = await startDevNode(['--worker-ceremony', '--worker-zk-keys', zkKeys]);
  api = await connect(node.url);
});
after(async () => {
  await api?.disconnect();
  await node?.stop();
  if (zkKeys) rmSync(zkKeys, { recursive: true, force: true });
});

function cli(args) {
  const script = new URL('../cli.mjs', import.meta.url).pathname;
  return new Promise((resolve) => {
    execFile(process.execPath, [script, '--url', node.url, ...args], { timeout: 600_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

/** `verity-node zk ARGS`: its output's `name value` lines as an object. */
async function zk(args) {
  const { stdout: out } = await promisify(execFile)(nodeBinary(), ['zk', ...args], { encoding: 'utf8' });
  return Object.fromEntries(out.split('\n').map((line) => line.trim().split(/\s+/)).filter((w) => w.length > 1).map((w) => [w[0], w[w.length - 1]]));
}

test('dev-ceremony gives the demo model a key four verifiers made, and a Zk job settles on it', async () => {
  // A run that stopped after Alice's phase-1 contribution, its transcript gone with it.
  const alice = account('alice');
  const scratch = mkdtempSync(join(tmpdir(), 'verity-js-lost-'));
  let lost;
  try {
    await zk(['start-transcript', '--size', String((await phase1(api)).size), '--out', join(scratch, 't0')]);
    lost = await zk(['contribute', '--phase', '1', '--transcript', join(scratch, 't0'), '--account', alice.address, '--out', join(scratch, 't1')]);
    await sendAgain(() => contributePhase1(api, alice, { contribution: lost.contribution, transcript: lost.transcript }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  assert.equal((await phase1(api)).contributions, 1);
  assert.equal(await ceremonyDeposits(api, alice.address), 10n * UNIT);

  // The contribution deposits held at each block while the ceremony runs.
  const seen = [];
  const unsubscribe = await api.rpc.chain.subscribeNewHeads(async (header) => {
    const at = await api.at(header.hash);
    for (const [key, amount] of await at.query.settlement.deposits.entries()) {
      const who = key.args[1].toString();
      seen.push({ who, amount: amount.unwrap().toBigInt(), held: await ceremonyDeposits(at, who) });
    }
  });
  const ran = await cli(['dev-ceremony', '--zk-keys', zkKeys, '--node', nodeBinary()]);
  unsubscribe();
  assert.equal(ran.code, 0, ran.stderr);
  // Alice's phase-1 contribution and the verifiers' phase-2 ones each held 10 VRT, one at a time.
  assert.ok(new Set(seen.map(({ who }) => who)).size >= 2, JSON.stringify(seen, (_, v) => typeof v === 'bigint' ? `${v}` : v));
  for (const { who, amount, held } of seen) {
    assert.equal(amount, 10n * UNIT, who);
    assert.equal(held, amount, `${who}: its hold is its deposit`);
  }
  const sealed = JSON.parse(ran.stdout);
  assert.equal(sealed.contributors, 4);
  // Phase 1 was reset (the lost contribution forgotten) and sealed on Alice's new one.
  const info = await phase1(api);
  assert.deepEqual([info.contributions, info.sealed], [1, 0]);
  assert.notEqual(sealed.phase1, lost.transcript);

  // The registry says where the key came from.
  const view = (await api.call.modelsApi.model(sealed.model)).unwrap().toJSON();
  assert.deepEqual(view.keySetup, { ceremony: { phase1: sealed.phase1, phase2: sealed.phase2, contributors: 4 } });

  // Every contribution's deposit came back when its phase was sealed.
  const contributors = (await api.query.settlement.sealedContributors(sealed.model)).unwrap();
  assert.equal(contributors.length, 4);
  for (const who of [...contributors, account('alice').address]) {
    assert.equal(await ceremonyDeposits(api, who), 0n, `${who} still holds a contribution deposit`);
  }
  assert.equal((await api.query.settlement.deposits.entries()).length, 0);

  // Alice's worker proves with the sealed key (no longer the seeded one).
  const job = await cli(['demo', '--mode', 'Zk']);
  assert.equal(job.code, 0, job.stderr);
  assert.equal(JSON.parse(job.stdout).status, 'Settled');

  // Phase 1 sealed, a run for another directory has no transcript to build on.
  const again = await cli(['dev-ceremony', '--zk-keys', join(zkKeys, 'elsewhere'), '--node', nodeBinary()]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /phase 1 is sealed already and its transcript is not in/);
});
