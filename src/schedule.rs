//! Cron schedules with crontab semantics (croner): standard 5-field
//! (`0 9 * * 1` = Mondays 09:00, 0 and 7 = Sunday, day-of-month OR
//! day-of-week as vixie cron), 6-field with seconds first, `@hourly` & co.
//! Evaluated in UTC. Pure: the caller passes the instant.

use chrono::{DateTime, Utc};
use std::str::FromStr;

#[derive(Debug, Clone)]
pub struct Schedule {
    cron: croner::Cron,
    text: String,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Schedule {
    pub fn parse(expr: &str, timezone: &str) -> Result<Self, String> {
        let tz = timezone.trim();
        if !(tz.is_empty() || tz.eq_ignore_ascii_case("utc") || tz == "Etc/UTC") {
            return Err(format!(
                "timezone {tz:?} is not supported: schedules run in UTC (write the hours in UTC)"
            ));
        }
        let text = expr.split_whitespace().collect::<Vec<_>>().join(" ");
        let fields = text.split(' ').count();
        if !text.starts_with('@') && !(5..=7).contains(&fields) {
            return Err(format!(
                "{expr:?} has {fields} fields; use 5 (min hour day month weekday) or 6 (with seconds first)"
            ));
        }
        let cron = croner::Cron::from_str(&text).map_err(|e| format!("{expr:?}: {e}"))?;
        Ok(Schedule { cron, text })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first fire time strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&t, false).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Timelike, Weekday};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn five_fields_every_five_minutes() {
        let s = Schedule::parse("*/5 * * * *", "").unwrap();
        assert_eq!(
            s.next_after(at("2026-11-25T10:02:30Z")),
            Some(at("2026-11-25T10:05:00Z"))
        );
        assert_eq!(
            s.next_after(at("2026-11-25T10:05:00Z")),
            Some(at("2026-11-25T10:10:00Z"))
        );
    }

    #[test]
    fn weekday_one_is_monday_and_zero_and_seven_are_sunday() {
        // 2026-11-25 is a Wednesday.
        let mon = Schedule::parse("0 9 * * 1", "").unwrap();
        let n = mon.next_after(at("2026-11-25T12:00:00Z")).unwrap();
        assert_eq!((n.weekday(), n.hour(), n.minute()), (Weekday::Mon, 9, 0));
        assert_eq!(n, Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
        for sun in ["0 9 * * 0", "0 9 * * 7", "0 9 * * SUN"] {
            let n = Schedule::parse(sun, "")
                .unwrap()
                .next_after(at("2026-11-25T12:00:00Z"))
                .unwrap();
            assert_eq!(n.weekday(), Weekday::Sun, "{sun}");
        }
        let wd = Schedule::parse("0 9 * * 1-5", "").unwrap();
        let n = wd.next_after(at("2026-11-27T10:00:00Z")).unwrap(); // Friday after 9
        assert_eq!(n.weekday(), Weekday::Mon);
    }

    #[test]
    fn six_fields_have_seconds_first() {
        let s = Schedule::parse("30 */5 * * * *", "").unwrap();
        assert_eq!(
            s.next_after(at("2026-11-25T10:00:00Z")),
            Some(at("2026-11-25T10:00:30Z"))
        );
        assert_eq!(
            s.next_after(at("2026-11-25T10:00:30Z")),
            Some(at("2026-11-25T10:05:30Z"))
        );
    }

    #[test]
    fn bad_expressions_are_explained() {
        assert!(
            Schedule::parse("61 * * * *", "")
                .unwrap_err()
                .contains("61")
        );
        assert!(
            Schedule::parse("* * *", "")
                .unwrap_err()
                .contains("3 fields")
        );
        assert!(
            Schedule::parse("*/5 * * * *", "Europe/Paris")
                .unwrap_err()
                .contains("UTC")
        );
        assert!(Schedule::parse("@hourly", "UTC").is_ok());
    }
}
