//! A string that must never leave the process.
//!
//! `Debug` and `Display` print a fixed marker, so a secret that slips into a
//! log line, a panic message or `{:?}` output shows nothing. The only ways to
//! see the value are [`Secret::expose`] (for code that must use it) and
//! [`Secret::masked`] (a short hint such as `sk-ant-a…wxyz` for people).

use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value. Only for code that must use it (comparisons, probes).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the value is empty or only whitespace (OpenClaw treats such
    /// values as absent).
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// A hint for people, never wider than OpenClaw's own masking
    /// (first 8 … last 8): here first 8 … last 4 for long values, fewer
    /// characters for short ones, so no 16-character run of the secret is
    /// ever shown.
    pub fn masked(&self) -> String {
        let trimmed = self.0.trim();
        // Fast path: plain ASCII without control characters (every real key).
        if trimmed.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            let n = trimmed.len();
            return match n {
                0 => "missing".to_string(),
                1..=6 => format!("{}…{}", &trimmed[..1], &trimmed[n - 1..]),
                7..=16 => format!("{}…{}", &trimmed[..2], &trimmed[n - 2..]),
                _ => format!("{}…{}", &trimmed[..8], &trimmed[n - 4..]),
            };
        }
        let chars: Vec<char> = trimmed.chars().filter(|c| !c.is_control()).collect();
        let n = chars.len();
        let take = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
        match n {
            0 => "missing".to_string(),
            1..=6 => format!("{}…{}", take(0, 1), take(n - 1, n)),
            7..=16 => format!("{}…{}", take(0, 2), take(n - 2, n)),
            _ => format!("{}…{}", take(0, 8), take(n - 4, n)),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("sk-ant-api03-FAKE-very-secret-value");
        assert!(!format!("{s:?}").contains("FAKE"));
        assert!(!format!("{s}").contains("FAKE"));
    }

    #[test]
    fn masking_never_shows_a_long_run() {
        let s = Secret::new("sk-ant-api03-FAKEabcdefghijklmnopqrstuvwxyz");
        let m = s.masked();
        assert_eq!(m, "sk-ant-a…wxyz");
        assert_eq!(Secret::new("  ").masked(), "missing");
        assert_eq!(Secret::new("abc").masked(), "a…c");
        assert_eq!(Secret::new("abcdefghij").masked(), "ab…ij");
        assert_eq!(
            Secret::new("ключ-секрет-очень-длинный").masked(),
            "ключ-сек…нный"
        );
    }
}
