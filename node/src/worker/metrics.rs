//! The worker's Prometheus metrics (`verity_worker_*`), on the node's `--prometheus-port`.

use substrate_prometheus_endpoint::{
	register, Counter, CounterVec, Gauge, Histogram, HistogramOpts, Opts, PrometheusError,
	Registry, U64,
};

/// What the worker reports.
#[derive(Clone)]
pub struct Metrics {
	/// Jobs whose result was submitted.
	pub executed: Counter<U64>,
	/// Jobs the worker could not serve, by reason (`model`, `load`, `run`, `submit`).
	pub failures: CounterVec<U64>,
	/// Jobs waiting for a free slot.
	pub queue_depth: Gauge<U64>,
	/// Wall time of one inference (tract's run, input decoding and output encoding).
	pub inference_seconds: Histogram,
	/// Wall time of one `Zk` job's proof (interpreter, cross-check and Groth16 prover).
	pub proof_seconds: Histogram,
	/// Commits and reveals sent in `Consensus` rounds, by `step`.
	pub round_steps: CounterVec<U64>,
	/// Audits run, by `outcome` (`match`, or `mismatch` and a challenge sent).
	pub audits: CounterVec<U64>,
	/// Oracle values, by `outcome` (`reported`, or `skipped`).
	pub oracle_values: CounterVec<U64>,
}

impl Metrics {
	/// Registers the metrics in `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Metrics {
			executed: register(
				Counter::new("verity_worker_jobs_executed_total", "Jobs executed and delivered")?,
				registry,
			)?,
			failures: register(
				CounterVec::new(
					Opts::new("verity_worker_job_failures_total", "Jobs the worker declined"),
					&["reason"],
				)?,
				registry,
			)?,
			queue_depth: register(
				Gauge::new("verity_worker_queue_depth", "Jobs waiting for a free slot")?,
				registry,
			)?,
			inference_seconds: register(
				Histogram::with_opts(
					HistogramOpts::new("verity_worker_inference_seconds", "Time of one inference")
						.buckets(vec![
							0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01,
							0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
						]),
				)?,
				registry,
			)?,
			proof_seconds: register(
				Histogram::with_opts(
					HistogramOpts::new("verity_worker_proof_seconds", "Time of one proof").buckets(
						vec![0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0],
					),
				)?,
				registry,
			)?,
			round_steps: register(
				CounterVec::new(
					Opts::new(
						"verity_worker_round_steps_total",
						"Commits and reveals sent in Consensus rounds",
					),
					&["step"],
				)?,
				registry,
			)?,
			audits: register(
				CounterVec::new(
					Opts::new("verity_worker_audits_total", "Audits of settled Fast jobs run"),
					&["outcome"],
				)?,
				registry,
			)?,
			oracle_values: register(
				CounterVec::new(
					Opts::new("verity_oracle_values_total", "Oracle values reported or skipped"),
					&["outcome"],
				)?,
				registry,
			)?,
		})
	}
}
