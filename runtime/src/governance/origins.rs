//! The custom origins of Verity's governance tracks, as a small pallet of the runtime (as
//! Polkadot's runtimes keep theirs), and the pace of the tracks.
//!
//! A referendum on a track dispatches its call with that track's origin: `root` with
//! `frame_system`'s root, the others with an [`Origin`] of this pallet. A pallet admits such an
//! origin only where the runtime names it: [`MarketAdmin`] sets the market's parameters and the
//! operators' minimum bonds; [`Treasurer`] and [`Spender`] spend from the treasury, up to
//! [`TREASURER_SPEND_LIMIT`] and [`SMALL_SPENDER_SPEND_LIMIT`]; [`ReferendumCanceller`] and
//! [`ReferendumKiller`] end other referenda (so a junk referendum cannot hold the one `root` slot
//! for its whole decision period).
//!
//! [`Pace`] says whether the tracks run on a public chain's periods or a development chain's
//! minutes (set in the genesis preset; root may change it with `system.set_storage`).

pub use pallet_custom_origins::*;

// FRAME's pallet macros expand to `expect`s on values they build themselves.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet_custom_origins {
	use frame_support::pallet_prelude::*;
	use verity_primitives::{currency::UNIT, Balance};

	/// The most a `treasurer` referendum spends: a million VRT.
	pub const TREASURER_SPEND_LIMIT: Balance = 1_000_000 * UNIT;
	/// The most a `small_spender` referendum spends: ten thousand VRT.
	pub const SMALL_SPENDER_SPEND_LIMIT: Balance = 10_000 * UNIT;

	#[pallet::config]
	pub trait Config: frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The origins a referendum on a track other than `root` dispatches with.
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// The `market` track: the job market's parameters, the feeds' parameters, model
		/// retirement, the operators' minimum bonds and the fee split.
		MarketAdmin,
		/// The `treasurer` track: treasury spends up to [`TREASURER_SPEND_LIMIT`].
		Treasurer,
		/// The `small_spender` track: treasury spends up to [`SMALL_SPENDER_SPEND_LIMIT`].
		SmallSpender,
		/// The `referendum_canceller` track: cancels a referendum, its deposits returned.
		ReferendumCanceller,
		/// The `referendum_killer` track: kills a referendum, its deposits forfeit to the
		/// treasury.
		ReferendumKiller,
	}

	/// How long the tracks' periods are.
	#[derive(
		PartialEq,
		Eq,
		Clone,
		Copy,
		Default,
		MaxEncodedLen,
		Encode,
		Decode,
		DecodeWithMemTracking,
		TypeInfo,
		Debug,
		serde::Serialize,
		serde::Deserialize,
	)]
	pub enum Pace {
		/// A public chain's periods: hours to prepare, weeks to decide.
		#[default]
		Standard,
		/// A development chain's: a referendum that passes is enacted within a minute, and one
		/// well-endowed development account is enough support.
		Development,
	}

	/// The pace of the tracks (`Standard` unless the genesis preset says otherwise).
	#[pallet::storage]
	pub type TrackPace<T> = StorageValue<_, Pace, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The pace of the tracks.
		pub pace: Pace,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			TrackPace::<T>::put(self.pace);
		}
	}

	/// Admits exactly one of this pallet's origins, with no other success value.
	macro_rules! ensure_unit {
		($($name:ident),*) => {$(
			#[doc = concat!("Admits the `", stringify!($name), "` origin.")]
			pub struct $name;
			impl<O: From<Origin>> EnsureOrigin<O> for $name
			where
				O: Into<Result<Origin, O>>,
			{
				type Success = ();
				fn try_origin(o: O) -> Result<Self::Success, O> {
					o.into().and_then(|o| match o {
						Origin::$name => Ok(()),
						other => Err(O::from(other)),
					})
				}
				#[cfg(feature = "runtime-benchmarks")]
				fn try_successful_origin() -> Result<O, ()> {
					Ok(O::from(Origin::$name))
				}
			}
		)*};
	}
	ensure_unit!(MarketAdmin, Treasurer, ReferendumCanceller, ReferendumKiller);

	/// Admits a spending origin with what it may spend: [`Origin::Treasurer`] up to
	/// [`TREASURER_SPEND_LIMIT`], [`Origin::SmallSpender`] up to [`SMALL_SPENDER_SPEND_LIMIT`].
	pub struct Spender;
	impl<O: From<Origin>> EnsureOrigin<O> for Spender
	where
		O: Into<Result<Origin, O>>,
	{
		type Success = Balance;
		fn try_origin(o: O) -> Result<Self::Success, O> {
			o.into().and_then(|o| match o {
				Origin::Treasurer => Ok(TREASURER_SPEND_LIMIT),
				Origin::SmallSpender => Ok(SMALL_SPENDER_SPEND_LIMIT),
				other => Err(O::from(other)),
			})
		}
		#[cfg(feature = "runtime-benchmarks")]
		fn try_successful_origin() -> Result<O, ()> {
			Ok(O::from(Origin::Treasurer))
		}
	}
}
