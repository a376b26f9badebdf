//! Cron schedules with crontab semantics (croner): standard 5-field
//! (`0 9 * * 1` = Mondays 09:00, 0 and 7 = Sunday, day-of-month OR
//! day-of-week as vixie cron), 6-field with seconds first, `@hourly` & co.
//! Evaluated in UTC, or in an IANA time zone (`[check] timezone`), with its
//! daylight-saving changes. The zone database is compiled in (chrono-tz), so
//! it works where /usr/share/zoneinfo is missing (Termux, minimal images).
//! Pure once parsed: the caller passes the instant.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::str::FromStr;

#[derive(Debug, Clone)]
pub struct Schedule {
    cron: croner::Cron,
    text: String,
    zone: Tz,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.zone == other.zone
    }
}

/// The zone a `timezone` setting names: "" or UTC, an IANA name, or
/// "local": `TZ` when it holds an IANA name, else the system's zone.
pub fn zone(setting: &str) -> Result<Tz, String> {
    let name = setting.trim();
    if name.is_empty() || name.eq_ignore_ascii_case("utc") {
        return Ok(chrono_tz::UTC);
    }
    if name.eq_ignore_ascii_case("local") {
        let from_env = std::env::var("TZ")
            .ok()
            .map(|v| v.trim_start_matches(':').to_string())
            .filter(|v| !v.is_empty());
        let local = match from_env {
            Some(v) => v,
            None => iana_time_zone::get_timezone().map_err(|e| {
                format!("\"local\": cannot tell this system's time zone ({e}); name it, like \"Europe/Berlin\"")
            })?,
        };
        return Tz::from_str(&local).map_err(|_| {
            format!("\"local\" is {local:?} (from TZ or the system), which is not an IANA time zone name; name the zone, like \"Europe/Berlin\"")
        });
    }
    Tz::from_str(name).map_err(|_| {
        format!("{name:?} is not an IANA time zone name (like \"Europe/Berlin\", \"America/New_York\" or \"UTC\"; \"local\" for this system's)")
    })
}

impl Schedule {
    pub fn parse(expr: &str, timezone: &str) -> Result<Self, String> {
        let zone = zone(timezone)?;
        let text = expr.split_whitespace().collect::<Vec<_>>().join(" ");
        let fields = text.split(' ').count();
        if !text.starts_with('@') && !(5..=7).contains(&fields) {
            return Err(format!(
                "{expr:?} has {fields} fields; use 5 (min hour day month weekday) or 6 (with seconds first)"
            ));
        }
        let cron = croner::Cron::from_str(&text).map_err(|e| format!("{expr:?}: {e}"))?;
        Ok(Schedule { cron, text, zone })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The zone the schedule's hours are in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The first fire time strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = t.with_timezone(&self.zone);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|n| n.with_timezone(&Utc))
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
        let err = Schedule::parse("*/5 * * * *", "Europe/Pari").unwrap_err();
        assert!(err.contains("\"Europe/Pari\" is not an IANA"), "{err}");
        assert!(Schedule::parse("@hourly", "UTC").is_ok());
        assert!(Schedule::parse("@hourly", "Etc/UTC").is_ok());
    }

    #[test]
    fn hours_in_a_zone_follow_its_daylight_saving() {
        let nine = Schedule::parse("0 9 * * *", "Europe/Berlin").unwrap();
        // CET (UTC+1) in winter, CEST (UTC+2) in summer.
        assert_eq!(
            nine.next_after(at("2026-11-25T12:00:00Z")),
            Some(at("2026-11-26T08:00:00Z"))
        );
        assert_eq!(
            nine.next_after(at("2026-07-01T12:00:00Z")),
            Some(at("2026-07-02T07:00:00Z"))
        );
        // The day the clocks go forward (2026-03-29, 02:00 -> 03:00) and back
        // (2026-10-25, 03:00 -> 02:00): still once a day at 09:00 local.
        assert_eq!(
            nine.next_after(at("2026-03-28T12:00:00Z")),
            Some(at("2026-03-29T07:00:00Z"))
        );
        assert_eq!(
            nine.next_after(at("2026-10-24T12:00:00Z")),
            Some(at("2026-10-25T08:00:00Z"))
        );
        // Every 5 minutes keeps a 5-minute rhythm in UTC across both changes.
        let five = Schedule::parse("*/5 * * * *", "Europe/Berlin").unwrap();
        for t in ["2026-03-29T00:58:00Z", "2026-10-25T00:58:00Z"] {
            let a = five.next_after(at(t)).unwrap();
            let b = five.next_after(a).unwrap();
            assert_eq!((b - a).num_minutes(), 5, "after {t}");
        }
        // A time that does not exist that day (02:30 on 2026-03-29) is not
        // skipped for the whole day.
        let gap = Schedule::parse("30 2 * * *", "Europe/Berlin").unwrap();
        let n = gap.next_after(at("2026-03-28T12:00:00Z")).unwrap();
        assert!(n < at("2026-03-29T12:00:00Z"), "{n}");
        assert_ne!(nine, Schedule::parse("0 9 * * *", "").unwrap());
    }
}
