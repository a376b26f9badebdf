//! Exit codes, mapped in one place.
//!
//! | outcome                  | openclaw | nagios          |
//! |--------------------------|----------|-----------------|
//! | ok                       | 0        | 0 OK            |
//! | expired / missing        | 1        | 2 CRITICAL      |
//! | expiring within window   | 2        | 1 WARNING       |
//! | clawwatch cannot run     | 3        | 3 UNKNOWN       |

use clawwatch_core::model::Verdict;

/// clawwatch's own failure (bad flags, unreadable own config): never 1 or 2.
pub const UNKNOWN: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExitCodes {
    /// 0 ok, 1 expired or missing, 2 expiring (as `openclaw models status --check`)
    #[default]
    Openclaw,
    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios / Icinga plugins)
    Nagios,
}

pub fn code(verdict: Verdict, style: ExitCodes) -> i32 {
    match (style, verdict) {
        (_, Verdict::Ok) => 0,
        (ExitCodes::Openclaw, v) => v.openclaw_code(),
        (ExitCodes::Nagios, Verdict::Expiring) => 1,
        (ExitCodes::Nagios, Verdict::Failing) => 2,
    }
}
