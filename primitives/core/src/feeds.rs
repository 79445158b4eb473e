//! Oracle feeds as model input: what a job freezes of a feed, and how frozen values become the
//! model's input tensor.
//!
//! A feed's value is an integer in units of `10^-decimals` of the feed's unit (a price of
//! 1 234.5678 USD with 4 decimals is `12_345_678`). [`feed_tensor`] turns the values a job froze
//! into the bytes of the model's input tensor, one element per feed in the order the job named
//! them:
//! - `F32`: the value the integer stands for, `value / 10^decimals`, rounded to the nearest
//!   `f32` (through `f64`; both roundings are IEEE's round-to-nearest-even, the same on every
//!   machine), little-endian;
//! - `I32`: the integer itself, little-endian; it must fit;
//! - `I8`: the integer itself; it must fit. A `Zk` job's input is always `I8` (the quantized
//!   input the proof is about), so a `Zk` model over feeds reads their raw integers.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::Element;

/// An oracle feed's id.
pub type FeedId = u32;

/// A feed's value: an integer in units of `10^-decimals` of its unit.
pub type FeedValue = i64;

/// The most decimals a feed may have: `10^18` is the largest power of ten an `i64` holds.
pub const MAX_FEED_DECIMALS: u8 = 18;

/// One feed's combined value as a job froze it: the oracle's provenance of the job's input.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct FeedReading<BlockNumber> {
	/// The feed.
	pub feed: FeedId,
	/// The combined value (the median of the oracles' recent reports).
	pub value: FeedValue,
	/// The feed's decimal scale.
	pub decimals: u8,
	/// When the report the median took was made (milliseconds since the Unix epoch, the
	/// chain's timestamp of its block).
	pub timestamp: u64,
	/// The last block in which an oracle reported the feed.
	pub block: BlockNumber,
}

/// Why a feed cannot be read into a job.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum FeedError {
	/// No feed has this id.
	Unknown,
	/// The feed has no combined value yet.
	NoValue,
	/// The feed's value is older than the chain's greatest feed age.
	Stale,
}

/// How the job market reads oracle feeds (implemented by `pallet-feeds`).
pub trait FeedInspect<BlockNumber> {
	/// The current combined value of `feed`, if it is registered, has one, and is fresh.
	fn reading(feed: FeedId) -> Result<FeedReading<BlockNumber>, FeedError>;
}

/// No feeds: every id is unknown.
impl<BlockNumber> FeedInspect<BlockNumber> for () {
	fn reading(_: FeedId) -> Result<FeedReading<BlockNumber>, FeedError> {
		Err(FeedError::Unknown)
	}
}

/// `10^0 … 10^18` as `f64`: each is exact (every power of ten up to `10^22` is).
const POWERS_OF_TEN: [f64; MAX_FEED_DECIMALS as usize + 1] = [
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
	1e17, 1e18,
];

/// The input tensor of `readings` for a model whose input elements are `element` (see the
/// module docs); `None` if a value does not fit the element or a scale is out of range.
pub fn feed_tensor<B>(element: Element, readings: &[FeedReading<B>]) -> Option<Vec<u8>> {
	let mut bytes = Vec::with_capacity(readings.len().saturating_mul(4));
	for reading in readings {
		// A scale above 10^18 is refused whatever the element.
		let scale = POWERS_OF_TEN.get(usize::from(reading.decimals))?;
		match element {
			Element::F32 => {
				// Integer to float conversions and one division: deterministic IEEE
				// arithmetic, no NaN can arise.
				let value = (reading.value as f64 / scale) as f32;
				bytes.extend_from_slice(&value.to_le_bytes());
			},
			Element::I32 => {
				let value = i32::try_from(reading.value).ok()?;
				bytes.extend_from_slice(&value.to_le_bytes());
			},
			Element::I8 => {
				let value = i8::try_from(reading.value).ok()?;
				bytes.extend_from_slice(&value.to_le_bytes());
			},
		}
	}
	Some(bytes)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn reading(value: FeedValue, decimals: u8) -> FeedReading<u32> {
		FeedReading { feed: 0, value, decimals, timestamp: 0, block: 0 }
	}

	#[test]
	fn floats_are_the_values_the_integers_stand_for() {
		let bytes = feed_tensor(Element::F32, &[reading(12_345, 2), reading(-5, 0)]).unwrap();
		assert_eq!(bytes.len(), 8);
		assert_eq!(f32::from_le_bytes(bytes[..4].try_into().unwrap()), 123.45);
		assert_eq!(f32::from_le_bytes(bytes[4..].try_into().unwrap()), -5.0);
		// The largest values and scales round, never fail.
		let extreme = feed_tensor(Element::F32, &[reading(i64::MAX, 18), reading(i64::MIN, 0)]);
		let extreme = extreme.unwrap();
		assert_eq!(f32::from_le_bytes(extreme[..4].try_into().unwrap()), 9.223_372);
		assert_eq!(f32::from_le_bytes(extreme[4..].try_into().unwrap()), -9.223_372e18);
		assert_eq!(feed_tensor(Element::F32, &[reading(1, 19)]), None);
	}

	#[test]
	fn integers_are_taken_as_they_are_and_must_fit() {
		assert_eq!(
			feed_tensor(Element::I8, &[reading(-128, 3), reading(127, 0)]),
			Some(vec![0x80, 0x7f])
		);
		assert_eq!(feed_tensor(Element::I8, &[reading(128, 0)]), None);
		assert_eq!(
			feed_tensor(Element::I32, &[reading(-2, 1)]),
			Some((-2i32).to_le_bytes().to_vec())
		);
		assert_eq!(feed_tensor(Element::I32, &[reading(1 << 31, 0)]), None);
		assert_eq!(feed_tensor::<u32>(Element::I32, &[]), Some(vec![]));
	}
}
