//! Every finding for a snapshot, its report and what the shell gathered;
//! their summary and the verdict doctor's exit code follows.

use super::deploy;
use super::finding::{Finding, Level};
use super::inputs::DoctorInputs;
use super::openclaw;
use super::probe;
use crate::model::{Report, Snapshot, Verdict};
use serde::Serialize;

/// Every finding, most severe first (stable within a severity).
pub fn findings(snap: &Snapshot, report: &Report, inputs: &DoctorInputs) -> Vec<Finding> {
    let mut out = openclaw::findings(snap, report, inputs);
    out.extend(deploy::findings(&inputs.clawwatch, &snap.paths.home));
    if let Some(results) = &inputs.probes {
        out.extend(probe::findings(results, report.now_ms));
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

pub fn summary(findings: &[Finding]) -> Summary {
    let mut s = Summary::default();
    for f in findings {
        match f.severity {
            Level::Error => s.error += 1,
            Level::Warning => s.warning += 1,
            Level::Info => s.info += 1,
        }
    }
    s
}

/// The verdict doctor's exit code follows: any error → failing (1), only
/// warnings → expiring (2), else ok (0).
pub fn verdict(findings: &[Finding]) -> Verdict {
    match findings.iter().map(|f| f.severity).max() {
        Some(Level::Error) => Verdict::Failing,
        Some(Level::Warning) => Verdict::Expiring,
        _ => Verdict::Ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::id::FindingId;

    fn f(s: Level) -> Finding {
        Finding::new(FindingId::ConfigMissing, s, "m", "f")
    }

    #[test]
    fn exit_verdict_follows_the_worst_severity() {
        assert_eq!(verdict(&[]), Verdict::Ok);
        assert_eq!(verdict(&[f(Level::Info)]), Verdict::Ok);
        assert_eq!(
            verdict(&[f(Level::Info), f(Level::Warning)]),
            Verdict::Expiring
        );
        assert_eq!(
            verdict(&[f(Level::Warning), f(Level::Error)]),
            Verdict::Failing
        );
    }

    #[test]
    fn summary_counts_each_severity() {
        let all = [f(Level::Info), f(Level::Error), f(Level::Info)];
        assert_eq!(
            summary(&all),
            Summary {
                error: 1,
                warning: 0,
                info: 2
            }
        );
    }

    #[test]
    fn findings_are_sorted_most_severe_first_and_stable() {
        let snap = Snapshot::default();
        let report = crate::evaluate(&snap, 0, &Default::default());
        let inputs = DoctorInputs::default();
        let found = findings(&snap, &report, &inputs);
        let sev: Vec<Level> = found.iter().map(|f| f.severity).collect();
        let mut sorted = sev.clone();
        sorted.sort_by_key(|s| std::cmp::Reverse(*s));
        assert_eq!(sev, sorted);
        // No state dir: the first thing said about an empty machine.
        assert!(found.iter().any(|f| f.id == FindingId::StateDirMissing));
    }
}
