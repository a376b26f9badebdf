//! Alert metrics: `clawwatch_alerts_sent_total{channel,severity}`,
//! `clawwatch_alert_failures_total{channel}`,
//! `clawwatch_alert_last_success_timestamp_seconds{channel}`. Series of
//! the metrics output that the alert channels count into (here, so the
//! output never depends on alerting).

use prometheus::{GaugeVec, IntCounter, IntCounterVec, Opts, Registry};

/// Cheap to clone (the collectors are shared handles).
#[derive(Clone, Debug)]
pub struct AlertMetrics {
    sent: IntCounterVec,
    failures: IntCounterVec,
    last_success: GaugeVec,
    state_write_failures: IntCounter,
}

impl AlertMetrics {
    /// Create the collectors and register them on `registry`.
    pub fn new(registry: &Registry) -> prometheus::Result<AlertMetrics> {
        let sent = IntCounterVec::new(
            Opts::new(
                "clawwatch_alerts_sent_total",
                "Notices a channel accepted (resolved notices count under the severity they resolve; `test` for alert test).",
            ),
            &["channel", "severity"],
        )?;
        let failures = IntCounterVec::new(
            Opts::new(
                "clawwatch_alert_failures_total",
                "Failed deliveries per channel.",
            ),
            &["channel"],
        )?;
        let last_success = GaugeVec::new(
            Opts::new(
                "clawwatch_alert_last_success_timestamp_seconds",
                "When the channel last accepted a delivery.",
            ),
            &["channel"],
        )?;
        let state_write_failures = IntCounter::new(
            "clawwatch_alert_state_write_failures_total",
            "Alert state writes that failed (the state is then held in memory until a write succeeds).",
        )?;
        registry.register(Box::new(state_write_failures.clone()))?;
        registry.register(Box::new(sent.clone()))?;
        registry.register(Box::new(failures.clone()))?;
        registry.register(Box::new(last_success.clone()))?;
        Ok(AlertMetrics {
            sent,
            failures,
            last_success,
            state_write_failures,
        })
    }

    /// Show a configured channel's series at 0 before its first delivery.
    pub fn init_channel(&self, channel: &str) {
        self.failures.with_label_values(&[channel]);
        for s in ["warning", "critical"] {
            self.sent.with_label_values(&[channel, s]);
        }
    }

    pub fn sent(&self, channel: &str, severity: &str, now_seconds: f64) {
        self.sent.with_label_values(&[channel, severity]).inc();
        self.last_success
            .with_label_values(&[channel])
            .set(now_seconds);
    }

    pub fn state_write_failed(&self) {
        self.state_write_failures.inc();
    }

    pub fn failed(&self, channel: &str) {
        self.failures.with_label_values(&[channel]).inc();
    }
}
