//! The referendum tracks: which origin a referendum dispatches with, and what it takes to pass.
//!
//! | id | track | origin | decides at once | decision deposit | prepare | decide | confirm | enact after |
//! |---|---|---|---|---|---|---|---|---|
//! | 0 | `root` | root | 1 | 100 000 VRT | 2 h | 28 d | 1 d | 1 d |
//! | 1 | `market` | `MarketAdmin` | 10 | 10 000 VRT | 1 h | 14 d | 3 h | 10 min |
//! | 2 | `treasurer` | `Treasurer` | 10 | 10 000 VRT | 2 h | 28 d | 1 d | 1 d |
//! | 3 | `small_spender` | `SmallSpender` | 50 | 1 000 VRT | 1 h | 14 d | 6 h | 1 h |
//! | 4 | `referendum_canceller` | `ReferendumCanceller` | 1 000 | 10 000 VRT | 2 h | 7 d | 3 h | 10 min |
//! | 5 | `referendum_killer` | `ReferendumKiller` | 1 000 | 50 000 VRT | 2 h | 7 d | 3 h | 10 min |
//!
//! Approval (conviction-weighted ayes over all votes) falls linearly from 100 % to 50 % over the
//! decision period on every track. Support (ayes, without conviction, over the active issuance)
//! falls linearly over the decision period: `root` and `treasurer` from 50 % to 1 %, `market`
//! from 10 % to 1 %, `small_spender` from 5 % to 0.5 %, the canceller and the killer from 10 % to
//! 1 %.
//!
//! Under [`Pace::Development`] (the `--dev` chain) the tracks keep their ids, names, deposits and
//! approval curves, but a referendum prepares for one block, confirms for two, is enacted the
//! block after, and decides within 100 blocks (10 minutes); support falls from 1 % to 0.1 %, so
//! one endowed development account passes a referendum alone.

use alloc::borrow::Cow;
use pallet_referenda::{Curve, Track, TrackInfo};
use sp_runtime::{str_array as name, Perbill};
use verity_primitives::{
	currency::UNIT,
	time::{DAYS, HOURS, MINUTES},
	Balance, BlockNumber,
};

use super::origins::{Origin, Pace, TrackPace};
use crate::{OriginCaller, Runtime};

/// A track's id.
pub type TrackId = u16;

/// The `root` track: anything, including runtime upgrades.
pub const ROOT: TrackId = 0;
/// The `market` track: the market's parameters, the operators' minimum bonds, the fee split.
pub const MARKET: TrackId = 1;
/// The `treasurer` track: large treasury spends.
pub const TREASURER: TrackId = 2;
/// The `small_spender` track: small treasury spends.
pub const SMALL_SPENDER: TrackId = 3;
/// The `referendum_canceller` track: cancelling a referendum.
pub const REFERENDUM_CANCELLER: TrackId = 4;
/// The `referendum_killer` track: killing a referendum.
pub const REFERENDUM_KILLER: TrackId = 5;

/// A curve falling linearly from `ceil` to `floor` over the whole decision period.
const fn linear(ceil: Perbill, floor: Perbill) -> Curve {
	Curve::LinearDecreasing { length: Perbill::from_percent(100), floor, ceil }
}

const fn percent(x: u32) -> Perbill {
	Perbill::from_percent(x)
}

/// One tenth of a percent.
const PERMILLE: Perbill = Perbill::from_parts(1_000_000);

/// What a track takes, at a public chain's pace.
#[allow(clippy::too_many_arguments)]
const fn track(
	id: TrackId,
	name: [u8; 25],
	max_deciding: u32,
	decision_deposit: Balance,
	prepare_period: BlockNumber,
	decision_period: BlockNumber,
	confirm_period: BlockNumber,
	min_enactment_period: BlockNumber,
	min_support: Curve,
) -> Track<TrackId, Balance, BlockNumber> {
	Track {
		id,
		info: TrackInfo {
			name,
			max_deciding,
			decision_deposit,
			prepare_period,
			decision_period,
			confirm_period,
			min_enactment_period,
			min_approval: linear(percent(100), percent(50)),
			min_support,
		},
	}
}

/// The same track at a development chain's pace.
const fn development(
	standard: Track<TrackId, Balance, BlockNumber>,
) -> Track<TrackId, Balance, BlockNumber> {
	let mut track = standard;
	track.info.prepare_period = 1;
	track.info.decision_period = 100;
	track.info.confirm_period = 2;
	track.info.min_enactment_period = 1;
	track.info.min_support = linear(percent(1), PERMILLE);
	track
}

const ROOT_TRACK: Track<TrackId, Balance, BlockNumber> = track(
	ROOT,
	name("root"),
	1,
	UNIT.saturating_mul(100_000),
	HOURS.saturating_mul(2),
	DAYS.saturating_mul(28),
	DAYS,
	DAYS,
	linear(percent(50), percent(1)),
);

const MARKET_TRACK: Track<TrackId, Balance, BlockNumber> = track(
	MARKET,
	name("market"),
	10,
	UNIT.saturating_mul(10_000),
	HOURS,
	DAYS.saturating_mul(14),
	HOURS.saturating_mul(3),
	MINUTES.saturating_mul(10),
	linear(percent(10), percent(1)),
);

const TREASURER_TRACK: Track<TrackId, Balance, BlockNumber> = track(
	TREASURER,
	name("treasurer"),
	10,
	UNIT.saturating_mul(10_000),
	HOURS.saturating_mul(2),
	DAYS.saturating_mul(28),
	DAYS,
	DAYS,
	linear(percent(50), percent(1)),
);

const SMALL_SPENDER_TRACK: Track<TrackId, Balance, BlockNumber> = track(
	SMALL_SPENDER,
	name("small_spender"),
	50,
	UNIT.saturating_mul(1_000),
	HOURS,
	DAYS.saturating_mul(14),
	HOURS.saturating_mul(6),
	HOURS,
	linear(percent(5), Perbill::from_parts(5_000_000)),
);

const REFERENDUM_CANCELLER_TRACK: Track<TrackId, Balance, BlockNumber> = track(
	REFERENDUM_CANCELLER,
	name("referendum_canceller"),
	1_000,
	UNIT.saturating_mul(10_000),
	HOURS.saturating_mul(2),
	DAYS.saturating_mul(7),
	HOURS.saturating_mul(3),
	MINUTES.saturating_mul(10),
	linear(percent(10), percent(1)),
);

const REFERENDUM_KILLER_TRACK: Track<TrackId, Balance, BlockNumber> = track(
	REFERENDUM_KILLER,
	name("referendum_killer"),
	1_000,
	UNIT.saturating_mul(50_000),
	HOURS.saturating_mul(2),
	DAYS.saturating_mul(7),
	HOURS.saturating_mul(3),
	MINUTES.saturating_mul(10),
	linear(percent(10), percent(1)),
);

static STANDARD_TRACKS: [Track<TrackId, Balance, BlockNumber>; 6] = [
	ROOT_TRACK,
	MARKET_TRACK,
	TREASURER_TRACK,
	SMALL_SPENDER_TRACK,
	REFERENDUM_CANCELLER_TRACK,
	REFERENDUM_KILLER_TRACK,
];

static DEVELOPMENT_TRACKS: [Track<TrackId, Balance, BlockNumber>; 6] = [
	development(ROOT_TRACK),
	development(MARKET_TRACK),
	development(TREASURER_TRACK),
	development(SMALL_SPENDER_TRACK),
	development(REFERENDUM_CANCELLER_TRACK),
	development(REFERENDUM_KILLER_TRACK),
];

/// Verity's tracks, at the pace the chain's genesis chose.
pub struct TracksInfo;

impl TracksInfo {
	/// The table of a pace.
	fn table(pace: Pace) -> &'static [Track<TrackId, Balance, BlockNumber>] {
		match pace {
			Pace::Standard => &STANDARD_TRACKS,
			Pace::Development => &DEVELOPMENT_TRACKS,
		}
	}
}

impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = TrackId;
	type RuntimeOrigin = OriginCaller;

	/// One read of the pace (a single byte, cached after the first read in a block).
	fn tracks() -> impl Iterator<Item = Cow<'static, Track<TrackId, Balance, BlockNumber>>> {
		Self::table(TrackPace::<Runtime>::get()).iter().map(Cow::Borrowed)
	}

	fn track_for(origin: &OriginCaller) -> Result<TrackId, ()> {
		match origin {
			OriginCaller::system(frame_system::RawOrigin::Root) => Ok(ROOT),
			OriginCaller::Origins(Origin::MarketAdmin) => Ok(MARKET),
			OriginCaller::Origins(Origin::Treasurer) => Ok(TREASURER),
			OriginCaller::Origins(Origin::SmallSpender) => Ok(SMALL_SPENDER),
			OriginCaller::Origins(Origin::ReferendumCanceller) => Ok(REFERENDUM_CANCELLER),
			OriginCaller::Origins(Origin::ReferendumKiller) => Ok(REFERENDUM_KILLER),
			_ => Err(()),
		}
	}

	/// Checks both paces' tables, whichever the chain runs: each sorted by id, with the same
	/// ids.
	fn check_integrity() -> Result<(), &'static str> {
		let ids = |pace| Self::table(pace).iter().map(|track| track.id);
		let sorted = |pace| ids(pace).zip(ids(pace).skip(1)).all(|(a, b)| a < b);
		if !sorted(Pace::Standard) || !sorted(Pace::Development) {
			return Err("the tracks are not sorted by id");
		}
		if !ids(Pace::Standard).eq(ids(Pace::Development)) {
			return Err("the paces have different tracks");
		}
		Ok(())
	}
}
