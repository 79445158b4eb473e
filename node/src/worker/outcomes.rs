//! What became of the worker's transactions once a block included them.
//!
//! A transaction the pool took may still fail when the block applies it. Most failures mean the
//! job moved on (it finished, was reassigned, or its deadline passed) and need nothing. Others
//! are the answer's own fault and would fail again however often it is sent — an output the chain
//! refuses, a malformed proof — and sending it again until the deadline would only get the
//! operator slashed: such a job is declined instead. A proof batch that failed as a whole is
//! sent again one proof a transaction, so the one bad proof does not take the others down.

use codec::Decode;
use frame_system::{EventRecord, Phase};
use sp_core::H256;
use sp_runtime::DispatchError;
use verity_primitives::JobId;
use verity_runtime::{RuntimeError, RuntimeEvent};

/// How a transaction carries its answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
	/// One call.
	Single,
	/// `utility.force_batch`: each call succeeds or fails on its own.
	ForceBatch,
	/// `submit_proofs`: one call, all its proofs together.
	ProofBatch,
	/// `submit_results`: one call; results of jobs that moved on are skipped, one faulty result
	/// fails them all.
	ResultBatch,
}

/// What the chain made of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
	/// Applied (or skipped by the chain because the job moved on): nothing to do.
	Done,
	/// Refused for a reason that may pass later, or because the job moved on: the worker's
	/// usual rules apply (it is sent again while the job is still its own).
	Retry,
	/// Refused for the answer itself: decline the job.
	Decline(String),
	/// Part of a proof or result batch refused for one of its answers: run (and prove) again
	/// and send alone.
	Alone,
}

/// The events of the extrinsic at `index` of a block, from the block's `System::Events`.
pub fn events_of(records: &[EventRecord<RuntimeEvent, H256>], index: u32) -> Vec<RuntimeEvent> {
	records
		.iter()
		.filter(|record| record.phase == Phase::ApplyExtrinsic(index))
		.map(|record| record.event.clone())
		.collect()
}

/// The storage key of `System::Events`.
pub fn events_key() -> Vec<u8> {
	let mut key = sp_io::hashing::twox_128(b"System").to_vec();
	key.extend(sp_io::hashing::twox_128(b"Events"));
	key
}

/// Decodes `System::Events`.
pub fn decode_events(bytes: &[u8]) -> Result<Vec<EventRecord<RuntimeEvent, H256>>, codec::Error> {
	Vec::<EventRecord<RuntimeEvent, H256>>::decode(&mut &bytes[..])
}

/// The verdicts on the `count` answers a transaction carried, in order, from its events.
pub fn verdicts(carrier: Carrier, count: usize, events: &[RuntimeEvent]) -> Vec<Verdict> {
	let failed = events.iter().find_map(|event| match event {
		RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. }) => {
			Some(*dispatch_error)
		},
		_ => None,
	});
	if let Some(error) = failed {
		let verdict = match (carrier, judge(&error)) {
			(Carrier::ProofBatch, Verdict::Decline(_)) if count > 1 => Verdict::Alone,
			// A result batch fails whole for any one result, for whatever reason: each is sent
			// alone, so one cannot keep the others from landing until their deadlines.
			(Carrier::ResultBatch, _) if count > 1 => Verdict::Alone,
			(_, verdict) => verdict,
		};
		return vec![verdict; count];
	}
	if carrier != Carrier::ForceBatch {
		return vec![Verdict::Done; count];
	}
	let items: Vec<Verdict> = events
		.iter()
		.filter_map(|event| match event {
			RuntimeEvent::Utility(pallet_utility::Event::ItemCompleted) => Some(Verdict::Done),
			RuntimeEvent::Utility(pallet_utility::Event::ItemFailed { error }) => {
				Some(judge(error))
			},
			_ => None,
		})
		.collect();
	if items.len() == count {
		items
	} else {
		// Not the events of a batch of `count` calls: nothing is known, so nothing is done.
		vec![Verdict::Retry; count]
	}
}

/// Whether `error` is the answer's own fault.
fn judge(error: &DispatchError) -> Verdict {
	use pallet_inference::Error as E;
	match RuntimeError::from_dispatch_error(*error) {
		Some(RuntimeError::Inference(
			e @ (E::EmptyOutput
			| E::ProofRequired
			| E::NotZkJob
			| E::OutputSizeMismatch
			| E::OutputTooLong
			| E::MalformedProof
			| E::KeyMismatch
			| E::NoVerifyingKey
			| E::UnknownModel),
		)) => Verdict::Decline(format!("the chain refused the answer: {e:?}")),
		_ => Verdict::Retry,
	}
}

/// A transaction the worker sent, to be judged when a block includes it.
#[derive(Debug, Clone)]
pub struct Sent {
	/// The best block when it was sent.
	pub at: verity_runtime::BlockNumber,
	/// How it carries its answers.
	pub carrier: Carrier,
	/// The key that signed it.
	pub worker: sp_core::sr25519::Public,
	/// Its jobs in the order of its calls: each with its model and whether the answer was a
	/// decline.
	pub jobs: Vec<(JobId, verity_primitives::ModelId, bool)>,
}

#[cfg(test)]
mod tests {
	use super::*;
	use verity_runtime::Runtime;

	fn failed(error: DispatchError) -> RuntimeEvent {
		RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
			dispatch_error: error,
			dispatch_info: Default::default(),
		})
	}

	fn inference(error: pallet_inference::Error<Runtime>) -> DispatchError {
		error.into()
	}

	#[test]
	fn the_answers_own_faults_are_declined_and_moved_on_jobs_left_alone() {
		let events = [failed(inference(pallet_inference::Error::OutputSizeMismatch))];
		assert!(matches!(verdicts(Carrier::Single, 1, &events)[..], [Verdict::Decline(_)]));
		let events = [failed(inference(pallet_inference::Error::JobFinished))];
		assert_eq!(verdicts(Carrier::Single, 1, &events), vec![Verdict::Retry]);
		// Not the market's error (fees, say): nothing is known about the answer.
		let events = [failed(DispatchError::Other("fees"))];
		assert_eq!(verdicts(Carrier::Single, 1, &events), vec![Verdict::Retry]);
		assert_eq!(verdicts(Carrier::Single, 1, &[]), vec![Verdict::Done]);
	}

	#[test]
	fn each_call_of_a_force_batch_gets_its_own_verdict() {
		let events = [
			RuntimeEvent::Utility(pallet_utility::Event::ItemCompleted),
			RuntimeEvent::Utility(pallet_utility::Event::ItemFailed {
				error: inference(pallet_inference::Error::OutputTooLong),
			}),
			RuntimeEvent::Utility(pallet_utility::Event::ItemFailed {
				error: inference(pallet_inference::Error::DeadlinePassed),
			}),
			RuntimeEvent::Utility(pallet_utility::Event::BatchCompletedWithErrors),
		];
		let got = verdicts(Carrier::ForceBatch, 3, &events);
		assert_eq!(got[0], Verdict::Done);
		assert!(matches!(got[1], Verdict::Decline(_)));
		assert_eq!(got[2], Verdict::Retry);
		// Events that do not match the batch tell nothing.
		assert_eq!(verdicts(Carrier::ForceBatch, 4, &events), vec![Verdict::Retry; 4]);
	}

	#[test]
	fn a_refused_proof_batch_is_sent_again_one_proof_at_a_time() {
		let events = [failed(inference(pallet_inference::Error::MalformedProof))];
		assert_eq!(verdicts(Carrier::ProofBatch, 3, &events), vec![Verdict::Alone; 3]);
		// Alone, the bad proof is declined.
		assert!(matches!(verdicts(Carrier::ProofBatch, 1, &events)[..], [Verdict::Decline(_)]));
		assert_eq!(verdicts(Carrier::ProofBatch, 3, &[]), vec![Verdict::Done; 3]);
	}

	#[test]
	fn a_refused_result_batch_is_sent_again_one_result_at_a_time() {
		let events = [failed(inference(pallet_inference::Error::OutputSizeMismatch))];
		assert_eq!(verdicts(Carrier::ResultBatch, 5, &events), vec![Verdict::Alone; 5]);
		assert!(matches!(verdicts(Carrier::ResultBatch, 1, &events)[..], [Verdict::Decline(_)]));
		// Whatever the reason: one result must not hold the others back.
		let events = [failed(DispatchError::Other("fees"))];
		assert_eq!(verdicts(Carrier::ResultBatch, 2, &events), vec![Verdict::Alone; 2]);
		assert_eq!(verdicts(Carrier::ResultBatch, 1, &events), vec![Verdict::Retry]);
		assert_eq!(verdicts(Carrier::ResultBatch, 2, &[]), vec![Verdict::Done; 2]);
	}

	#[test]
	fn events_are_picked_by_the_extrinsic_they_belong_to() {
		let record = |index, event| EventRecord::<RuntimeEvent, H256> {
			phase: Phase::ApplyExtrinsic(index),
			event,
			topics: vec![],
		};
		let records = vec![
			record(0, RuntimeEvent::Utility(pallet_utility::Event::ItemCompleted)),
			record(1, failed(inference(pallet_inference::Error::JobFinished))),
		];
		let encoded = codec::Encode::encode(&records);
		let decoded = decode_events(&encoded).unwrap();
		assert_eq!(
			events_of(&decoded, 1),
			vec![failed(inference(pallet_inference::Error::JobFinished))]
		);
	}
}
