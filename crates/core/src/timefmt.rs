//! Pure time formatting (no clock reads).

use chrono::{DateTime, SecondsFormat, Utc};

/// RFC 3339 UTC for an epoch-millisecond instant.
pub fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("@{ms}ms"))
}

/// A short, rounded duration: `45s`, `12m`, `3h`, `5d` (negative → `0m`).
pub fn human_duration(ms: i64) -> String {
    if ms <= 0 {
        return "0m".into();
    }
    let minutes = (ms as f64 / 60_000.0).round() as i64;
    if minutes < 1 {
        return "<1m".into();
    }
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = (minutes as f64 / 60.0).round() as i64;
    if hours < 48 {
        return format!("{hours}h");
    }
    format!("{}d", (hours as f64 / 24.0).round() as i64)
}

/// `in 3h` / `3h ago` relative to `now_ms`.
pub fn relative(at_ms: i64, now_ms: i64) -> String {
    if at_ms > now_ms {
        format!("in {}", human_duration(at_ms - now_ms))
    } else {
        format!("{} ago", human_duration(now_ms - at_ms))
    }
}

/// Parse `--warn-within` style durations: `24h`, `90m`, `7d`, `1h30m`, `3600s`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("invalid duration {s:?}: {e} (use e.g. 24h, 90m, 7d)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_like_openclaw() {
        assert_eq!(human_duration(3 * 3_600_000), "3h");
        assert_eq!(human_duration(30 * 86_400_000), "30d");
        assert_eq!(human_duration(25 * 3_600_000), "25h");
        assert_eq!(human_duration(-5), "0m");
        assert_eq!(relative(0, 3_600_000), "1h ago");
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
    }
}
