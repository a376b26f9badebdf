//! Durations in the config (`"12h"`, `"30s"`, `"7d"`), parsed with
//! humantime as the file is read.

use serde::de::Error;
use serde::{Deserialize, Deserializer};
use std::time::Duration;

fn parse<E: Error>(key: Option<&str>, text: &str) -> Result<Duration, E> {
    clawwatch_core::timefmt::parse_duration(text).map_err(|e| match key {
        Some(key) => E::custom(format!("{key}: {e}")),
        None => E::custom(e),
    })
}

/// A duration field (the error is placed at its line and key).
pub fn any<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse(None, &String::deserialize(d)?)
}

/// `alert.repeat_every`: a top-level key `CLAWWATCH_ALERT_REPEAT_EVERY`
/// can set, so its error names it even without a line.
pub fn repeat_every<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse(Some("alert.repeat_every"), &String::deserialize(d)?)
}

/// `alert.thresholds` (also settable by `CLAWWATCH_ALERT_THRESHOLDS`).
pub fn thresholds<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|t| parse(Some("alert.thresholds"), t))
        .collect()
}
