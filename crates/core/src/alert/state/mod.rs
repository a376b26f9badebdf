//! The alert state: what was noticed, what each channel was told, what is
//! still to deliver. Versioned JSON (the shell writes it atomically).
//!
//! Versions:
//! - 1: the first format: `{"version":1,"alerts":{"agent|provider|profile|condition":
//!   {"severity","rank","since_ms","last_notified_ms","resolved"}}}` — one
//!   map, no outbox, no per-channel delivery.
//! - 2 (current): records with per-channel delivery, an outbox of pending
//!   notices, per-channel backoff.

mod alert_state;
mod format;
mod v1;

pub use alert_state::{
    ALL_CHANNELS, AlertRecord, AlertState, ChannelState, OutboxEntry, Pending, STATE_VERSION,
};
pub use format::{StateError, parse, to_json};
