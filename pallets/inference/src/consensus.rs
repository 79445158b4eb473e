//! `Consensus(k)` rounds: the worker and `k` verifiers each commit to a salted hash of their
//! output, then reveal it; the output a strict majority of the members revealed settles the job
//! (see the module docs' *Consensus*).

use super::*;
use verity_primitives::Tolerance;

impl<T: Config> Pallet<T> {
	/// Checks `k` of `Consensus(k)`: odd (so the verifiers alone never split evenly), at least
	/// one and at most [`Config::MaxVerifiers`].
	pub(crate) fn check_verifier_count(k: u8) -> DispatchResult {
		let k = u32::from(k);
		frame_support::ensure!(
			k & 1 == 1 && k <= T::MaxVerifiers::get(),
			Error::<T>::InvalidVerifierCount
		);
		Ok(())
	}

	/// A new round of `members` (a `Consensus` job's worker and its verifiers, or a
	/// challenge's verifiers), whose commits end at `commit_deadline`.
	pub(crate) fn new_round(
		members: impl IntoIterator<Item = T::AccountId>,
		commit_deadline: BlockNumberFor<T>,
	) -> RoundOf<T> {
		let members: Vec<_> = members.into_iter().map(|who| (who, Vote::Pending)).collect();
		Round {
			// At most the worker and `MaxVerifiers` verifiers: `fee_under` checks `k`, and
			// `params_valid` the challenges' count.
			members: BoundedVec::truncate_from(members),
			outputs: BoundedVec::new(),
			commit_deadline,
			closed: None,
		}
	}

	/// The job `job` and its open round (a `Consensus` job's, or a challenge's), with `who`'s
	/// place among the members.
	fn member_of(
		job: JobId,
		who: &T::AccountId,
	) -> Result<(JobOf<T>, RoundOf<T>, usize), DispatchError> {
		let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		let round = Rounds::<T>::get(job).ok_or(Error::<T>::NotConsensusJob)?;
		// A `Consensus` round is open exactly while its job is; a challenge's runs after.
		frame_support::ensure!(round.closed.is_none(), Error::<T>::JobFinished);
		let place = round
			.members
			.iter()
			.position(|(member, _)| member == who)
			.ok_or(Error::<T>::NotMember)?;
		Ok((record, round, place))
	}

	/// `who` commits to `commitment` in the round of `job` (see `commit`).
	pub(crate) fn do_commit(job: JobId, who: T::AccountId, commitment: [u8; 32]) -> DispatchResult {
		let (_, mut round, place) = Self::member_of(job, &who)?;
		let now = frame_system::Pallet::<T>::block_number();
		frame_support::ensure!(now < round.commit_deadline, Error::<T>::CommitPeriodOver);
		let vote = round.members.get_mut(place).map(|(_, vote)| vote);
		let vote = vote.ok_or(Error::<T>::NotMember)?;
		frame_support::ensure!(*vote == Vote::Pending, Error::<T>::AlreadyCommitted);
		*vote = Vote::Committed(commitment);
		Rounds::<T>::insert(job, round);
		Self::deposit_event(Event::Committed { job, who });
		Ok(())
	}

	/// `who` reveals `output` and `salt` in the round of `job` (see `reveal`); closes the round
	/// once nobody is left to reveal. Returns whether it closed.
	pub(crate) fn do_reveal(
		job: JobId,
		who: T::AccountId,
		output: OutputOf<T>,
		salt: [u8; 32],
	) -> Result<bool, DispatchError> {
		let (record, mut round, place) = Self::member_of(job, &who)?;
		let now = frame_system::Pallet::<T>::block_number();
		frame_support::ensure!(now < record.deadline, Error::<T>::DeadlinePassed);
		frame_support::ensure!(round.phase(now) == Phase::Reveal, Error::<T>::RevealTooEarly);
		let committed = match round.members.get(place).map(|(_, vote)| *vote) {
			Some(Vote::Committed(hash)) => hash,
			Some(Vote::Revealed(_)) => return Err(Error::<T>::AlreadyRevealed.into()),
			_ => return Err(Error::<T>::NotCommitted.into()),
		};
		frame_support::ensure!(!output.is_empty(), Error::<T>::EmptyOutput);
		let terms = T::Models::terms(&record.model).ok_or(Error::<T>::UnknownModel)?;
		frame_support::ensure!(
			terms.output_len == u32::try_from(output.len()).ok(),
			Error::<T>::OutputSizeMismatch
		);
		frame_support::ensure!(
			commitment(job, &output, &salt, &who) == committed,
			Error::<T>::CommitmentMismatch
		);
		let output_hash = sp_io::hashing::blake2_256(&output);
		let index = match round.outputs.iter().position(|known| *known == output) {
			Some(index) => index,
			None => {
				// At most one distinct output a member: the bound holds.
				round.outputs.try_push(output).map_err(|_| Error::<T>::Overflow)?;
				round.outputs.len().saturating_sub(1)
			},
		};
		let index = u8::try_from(index).map_err(|_| Error::<T>::Overflow)?;
		if let Some((_, vote)) = round.members.get_mut(place) {
			*vote = Vote::Revealed(index);
		}
		Self::deposit_event(Event::Revealed { job, who, output_hash });
		// Nobody left to reveal: every member revealed, or the commits are over and every
		// member who committed revealed.
		let waiting = round.members.iter().any(|(_, vote)| matches!(vote, Vote::Committed(_)));
		if waiting || (!round.all_committed() && now < round.commit_deadline) {
			Rounds::<T>::insert(job, round);
			return Ok(false);
		}
		Self::close(job, record, round)?;
		Ok(true)
	}

	/// Closes the round of `job`: a `Consensus` job's ([`Self::close_round`]) or a
	/// challenge's ([`Self::close_challenge`]).
	pub(crate) fn close(job: JobId, record: JobOf<T>, round: RoundOf<T>) -> DispatchResult {
		match record.mode {
			VerificationMode::Consensus(_) => Self::close_round(job, record, round),
			_ => Self::close_challenge(job, record, round),
		}
	}

	/// Slashes the members of a closing round outside its `majority`: another output, or a
	/// commitment never revealed (a member that saw the reveals go against it could otherwise
	/// withhold its own for less), costs [`MarketParams::bad_proof_slash`]; no commitment at
	/// all [`MarketParams::missed_deadline_slash`]. Without a majority only the members who did
	/// not reveal (nobody can tell which of the revealed outputs is right). `worker` is the
	/// place of the job's worker among the members, if it is one.
	pub(crate) fn slash_outsiders(
		round: &RoundOf<T>,
		majority: Option<u8>,
		tolerance: &Tolerance,
		worker: Option<usize>,
		params: &MarketParamsOf<T>,
	) {
		for (place, (who, vote)) in round.members.iter().enumerate() {
			let (fraction, reason) = match (vote, majority) {
				(Vote::Revealed(_), Some(agreed)) if round.agrees(vote, agreed, tolerance) => {
					continue
				},
				(Vote::Revealed(_), None) => continue,
				(Vote::Revealed(_), Some(_)) if Some(place) == worker => {
					(params.bad_proof_slash, SlashReason::BadResult)
				},
				(Vote::Revealed(_), Some(_)) => {
					(params.bad_proof_slash, SlashReason::WrongAttestation)
				},
				(Vote::Committed(_), _) => (params.bad_proof_slash, SlashReason::MissedDeadline),
				(Vote::Pending, _) => (params.missed_deadline_slash, SlashReason::MissedDeadline),
			};
			T::Operators::slash_fraction(who, fraction, reason);
		}
	}

	/// The members of `round` who revealed an output that agrees with the output at `agreed`.
	pub(crate) fn agreeing(
		round: &RoundOf<T>,
		agreed: u8,
		tolerance: &Tolerance,
	) -> Vec<T::AccountId> {
		round
			.members
			.iter()
			.filter(|(_, vote)| round.agrees(vote, agreed, tolerance))
			.map(|(who, _)| who.clone())
			.collect()
	}

	/// The tolerance the outputs of `model` are compared within (exact for a model gone, which
	/// has no open work to compare).
	pub(crate) fn tolerance_of(model: &ModelId) -> Tolerance {
		T::Models::terms(model).map(|terms| terms.tolerance).unwrap_or_default()
	}

	/// Closes the round of the `Consensus` job `job`: the output a strict majority of the
	/// members revealed settles the job, paying the agreeing members, the owner and the
	/// treasury, and every member outside the majority is slashed ([`Self::slash_outsiders`]).
	/// Without a majority the job is refunded.
	pub(crate) fn close_round(
		job: JobId,
		record: JobOf<T>,
		mut round: RoundOf<T>,
	) -> DispatchResult {
		let params = Params::<T>::get();
		let tolerance = Self::tolerance_of(&record.model);
		let majority = round.majority(&tolerance);
		round.closed = Some(majority);
		Self::slash_outsiders(&round, majority, &tolerance, Some(0), &params);
		let Some(agreed) = majority else {
			Rounds::<T>::insert(job, round);
			Self::deposit_event(Event::Disputed { job });
			return Self::refund(job, record, RefundReason::NoQuorum);
		};
		let output = round.outputs.get(usize::from(agreed)).cloned().unwrap_or_default();
		let agreeing = Self::agreeing(&round, agreed, &tolerance);
		let members = u32::try_from(round.members.len()).unwrap_or(u32::MAX);
		Rounds::<T>::insert(job, round);
		Self::deposit_event(Event::QuorumReached {
			job,
			output_hash: sp_io::hashing::blake2_256(&output),
			agreeing: u32::try_from(agreeing.len()).unwrap_or(u32::MAX),
		});
		let record = Self::record_output(job, record, output);
		let mut closing = Closing::new();
		closing.settle_round(job, record, &agreeing, members);
		closing.apply()
	}
}
