//! Delivering one cycle's outbox: each channel on its own thread, in
//! notice order, the state saved after every accepted notice (a restart
//! re-sends at most the notice being sent right then). A transient failure
//! stops that channel for this cycle and backs it off; one channel never
//! blocks another.

use super::channel::{Channel, SendError};
use super::message::Ctx;
use super::outcome::CycleOutcome;
use super::state_file;
use crate::output::alert_metrics::AlertMetrics;
use clawwatch_core::alert::{AlertState, Notification, backoff_ms};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// One cycle's delivery in progress, shared by the channels' threads.
pub struct Delivery<'a> {
    pub state_path: &'a Path,
    pub metrics: Option<&'a AlertMetrics>,
    pub ctx: Ctx,
    pub state: Mutex<AlertState>,
    pub outcome: Mutex<CycleOutcome>,
}

/// Send with a panic turned into a transient failure.
pub fn send_caught(ch: &dyn Channel, n: &Notification, ctx: &Ctx) -> Result<(), SendError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ch.send(n, ctx)))
        .unwrap_or_else(|_| Err(SendError::transient("the channel panicked")))
}

impl Delivery<'_> {
    /// Deliver the outbox over `channels`; the state and outcome after.
    pub fn run(self, channels: &[Box<dyn Channel>]) -> (AlertState, CycleOutcome) {
        std::thread::scope(|s| {
            for ch in channels {
                let this = &self;
                s.spawn(move || this.channel(ch.as_ref()));
            }
        });
        let state = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        let outcome = self.outcome.into_inner().unwrap_or_else(|p| p.into_inner());
        (state, outcome)
    }

    fn lock(&self) -> MutexGuard<'_, AlertState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note(&self, f: impl FnOnce(&mut CycleOutcome)) {
        f(&mut self.outcome.lock().unwrap_or_else(|p| p.into_inner()));
    }

    fn save(&self, st: &AlertState) {
        if let Err(e) = state_file::save(self.state_path, st) {
            if let Some(m) = self.metrics {
                m.state_write_failed();
            }
            self.note(|o| {
                o.state_unsaved = true;
                o.errors.push(e.to_string());
            });
        }
    }

    fn count_failure(&self, name: &str, e: &SendError) {
        if let Some(m) = self.metrics {
            m.failed(name);
        }
        self.note(|o| {
            o.failed += 1;
            o.errors.push(format!("alert channel {name}: {e}"));
        });
    }

    /// One channel's turn: its queue unless it is backing off, then (when
    /// all went through) Alertmanager's refresh.
    fn channel(&self, ch: &dyn Channel) {
        let queue = {
            let st = self.lock();
            if st.backing_off(ch.name(), self.ctx.now_ms) {
                return;
            }
            st.queue_for(ch.name())
        };
        if self.send_queue(ch, &queue) && ch.wants_refresh() {
            self.refresh(ch);
        }
    }

    /// Send `queue` in order; false when a transient failure stopped it.
    fn send_queue(&self, ch: &dyn Channel, queue: &[Notification]) -> bool {
        let (name, now_ms) = (ch.name(), self.ctx.now_ms);
        for n in queue {
            let res = send_caught(ch, n, &self.ctx);
            let mut st = self.lock();
            match res {
                Ok(()) => {
                    st.accepted(n, name, now_ms);
                    if let Some(m) = self.metrics {
                        m.sent(name, n.severity.as_str(), now_ms as f64 / 1000.0);
                    }
                    self.note(|o| o.delivered += 1);
                    // Written at once: a restart re-sends at most the
                    // notice being sent right now.
                    self.save(&st);
                }
                Err(e) => {
                    st.failed(n, name, &e.message, e.transient, now_ms, backoff_ms);
                    self.count_failure(name, &e);
                    if e.transient {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Re-post what this channel was told fires (Alertmanager).
    fn refresh(&self, ch: &dyn Channel) {
        let firing = self.lock().firing_for(ch.name(), ch.min_severity());
        if let Err(e) = ch.refresh(&firing, &self.ctx) {
            self.lock().channel_failed(
                ch.name(),
                &e.message,
                e.transient,
                self.ctx.now_ms,
                backoff_ms,
            );
            self.count_failure(ch.name(), &e);
        }
    }
}
