//! How long a failing channel waits before its next try.

/// First retry delay of a failing channel; doubles per failure.
pub const BACKOFF_BASE_MS: i64 = 60_000;
/// Longest delay between retries of a failing channel.
pub const BACKOFF_MAX_MS: i64 = 3_600_000;

/// The backoff after `failures` consecutive failures: 1 min doubling to 1 h.
pub fn backoff_ms(failures: u32) -> i64 {
    let shift = failures.saturating_sub(1).min(20);
    (BACKOFF_BASE_MS << shift).min(BACKOFF_MAX_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_an_hour() {
        let got: Vec<i64> = [0, 1, 2, 3, 6, 7, 50].map(backoff_ms).to_vec();
        assert_eq!(
            got,
            [
                60_000, 60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000
            ]
        );
    }
}
