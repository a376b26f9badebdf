//! What the agent remembers between doctor cycles (the shell keeps it in
//! `probe-state.json`): the last probe's time and answers, and which
//! findings earlier cycles saw, so a finding fixed since is exported at 0
//! until a week after it was last seen.

use super::finding::Finding;
use super::probe::ProbeResult;
use serde::{Deserialize, Serialize};

/// Version of the probe state file.
pub const PROBE_STATE_VERSION: u32 = 1;

/// How long a fixed finding is still exported at 0.
const SEEN_RETENTION_MS: i64 = 7 * 24 * 3_600_000;
/// A finding still present refreshes its last-seen time at most this often,
/// so the state file is not rewritten every cycle.
const SEEN_REFRESH_MS: i64 = 24 * 3_600_000;

/// A finding's metric labels: agent ("" for none), id, severity.
pub type FindingLabels = [String; 3];

/// The last probe: when, and what the providers answered; and the findings
/// earlier cycles saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeMemory {
    pub version: u32,
    pub last_probe_ms: Option<i64>,
    pub results: Vec<ProbeResult>,
    /// Absent from files written before it existed.
    #[serde(default)]
    pub findings_seen: Vec<SeenFinding>,
}

/// A finding's labels and when a cycle last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenFinding {
    pub labels: FindingLabels,
    pub last_seen_ms: i64,
}

/// A finding's metric labels.
pub fn finding_labels(f: &Finding) -> FindingLabels {
    [
        f.agent.clone().unwrap_or_default(),
        f.id.to_string(),
        f.severity.as_str().to_string(),
    ]
}

impl ProbeMemory {
    /// Note the findings of a cycle at `now_ms`: returns the labels seen by
    /// earlier cycles (within the retention) that are gone now, and whether
    /// the memory changed (a new finding, one forgotten, a daily refresh).
    pub fn note_findings(
        &mut self,
        current: &[FindingLabels],
        now_ms: i64,
    ) -> (Vec<FindingLabels>, bool) {
        let before = self.findings_seen.len();
        self.findings_seen.retain(|s| {
            current.contains(&s.labels)
                || (now_ms - s.last_seen_ms < SEEN_RETENTION_MS && s.last_seen_ms <= now_ms)
        });
        let mut changed = self.findings_seen.len() != before;
        for labels in current {
            changed |= self.saw(labels, now_ms);
        }
        let gone = self
            .findings_seen
            .iter()
            .filter(|s| !current.contains(&s.labels))
            .map(|s| s.labels.clone())
            .collect();
        (gone, changed)
    }

    /// Record one current finding; true when the memory changed.
    fn saw(&mut self, labels: &FindingLabels, now_ms: i64) -> bool {
        match self.findings_seen.iter_mut().find(|s| &s.labels == labels) {
            Some(s) if now_ms - s.last_seen_ms >= SEEN_REFRESH_MS || s.last_seen_ms > now_ms => {
                s.last_seen_ms = now_ms;
                true
            }
            Some(_) => false,
            None => {
                self.findings_seen.push(SeenFinding {
                    labels: labels.clone(),
                    last_seen_ms: now_ms,
                });
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_600_800_000; // 2026-11-25T10:00:00Z

    #[test]
    fn findings_seen_are_remembered_for_a_week_and_written_rarely() {
        let l = |id: &str| [String::new(), id.to_string(), "warning".to_string()];
        let day = 24 * 3_600_000;
        let mut m = ProbeMemory::default();
        let t0 = T0;
        assert_eq!(m.note_findings(&[l("a"), l("b")], t0), (vec![], true));
        // Same findings an hour later: nothing to write.
        assert_eq!(
            m.note_findings(&[l("a"), l("b")], t0 + day / 24),
            (vec![], false)
        );
        // b is fixed: exported at 0, nothing new to write.
        assert_eq!(
            m.note_findings(&[l("a")], t0 + 2 * day / 24),
            (vec![l("b")], false)
        );
        // a still there a day later: its last-seen time is refreshed once.
        assert_eq!(
            m.note_findings(&[l("a")], t0 + day + 1),
            (vec![l("b")], true)
        );
        assert_eq!(
            m.note_findings(&[l("a")], t0 + day + 2),
            (vec![l("b")], false)
        );
        // A week after b was last seen it is forgotten.
        assert_eq!(m.note_findings(&[l("a")], t0 + 7 * day), (vec![], true));
        assert_eq!(m.findings_seen.len(), 1);
        // It comes back: remembered again.
        assert_eq!(
            m.note_findings(&[l("a"), l("b")], t0 + 8 * day),
            (vec![], true)
        );
    }

    #[test]
    fn the_clock_going_back_refreshes() {
        let l = [String::new(), "x".to_string(), "error".to_string()];
        let mut m = ProbeMemory::default();
        assert!(m.note_findings(std::slice::from_ref(&l), T0).1);
        assert!(m.note_findings(std::slice::from_ref(&l), T0 - 1).1);
        assert_eq!(m.findings_seen[0].last_seen_ms, T0 - 1);
    }

    #[test]
    fn files_without_findings_seen_still_load() {
        let m: ProbeMemory =
            serde_json::from_str(r#"{"version":1,"last_probe_ms":null,"results":[]}"#).unwrap();
        assert_eq!(
            m,
            ProbeMemory {
                version: 1,
                ..Default::default()
            }
        );
    }
}
