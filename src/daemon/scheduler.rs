//! When cycles run: the next fire time of the cron schedule, and never two
//! cycles at once (a tick that finds one running is skipped).

use crate::schedule::Schedule;
use chrono::{DateTime, Utc};

/// A wall clock that moved this much more or less than the monotonic clock
/// over one sleep was set.
pub const CLOCK_JUMP: chrono::TimeDelta = chrono::TimeDelta::seconds(5);

/// What the scheduler decides when its fire time is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// Start a cycle now.
    Fire,
    /// A cycle is still running: skip this tick (counted).
    Skip,
}

/// The pure scheduling state: next fire time and whether a cycle runs.
#[derive(Debug, Clone)]
pub struct Scheduler {
    schedule: Schedule,
    next: Option<DateTime<Utc>>,
    running: bool,
}

impl Scheduler {
    pub fn new(schedule: Schedule, now: DateTime<Utc>) -> Self {
        let next = schedule.next_after(now);
        Scheduler {
            schedule,
            next,
            running: false,
        }
    }

    pub fn next_fire(&self) -> Option<DateTime<Utc>> {
        self.next
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Mark a cycle started outside the schedule (the one at start-up).
    pub fn start_now(&mut self) -> bool {
        if self.running {
            return false;
        }
        self.running = true;
        true
    }

    /// The clock reached the fire time: decide, and move to the next one.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Tick {
        self.next = self.schedule.next_after(now);
        if self.running {
            Tick::Skip
        } else {
            self.running = true;
            Tick::Fire
        }
    }

    pub fn finished(&mut self) {
        self.running = false;
    }

    /// After a sleep that should have ended at `expected` by the wall
    /// clock, the clock reads `now`: when they differ by more than
    /// [`CLOCK_JUMP`] the clock was set (an NTP step, a suspend), and the
    /// next fire time is computed again from `now` — a backward step never
    /// stalls the schedule by its size. True when it jumped.
    pub fn clock_check(&mut self, expected: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        if (now - expected).abs() <= CLOCK_JUMP {
            return false;
        }
        self.next = self.schedule.next_after(now);
        true
    }

    /// A new schedule (config reload): the next fire time follows it.
    pub fn reschedule(&mut self, schedule: Schedule, now: DateTime<Utc>) {
        self.next = schedule.next_after(now);
        self.schedule = schedule;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn ticks_follow_the_schedule_and_never_overlap() {
        let s = Schedule::parse("*/5 * * * *", "").unwrap();
        let mut sch = Scheduler::new(s, at("2026-11-25T10:01:00Z"));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:05:00Z")));
        assert_eq!(sch.tick(at("2026-11-25T10:05:00Z")), Tick::Fire);
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:10:00Z")));
        // The cycle is slow: the next tick is skipped, not run alongside.
        assert_eq!(sch.tick(at("2026-11-25T10:10:00Z")), Tick::Skip);
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:15:00Z")));
        sch.finished();
        assert_eq!(sch.tick(at("2026-11-25T10:15:00Z")), Tick::Fire);
        assert!(!sch.start_now(), "no manual cycle while one runs");
    }

    #[test]
    fn six_field_and_weekday_schedules() {
        let s = Schedule::parse("*/20 * * * * *", "").unwrap();
        let mut sch = Scheduler::new(s, at("2026-11-25T10:00:05Z"));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:00:20Z")));
        sch.tick(at("2026-11-25T10:00:20Z"));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:00:40Z")));
        // Mondays 09:00 from a Wednesday.
        let mon = Schedule::parse("0 9 * * 1", "").unwrap();
        let sch = Scheduler::new(mon, at("2026-11-25T10:00:00Z"));
        assert_eq!(sch.next_fire(), Some(at("2026-11-30T09:00:00Z")));
    }

    #[test]
    fn finding_05_a_clock_step_recomputes_the_next_fire() {
        let s = Schedule::parse("* * * * *", "").unwrap();
        let mut sch = Scheduler::new(s, at("2026-11-25T10:03:30Z"));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:04:00Z")));
        // A 90 s backward step during a 10 s sleep: the next fire follows
        // the new clock instead of waiting 90 s more.
        assert!(sch.clock_check(at("2026-11-25T10:03:40Z"), at("2026-11-25T10:02:10Z")));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:03:00Z")));
        // A forward step: the next fire is the next one after the new time.
        assert!(sch.clock_check(at("2026-11-25T10:02:20Z"), at("2026-11-25T11:30:05Z")));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T11:31:00Z")));
        // Ordinary timer slack is no jump.
        assert!(!sch.clock_check(at("2026-11-25T11:30:10Z"), at("2026-11-25T11:30:11Z")));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T11:31:00Z")));
    }

    #[test]
    fn reschedule_moves_the_next_fire() {
        let mut sch = Scheduler::new(
            Schedule::parse("0 * * * *", "").unwrap(),
            at("2026-11-25T10:01:00Z"),
        );
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T11:00:00Z")));
        sch.reschedule(
            Schedule::parse("*/5 * * * *", "").unwrap(),
            at("2026-11-25T10:01:00Z"),
        );
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:05:00Z")));
    }
}
