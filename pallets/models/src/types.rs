//! The pallet's types and their `*Of<T>` aliases.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{fungible::Inspect, ConstU32, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::Perbill;
use verity_primitives::ModeSet;

use crate::Config;

/// The balance type of the deposit token.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// The longest URI a `register_model` call may carry; the pallet's own limit
/// ([`Config::MaxUriLen`]) is checked against it with its own error ([`crate::Error::UriTooLong`]).
pub const MAX_URI_ARG_LEN: u32 = 2048;

/// A URI as a `register_model` call carries it.
pub type UriInput = BoundedVec<u8, ConstU32<MAX_URI_ARG_LEN>>;

/// A URI as stored.
pub type UriOf<T> = BoundedVec<u8, <T as Config>::MaxUriLen>;

/// A verifying key as a call carries it and as it is stored.
pub type VerifyingKeyOf<T> = BoundedVec<u8, <T as Config>::MaxKeyLen>;

/// The element type of a tensor.
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
pub enum DType {
	/// 32-bit IEEE float (a float model: `Fast` jobs only in practice).
	#[codec(index = 0)]
	F32,
	/// 8-bit signed integer (quantized models).
	#[codec(index = 1)]
	I8,
	/// 32-bit signed integer.
	#[codec(index = 2)]
	I32,
}

/// A tensor's element type and shape, with at most `MaxDims` dimensions.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxDims))]
pub struct TensorSpec<MaxDims: Get<u32>> {
	/// The element type.
	pub dtype: DType,
	/// The size of each dimension, outermost first.
	pub shape: BoundedVec<u32, MaxDims>,
}

impl DType {
	/// The size of one element in bytes.
	pub fn size(self) -> u32 {
		match self {
			DType::F32 | DType::I32 => 4,
			DType::I8 => 1,
		}
	}

	/// The element type the chain compares outputs of this type as.
	pub fn element(self) -> verity_primitives::Element {
		match self {
			DType::F32 => verity_primitives::Element::F32,
			DType::I8 => verity_primitives::Element::I8,
			DType::I32 => verity_primitives::Element::I32,
		}
	}
}

impl<MaxDims: Get<u32>> TensorSpec<MaxDims> {
	/// The size of the tensor in bytes (little-endian elements, row-major), `None` if the spec
	/// is invalid or the size does not fit a `u32`.
	pub fn byte_len(&self) -> Option<u32> {
		self.element_count()?.checked_mul(self.dtype.size())
	}

	/// The number of elements, `None` when the shape is empty, has a zero dimension, or has more
	/// elements than fit in a `u32`: such a spec is invalid.
	pub fn element_count(&self) -> Option<u32> {
		if self.shape.is_empty() {
			return None;
		}
		self.shape
			.iter()
			.try_fold(1u32, |count, dim| if *dim == 0 { None } else { count.checked_mul(*dim) })
	}

	/// The spec of `view`, `None` when it has more than `MaxDims` dimensions.
	pub fn from_view(view: &TensorView) -> Option<Self> {
		Some(Self { dtype: view.dtype, shape: view.shape.clone().try_into().ok()? })
	}

	/// The spec as clients see it.
	pub fn to_view(&self) -> TensorView {
		TensorView { dtype: self.dtype, shape: self.shape.to_vec() }
	}
}

/// A model's input and output tensors.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxDims))]
pub struct IoSpec<MaxDims: Get<u32>> {
	/// What the model takes.
	pub input: TensorSpec<MaxDims>,
	/// What the model returns.
	pub output: TensorSpec<MaxDims>,
}

impl<MaxDims: Get<u32>> IoSpec<MaxDims> {
	/// Whether both tensors have a non-empty shape, no zero dimension, and an element count that
	/// fits in a `u32`.
	pub fn is_valid(&self) -> bool {
		self.input.element_count().is_some() && self.output.element_count().is_some()
	}

	/// The spec of `view`, `None` when a tensor has more than `MaxDims` dimensions.
	pub fn from_view(view: &IoView) -> Option<Self> {
		Some(Self {
			input: TensorSpec::from_view(&view.input)?,
			output: TensorSpec::from_view(&view.output)?,
		})
	}

	/// The spec as clients see it.
	pub fn to_view(&self) -> IoView {
		IoView { input: self.input.to_view(), output: self.output.to_view() }
	}
}

/// A tensor spec of the runtime's configuration.
pub type TensorSpecOf<T> = TensorSpec<<T as Config>::MaxShapeDims>;

/// An I/O spec of the runtime's configuration.
pub type IoSpecOf<T> = IoSpec<<T as Config>::MaxShapeDims>;

/// A registered model.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Model<T: Config> {
	/// Who registered it: it may set its key and price and retire it, and receives the royalty.
	pub owner: T::AccountId,
	/// Where workers fetch the ONNX bytes (`http://`, `https://`, or `blob:` for the node's
	/// own store). Workers refuse bytes whose hash is not the model's id.
	pub uri: UriOf<T>,
	/// The input and output tensors.
	pub io: IoSpecOf<T>,
	/// The base price of one job.
	pub price: BalanceOf<T>,
	/// The owner's share of every fee paid for the model.
	pub royalty: Perbill,
	/// The verification modes it supports.
	pub modes: ModeSet,
	/// What is held from the owner while the model is active
	/// ([`crate::HoldReason::ModelDeposit`]); released on retirement.
	pub deposit: BalanceOf<T>,
	/// Whether it was retired: it takes no new jobs, jobs in flight still settle.
	pub retired: bool,
	/// The block it was registered in.
	pub registered_at: BlockNumberFor<T>,
}

/// A model of the runtime's configuration.
pub type ModelOf<T> = Model<T>;

/// A tensor spec as genesis configs and clients write it: plain vectors.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, serde::Serialize, serde::Deserialize,
)]
pub struct TensorView {
	/// The element type.
	pub dtype: DType,
	/// The size of each dimension, outermost first.
	pub shape: Vec<u32>,
}

/// An I/O spec as genesis configs and clients write it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, serde::Serialize, serde::Deserialize,
)]
pub struct IoView {
	/// What the model takes.
	pub input: TensorView,
	/// What the model returns.
	pub output: TensorView,
}

/// A model as clients see it (through the `ModelsApi` runtime API).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct ModelView<AccountId, Balance, BlockNumber> {
	/// Who registered it.
	pub owner: AccountId,
	/// Where workers fetch the ONNX bytes.
	pub uri: Vec<u8>,
	/// The input and output tensors.
	pub io: IoView,
	/// The base price of one job.
	pub price: Balance,
	/// The owner's share of every fee paid for the model.
	pub royalty: Perbill,
	/// The verification modes it supports.
	pub modes: ModeSet,
	/// What is held from the owner while the model is active.
	pub deposit: Balance,
	/// Whether it was retired.
	pub retired: bool,
	/// The block it was registered in.
	pub registered_at: BlockNumber,
	/// Whether a verifying key is set (needed for `Zk` jobs).
	pub has_key: bool,
	/// Where the key came from, if one is set.
	pub key_setup: Option<verity_primitives::KeySetup>,
}

/// A model view of the runtime's configuration.
pub type ModelViewOf<T> =
	ModelView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
