// Governance through the client against a real dev node with Aura blocks, whose tracks run at
// the development pace: a voter changes a market parameter with the CLI, from preimage to
// enactment, as the README walks it; a treasury spend passes and is paid out; a referendum on
// the wrong track is enacted but refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

import { connect, account, send, propose, vote, referendum, waitForReferendum, UNIT } from '../verity.mjs';
import { startDevNode } from './node.mjs';

let node;
let api;
before(async () => {
  node = await startDevNode([], { sealing: 'aura' });
  api = await connect(node.url);
});
after(async () => {
  await api?.disconnect();
  await node?.stop();
});

function cli(args) {
  const script = new URL('../cli.mjs', import.meta.url).pathname;
  return new Promise((resolve) => {
    execFile(process.execPath, [script, '--url', node.url, ...args], { timeout: 180_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

// Load-test accounts (a million VRT each; 1.3 % of the dev chain's issuance, more than the
// development pace's support threshold): none of them is a key the dev node signs with.
const [proposerA, proposerB, voterA, voterB] = ['//1', '//2', '//3', '//4'].map(account);
const VOTE = 990_000n * UNIT;

test('three referenda at once: a market parameter through the CLI, a treasury spend, and the wrong track', async () => {
  const before = (await api.query.inference.params()).toJSON();
  assert.notEqual(before.executionPeriod, 20);
  const tracks = new Map(api.consts.referenda.tracks.map(([id, info]) => [id.toNumber(), info]));
  assert.equal(tracks.get(1).preparePeriod.toNumber(), 1, 'the dev chain decides at the development pace');

  // The treasury has funds to spend: the dev chain's fees so far, and a gift.
  const treasury = api.consts.treasury.potAccount.toString();
  await send(api, proposerB, api.tx.balances.transferKeepAlive(treasury, 10_000n * UNIT));
  const beneficiary = account('//GovernanceBeneficiary').address;

  // The README's walk-through: propose, vote, follow.
  let { code, stdout, stderr } = await cli(['propose', 'market', '--params', 'executionPeriod=20', '--as', '//1']);
  assert.equal(code, 0, stderr);
  const proposed = JSON.parse(stdout);
  assert.equal(proposed.track, 'market');
  assert.match(proposed.hash, /^0x[0-9a-f]{64}$/);
  const market = proposed.referendum;
  const submitted = await referendum(api, market);
  assert.equal(submitted.track, 'market');
  assert.ok(['Preparing', 'Deciding'].includes(submitted.status), submitted.status);
  assert.equal(submitted.ayes, 0n);
  // Meanwhile, from the library: a spend on the small-spender track, and a market change on it.
  const [spend, wrong] = await Promise.all([
    propose(api, proposerB, { call: api.tx.treasury.spend(null, 500n * UNIT, beneficiary, null), track: 'small_spender' }),
    vote(api, voterA, market, { balance: VOTE }).then(() => propose(api, proposerA, {
      call: api.tx.inference.setParams({ ...before, executionPeriod: 30 }), track: 'small_spender',
    })),
  ]);
  ({ code, stdout, stderr } = await cli(['vote', String(spend.index), 'aye', '--balance', '990000', '--as', '//4']));
  assert.equal(code, 0, stderr);
  assert.equal(JSON.parse(stdout).track, 'small_spender');
  await vote(api, voterA, wrong.index, { balance: VOTE, conviction: 'None' });

  ({ code, stdout, stderr } = await cli(['referendum', String(market), '--follow']));
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(lines.at(-1), { referendum: market, status: 'Enacted', result: 'Ok' });
  assert.equal((await api.query.inference.params()).toJSON().executionPeriod, 20);
  assert.equal((await referendum(api, market)).status, 'Approved');

  // The spend is approved and claimable by anyone; it pays the beneficiary from the treasury.
  assert.deepEqual((await waitForReferendum(api, spend.index)).result, 'Ok');
  const index = (await api.query.treasury.spendCount()).toNumber() - 1;
  await send(api, voterB, api.tx.treasury.payout(index));
  assert.equal((await api.query.system.account(beneficiary)).data.free.toBigInt(), 500n * UNIT);

  // The wrong track passes its vote, but its origin may not set the market's parameters.
  const refused = await waitForReferendum(api, wrong.index);
  assert.equal(refused.status, 'Enacted');
  assert.match(refused.result, /BadOrigin/);
  assert.equal((await api.query.inference.params()).toJSON().executionPeriod, 20);
});

test('a call nobody may make is refused before it is proposed', async () => {
  await assert.rejects(propose(api, proposerA, { call: api.tx.system.remark('0x00'), track: 'council' }), /unknown track 'council'/);
  const { code, stderr } = await cli(['propose', 'root', '--call', 'nosuch.call', '--as', '//1']);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^cli\.mjs: the chain has no call nosuch\.call/);
  const missing = await cli(['referendum', '999']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no referendum 999/);
});
