//! The oracle worker: an `Oracle` operator's node fetches the outside values it is configured
//! for and reports them to FRAME's `pallet-oracle` (`feed_values`), which combines the
//! members' reports of each feed into their median (see `pallet-feeds`).
//!
//! The sources come from `--oracle-sources FILE`, a TOML file of `[[source]]` tables:
//!
//! ```toml
//! max_bytes = 65536            # the largest response read, in bytes (default 64 KiB)
//!
//! [[source]]
//! feed = 0                     # the feed's id on chain
//! url = "https://example.com/price.json"
//! pointer = "/data/price"      # a JSON pointer (RFC 6901) to the value: a number or a numeric string
//! interval = 30                # seconds between fetches (default 30)
//! timeout = 5                  # seconds a fetch may take (default 5)
//! min = 0.0                    # optional band, in the feed's units: a value outside is absurd
//! max = 1000000.0
//! max_change = 0.2             # optional: skip a value more than 20 % from the chain's value
//! ```
//!
//! Every source is fetched on its own schedule, with its timeout and the file's size limit. A
//! value is turned into the feed's integer (`value × 10^decimals`, rounded half away from zero,
//! from the number's decimal digits, never through a float) and checked: a source that fails,
//! answers something that is not a number, falls outside its band, or moves further than
//! `max_change` from the chain's fresh combined value is skipped and logged, never reported —
//! unless three fetches in a row agree on the move (the world moved, not the source: otherwise a
//! real jump would silence every honest oracle and leave the feed to whoever still reports). A
//! checked value waits at most two of its source's intervals to be reported.
//! Checked values are reported as they arrive and at each new best block: one `feed_values`
//! carries up to the runtime's `MAX_FEED_VALUES` of them (a newer value of a feed replaces one
//! not yet sent), signed by the key that acts for an active `Oracle` operator (its worker key if
//! it named one), and a report is sent only once a block was imported after the one before (the
//! oracle takes one report a member and block).

use std::{
	collections::{BTreeMap, HashMap},
	path::Path,
	sync::Arc,
	time::{Duration, Instant},
};

use futures::StreamExt;
use pallet_feeds_runtime_api::FeedsApi;
use sc_client_api::{BlockchainEvents, HeaderBackend};
use sp_api::ProvideRuntimeApi;
use sp_core::sr25519;
use sp_keystore::KeystorePtr;
use tokio::sync::mpsc;
use verity_primitives::{FeedId, FeedValue};
use verity_runtime::{configs::oracle::MAX_FEED_VALUES, AccountId, BlockNumber, RuntimeCall};

use super::{submit::Submitter, Shared, KEY_TYPE, LOG_TARGET};
use crate::service::FullClient;

/// The default largest response read.
const DEFAULT_MAX_BYTES: usize = 64 * 1024;

/// One configured source.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
	/// The feed it reports.
	pub feed: FeedId,
	/// Where the value is fetched (`http://` or `https://`).
	pub url: String,
	/// A JSON pointer to the value in the response.
	pub pointer: String,
	/// Seconds between fetches.
	#[serde(default = "default_interval")]
	pub interval: u64,
	/// Seconds a fetch may take.
	#[serde(default = "default_timeout")]
	pub timeout: u64,
	/// The least sane value, in the feed's units.
	pub min: Option<f64>,
	/// The greatest sane value, in the feed's units.
	pub max: Option<f64>,
	/// The largest move from the chain's current value, as a fraction of it.
	pub max_change: Option<f64>,
}

fn default_interval() -> u64 {
	30
}

fn default_timeout() -> u64 {
	5
}

/// The sources file.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
	/// The largest response read, in bytes.
	#[serde(default = "default_max_bytes")]
	pub max_bytes: usize,
	/// The sources.
	#[serde(rename = "source", default)]
	pub sources: Vec<Source>,
}

fn default_max_bytes() -> usize {
	DEFAULT_MAX_BYTES
}

impl Sources {
	/// Reads and checks the sources file at `path`.
	pub fn load(path: &Path) -> Result<Self, String> {
		let text = std::fs::read_to_string(path)
			.map_err(|e| format!("cannot read the oracle sources {}: {e}", path.display()))?;
		Self::parse(&text).map_err(|e| format!("oracle sources {}: {e}", path.display()))
	}

	/// Parses and checks a sources file.
	pub fn parse(text: &str) -> Result<Self, String> {
		let sources: Sources = toml::from_str(text).map_err(|e| e.to_string())?;
		if sources.max_bytes == 0 {
			return Err("max_bytes must be above zero".into());
		}
		let mut feeds = std::collections::BTreeSet::new();
		for source in &sources.sources {
			let name = format!("the source of feed {}", source.feed);
			let url = url::Url::parse(&source.url).map_err(|e| format!("{name}: bad url: {e}"))?;
			if !matches!(url.scheme(), "http" | "https") {
				return Err(format!("{name}: the url must be http:// or https://"));
			}
			if !(source.pointer.is_empty() || source.pointer.starts_with('/')) {
				return Err(format!("{name}: a JSON pointer is empty or starts with '/'"));
			}
			if source.interval == 0 || source.timeout == 0 {
				return Err(format!("{name}: interval and timeout must be at least a second"));
			}
			if [source.min, source.max].iter().flatten().any(|bound| !bound.is_finite()) {
				return Err(format!("{name}: min and max must be finite numbers"));
			}
			if let (Some(min), Some(max)) = (source.min, source.max) {
				if min > max {
					return Err(format!("{name}: min is above max"));
				}
			}
			if source.max_change.is_some_and(|change| !change.is_finite() || change <= 0.0) {
				return Err(format!("{name}: max_change must be above zero"));
			}
			if !feeds.insert(source.feed) {
				return Err(format!("feed {} has two sources", source.feed));
			}
		}
		Ok(sources)
	}
}

/// The value at `pointer` in `json`, as the feed's integer of `decimals`.
pub fn extract(json: &serde_json::Value, pointer: &str, decimals: u8) -> Result<FeedValue, String> {
	let value = json.pointer(pointer).ok_or_else(|| format!("nothing at {pointer}"))?;
	let text = match value {
		serde_json::Value::Number(number) => number.to_string(),
		serde_json::Value::String(text) => text.trim().to_string(),
		other => return Err(format!("{pointer} is not a number: {other}")),
	};
	to_fixed(&text, decimals).ok_or_else(|| format!("{text} is not a number that fits the feed"))
}

/// `text` (a decimal number, with an optional sign, fraction and exponent) times
/// `10^decimals`, rounded half away from zero; `None` if it is not such a number or does not
/// fit an `i64`.
pub fn to_fixed(text: &str, decimals: u8) -> Option<FeedValue> {
	let (negative, body) = match text.as_bytes().first()? {
		b'-' => (true, text.get(1..)?),
		b'+' => (false, text.get(1..)?),
		_ => (false, text),
	};
	let (mantissa, exponent) = match body.find(['e', 'E']) {
		Some(at) => (body.get(..at)?, body.get(at.saturating_add(1)..)?.parse::<i32>().ok()?),
		None => (body, 0),
	};
	let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
	if whole.is_empty() && fraction.is_empty() {
		return None;
	}
	if !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
		return None;
	}
	// The significant digits, and where the point goes once scaled: after `point` of them.
	let all: Vec<u8> =
		whole.bytes().chain(fraction.bytes()).map(|b| b.saturating_sub(b'0')).collect();
	let zeros = all.iter().take_while(|digit| **digit == 0).count();
	let digits = all.get(zeros..).unwrap_or_default();
	if digits.is_empty() {
		return Some(0);
	}
	let point = i64::try_from(whole.len())
		.ok()?
		.checked_sub(i64::try_from(zeros).ok()?)?
		.checked_add(i64::from(exponent))?
		.checked_add(i64::from(decimals))?;
	// An `i64` has 19 digits: a number with more before the point does not fit (and the loop
	// below stays short whatever the exponent says).
	if point > 19 {
		return None;
	}
	let mut value: i128 = 0;
	for index in 0..point.max(0) {
		let digit = usize::try_from(index).ok().and_then(|i| digits.get(i)).copied().unwrap_or(0);
		value = value.checked_mul(10)?.checked_add(i128::from(digit))?;
		if value > i128::from(i64::MAX).saturating_add(1) {
			return None;
		}
	}
	let next = usize::try_from(point).ok().and_then(|i| digits.get(i)).copied().unwrap_or(0);
	if point >= 0 && next >= 5 {
		value = value.checked_add(1)?;
	}
	let value = if negative { value.checked_neg()? } else { value };
	FeedValue::try_from(value).ok()
}

/// Whether `value` (of `decimals`) is within `source`'s band; why not if it is not.
fn band(source: &Source, value: FeedValue, decimals: u8) -> Result<(), String> {
	let units = value as f64 / 10f64.powi(i32::from(decimals));
	if source.min.is_some_and(|min| units < min) || source.max.is_some_and(|max| units > max) {
		return Err(format!(
			"{units} is outside its band [{}, {}]",
			source.min.map_or("-inf".into(), |v| v.to_string()),
			source.max.map_or("inf".into(), |v| v.to_string())
		));
	}
	Ok(())
}

/// Whether `value` is within `source`'s `max_change` of `reference` (of `decimals`); why not
/// if it is not. No reference, or a reference of zero, passes.
fn near(
	source: &Source,
	value: FeedValue,
	decimals: u8,
	reference: Option<FeedValue>,
) -> Result<(), String> {
	let (Some(limit), Some(reference)) = (source.max_change, reference) else { return Ok(()) };
	if reference == 0 {
		return Ok(());
	}
	let change = ((value as f64) - (reference as f64)).abs() / (reference as f64).abs();
	if change > limit {
		let scale = 10f64.powi(i32::from(decimals));
		return Err(format!(
			"{} is {:.1} % from {}, more than {:.1} %",
			value as f64 / scale,
			change * 100.0,
			reference as f64 / scale,
			limit * 100.0
		));
	}
	Ok(())
}

/// How many fetches in a row, far from the chain's value but near each other, make the oracle
/// report anyway: the world moved, not the source (else a real jump would stop every honest
/// oracle, and a few colluders could hold the feed).
const AGREEING_JUMPS: u32 = 3;

/// A source's fetches refused for being far from the chain's value: how many in a row, and the
/// last.
#[derive(Default)]
struct Jumps(HashMap<usize, (u32, FeedValue)>);

impl Jumps {
	/// Whether `value` of source `index` may be reported though it is far from the chain's
	/// value: the [`AGREEING_JUMPS`]th fetch in a row that is, each near the one before.
	fn agree(&mut self, index: usize, source: &Source, value: FeedValue, decimals: u8) -> bool {
		let (count, last) = self.0.get(&index).copied().unwrap_or((0, value));
		let count = if near(source, value, decimals, Some(last)).is_ok() {
			count.saturating_add(1)
		} else {
			1
		};
		if count >= AGREEING_JUMPS {
			self.0.remove(&index);
			return true;
		}
		self.0.insert(index, (count, value));
		false
	}

	/// Source `index` gave a value near the chain's.
	fn forget(&mut self, index: usize) {
		self.0.remove(&index);
	}
}

/// Fetches `source`'s value: at most `max_bytes` of JSON, within the source's timeout.
async fn fetch(
	http: &reqwest::Client,
	source: &Source,
	max_bytes: usize,
) -> Result<serde_json::Value, String> {
	let request = async {
		let mut response = http.get(&source.url).send().await.map_err(|e| e.to_string())?;
		if !response.status().is_success() {
			return Err(format!("HTTP {}", response.status()));
		}
		let mut body = Vec::new();
		while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
			if body.len().saturating_add(chunk.len()) > max_bytes {
				return Err(format!("the response is larger than {max_bytes} bytes"));
			}
			body.extend_from_slice(&chunk);
		}
		serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))
	};
	tokio::time::timeout(Duration::from_secs(source.timeout), request)
		.await
		.map_err(|_| format!("no answer within {} s", source.timeout))?
}

/// Starts the oracle worker over `sources`, reporting with the node's oracle key.
pub(super) fn spawn(
	task_manager: &sc_service::TaskManager,
	client: Arc<FullClient>,
	submitter: Arc<Submitter>,
	keystore: KeystorePtr,
	shared: Arc<Shared>,
	sources: Sources,
) {
	let count = sources.sources.len();
	let oracle = Oracle { client, submitter, keystore, shared, sources: Arc::new(sources) };
	task_manager
		.spawn_handle()
		.spawn("verity-oracle", Some("worker"), async move { oracle.run().await });
	log::info!(target: LOG_TARGET, "oracle worker started with {count} sources");
}

struct Oracle {
	client: Arc<FullClient>,
	submitter: Arc<Submitter>,
	keystore: KeystorePtr,
	shared: Arc<Shared>,
	sources: Arc<Sources>,
}

impl Oracle {
	async fn run(self) {
		let http = match reqwest::Client::builder().build() {
			Ok(http) => http,
			Err(e) => {
				log::error!(target: LOG_TARGET, "oracle: cannot build an HTTP client: {e}");
				return;
			},
		};
		let (fetched, mut arrivals) =
			mpsc::unbounded_channel::<(usize, Result<serde_json::Value, String>)>();
		let mut blocks = self.client.import_notification_stream();
		let now = Instant::now();
		let mut due: Vec<Instant> = vec![now; self.sources.sources.len()];
		// Checked values waiting to be reported, by feed (a newer value replaces an older),
		// each with the moment it is too old to report (two of its source's intervals).
		let mut pending: BTreeMap<FeedId, (FeedValue, Instant)> = BTreeMap::new();
		let mut jumps = Jumps::default();
		let mut last_report: Option<BlockNumber> = None;
		let mut warned_no_key = false;
		loop {
			let next = due.iter().min().copied().unwrap_or_else(|| {
				let now = Instant::now();
				now.checked_add(Duration::from_secs(3600)).unwrap_or(now)
			});
			tokio::select! {
				_ = tokio::time::sleep_until(next.into()) => {
					let now = Instant::now();
					for (index, source) in self.sources.sources.iter().enumerate() {
						let Some(at) = due.get_mut(index) else { continue };
						if *at > now {
							continue;
						}
						*at = now.checked_add(Duration::from_secs(source.interval)).unwrap_or(now);
						let (http, source, max_bytes, fetched) =
							(http.clone(), source.clone(), self.sources.max_bytes, fetched.clone());
						tokio::spawn(async move {
							let _ = fetched.send((index, fetch(&http, &source, max_bytes).await));
						});
					}
				},
				Some((index, result)) = arrivals.recv() => {
					let Some(source) = self.sources.sources.get(index) else { continue };
					match result.and_then(|json| self.checked(index, source, &json, &mut jumps)) {
						Ok(value) => {
							let now = Instant::now();
							let interval = Duration::from_secs(source.interval.saturating_mul(2));
							pending.insert(source.feed, (value, now.checked_add(interval).unwrap_or(now)));
							self.report(&mut pending, &mut last_report, &mut warned_no_key).await;
						},
						Err(why) => {
							self.shared.record_oracle("skipped");
							log::warn!(
								target: LOG_TARGET,
								"oracle: feed {} skipped: {why} ({})",
								source.feed,
								source.url
							);
						},
					}
				},
				Some(block) = blocks.next() => {
					if block.is_new_best {
						self.report(&mut pending, &mut last_report, &mut warned_no_key).await;
					}
				},
			}
		}
	}

	/// Reports up to `MAX_FEED_VALUES` of the `pending` values, unless the last report, sent
	/// when the best block was `last_report`, has not had a block to land in yet (the oracle
	/// takes one report a member and block).
	async fn report(
		&self,
		pending: &mut BTreeMap<FeedId, (FeedValue, Instant)>,
		last_report: &mut Option<BlockNumber>,
		warned_no_key: &mut bool,
	) {
		// A value that waited too long (no key, no block) is not reported as if it were new.
		let now = Instant::now();
		let before = pending.len();
		pending.retain(|_, (_, until)| *until > now);
		for _ in pending.len()..before {
			self.shared.record_oracle("skipped");
		}
		let info = self.client.info();
		if pending.is_empty() || last_report.is_some_and(|at| info.best_number <= at) {
			return;
		}
		let Some(key) = self.reporting_key(info.best_hash) else {
			if !*warned_no_key {
				log::warn!(
					target: LOG_TARGET,
					"oracle: no key of an active Oracle operator in the keystore; nothing is reported"
				);
				*warned_no_key = true;
			}
			return;
		};
		*warned_no_key = false;
		let feeds: Vec<FeedId> = pending.keys().take(MAX_FEED_VALUES as usize).copied().collect();
		let batch: Vec<(FeedId, FeedValue)> = feeds
			.into_iter()
			.filter_map(|feed| pending.remove(&feed).map(|(value, _)| (feed, value)))
			.collect();
		let count = batch.len();
		let call = RuntimeCall::Oracle(pallet_oracle::Call::feed_values {
			values: sp_runtime::BoundedVec::truncate_from(batch),
		});
		match self.submitter.submit(key, call, |_| {}).await {
			Ok(()) => {
				*last_report = Some(info.best_number);
				for _ in 0..count {
					self.shared.record_oracle("reported");
				}
				log::info!(
					target: LOG_TARGET,
					"oracle: reported {count} values at block {}",
					info.best_number
				);
			},
			Err(e) => log::warn!(target: LOG_TARGET, "oracle: report not sent: {e}"),
		}
	}

	/// `source`'s (number `index`) value in `json`, as the feed's integer, if it passes the
	/// source's checks against the feed on chain: within the band, and within `max_change` of
	/// the chain's fresh value unless [`AGREEING_JUMPS`] fetches in a row agree on the move.
	fn checked(
		&self,
		index: usize,
		source: &Source,
		json: &serde_json::Value,
		jumps: &mut Jumps,
	) -> Result<FeedValue, String> {
		let best = self.client.info().best_hash;
		let feed = self
			.client
			.runtime_api()
			.feed(best, source.feed)
			.map_err(|e| format!("cannot read the feed: {e}"))?
			.ok_or_else(|| "no such feed on chain".to_string())?;
		let value = extract(json, &source.pointer, feed.decimals)?;
		band(source, value, feed.decimals)?;
		let current = feed.reading.filter(|_| feed.fresh).map(|reading| reading.value);
		match near(source, value, feed.decimals, current) {
			Ok(()) => jumps.forget(index),
			Err(why) if jumps.agree(index, source, value, feed.decimals) => log::info!(
				target: LOG_TARGET,
				"oracle: feed {}: {why}, but {AGREEING_JUMPS} fetches in a row agree: reported",
				source.feed
			),
			Err(why) => return Err(why),
		}
		Ok(value)
	}

	/// The key in the keystore that reports for an active `Oracle` operator: an operator's
	/// worker key if it named one, else the operator's own (the oracle's members).
	fn reporting_key(&self, at: sp_core::H256) -> Option<sr25519::Public> {
		let api = self.client.runtime_api();
		self.keystore
			.sr25519_public_keys(KEY_TYPE)
			.into_iter()
			.find(|key| api.is_oracle(at, AccountId::from(*key)).unwrap_or(false))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn decimal_text_becomes_the_feeds_integer() {
		assert_eq!(to_fixed("1234.5678", 4), Some(12_345_678));
		assert_eq!(to_fixed("-0.0015", 3), Some(-2), "half away from zero");
		assert_eq!(to_fixed("0.0014", 3), Some(1));
		assert_eq!(to_fixed("+7", 2), Some(700));
		assert_eq!(to_fixed("1.5e3", 0), Some(1_500));
		assert_eq!(to_fixed("15E-1", 1), Some(15));
		assert_eq!(to_fixed(".5", 1), Some(5));
		assert_eq!(to_fixed("9223372036854775807", 0), Some(i64::MAX));
		assert_eq!(to_fixed("9223372036854775808", 0), None);
		assert_eq!(to_fixed("-9223372036854775808", 0), Some(i64::MIN));
		assert_eq!(to_fixed("1e30", 0), None);
		// Huge exponents end at once: zero is zero, anything else does not fit or rounds away.
		assert_eq!(to_fixed("0e2147483647", 2), Some(0));
		assert_eq!(to_fixed("000.000", 2), Some(0));
		assert_eq!(to_fixed("1e2147483647", 0), None);
		assert_eq!(to_fixed("1e-2147483648", 0), Some(0));
		assert_eq!(to_fixed("0.0051", 2), Some(1));
		for bad in ["", "-", ".", "1.2.3", "abc", "1e", "0x10", "1 2"] {
			assert_eq!(to_fixed(bad, 2), None, "{bad:?}");
		}
	}

	#[test]
	fn values_are_found_by_pointer() {
		let json =
			serde_json::json!({"data": {"price": 101.25, "text": " 3.5 ", "list": [1, "x"]}});
		assert_eq!(extract(&json, "/data/price", 2), Ok(10_125));
		assert_eq!(extract(&json, "/data/text", 1), Ok(35));
		assert_eq!(extract(&json, "/data/list/0", 0), Ok(1));
		assert!(extract(&json, "/data/list/1", 0).is_err());
		assert!(extract(&json, "/data", 0).is_err());
		assert!(extract(&json, "/nothing", 0).is_err());
	}

	fn source() -> Source {
		Source {
			feed: 0,
			url: "http://127.0.0.1:1/".into(),
			pointer: "/v".into(),
			interval: 1,
			timeout: 1,
			min: Some(-10.0),
			max: Some(10.0),
			max_change: Some(0.5),
		}
	}

	#[test]
	fn absurd_values_are_refused() {
		let source = source();
		assert!(band(&source, 9_999, 3).is_ok());
		assert!(band(&source, 10_001, 3).is_err(), "above the band");
		assert!(band(&source, -10_001, 3).is_err(), "below the band");
		assert!(near(&source, 1_400, 3, Some(1_000)).is_ok());
		assert!(near(&source, 1_600, 3, Some(1_000)).is_err(), "60 % from the chain's value");
		assert!(near(&source, 400, 3, Some(1_000)).is_err());
		assert!(near(&source, 5_000, 3, Some(0)).is_ok(), "no relative change from zero");
		assert!(near(&source, 5_000, 3, None).is_ok(), "nothing on chain yet");
	}

	#[test]
	fn a_move_the_source_agrees_on_three_times_is_reported() {
		let source = source();
		let mut jumps = Jumps::default();
		assert!(!jumps.agree(0, &source, 2_000, 3));
		assert!(!jumps.agree(0, &source, 2_100, 3));
		// A wild value starts the count again; the third of a kind is reported.
		assert!(!jumps.agree(0, &source, 9_000, 3));
		assert!(!jumps.agree(0, &source, 9_100, 3));
		assert!(jumps.agree(0, &source, 9_200, 3));
		assert!(!jumps.agree(0, &source, 9_300, 3), "and the count starts over");
		// Sources count apart, and a value near the chain's forgets the count.
		assert!(!jumps.agree(1, &source, 2_000, 3));
		jumps.forget(1);
		assert!(!jumps.agree(1, &source, 2_000, 3));
	}

	#[test]
	fn sources_files_are_checked() {
		let good = r#"
			max_bytes = 1024
			[[source]]
			feed = 3
			url = "http://127.0.0.1:8089/"
			pointer = "/sensors/3"
			interval = 6
			min = -5.0
			max = 5.0
		"#;
		let sources = Sources::parse(good).unwrap();
		assert_eq!(sources.max_bytes, 1024);
		assert_eq!(sources.sources[0].timeout, 5);
		assert_eq!(sources.sources[0].max_change, None);
		let bad = [
			("ftp://x/", "/v", "", "http"),
			("http://x/", "v", "", "pointer"),
			("http://x/", "/v", "interval = 0", "interval"),
			("http://x/", "/v", "min = 2.0\nmax = 1.0", "min is above max"),
			("http://x/", "/v", "max_change = 0.0", "max_change"),
			("http://x/", "/v", "colour = 1", "unknown field"),
		];
		for (url, pointer, extra, why) in bad {
			let text = format!(
				"[[source]]\nfeed = 1\nurl = \"{url}\"\npointer = \"{pointer}\"\n{extra}\n"
			);
			let error = Sources::parse(&text).unwrap_err();
			assert!(error.contains(why), "{error} should say {why}");
		}
		let twice = "[[source]]\nfeed = 1\nurl = \"http://a/\"\npointer = \"\"\n[[source]]\nfeed = 1\nurl = \"http://b/\"\npointer = \"\"\n";
		assert!(Sources::parse(twice).unwrap_err().contains("two sources"));
	}

	#[tokio::test]
	async fn fetches_are_bounded_in_size_and_time() {
		use tokio::{
			io::{AsyncReadExt, AsyncWriteExt},
			net::TcpListener,
		};
		let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
		let address = listener.local_addr().unwrap();
		tokio::spawn(async move {
			// First a large answer, then one that never comes.
			let (mut socket, _) = listener.accept().await.unwrap();
			let mut request = [0u8; 1024];
			let _ = socket.read(&mut request).await;
			let body = format!("{{\"v\": \"{}\"}}", "1".repeat(4096));
			let reply = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
			let _ = socket.write_all(reply.as_bytes()).await;
			let (_silent, _) = listener.accept().await.unwrap();
			tokio::time::sleep(Duration::from_secs(10)).await;
			drop(socket);
		});
		let http = reqwest::Client::new();
		let source = Source { url: format!("http://{address}/"), ..source() };
		let error = fetch(&http, &source, 1024).await.unwrap_err();
		assert!(error.contains("larger than 1024"), "{error}");
		let error = fetch(&http, &source, 1024).await.unwrap_err();
		assert!(error.contains("no answer within 1 s"), "{error}");
	}
}
