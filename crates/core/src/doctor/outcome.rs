//! What doctor found in one agent cycle (for the metrics and the alerts).

use super::finding::Finding;
use super::memory::{FindingLabels, ProbeMemory};

#[derive(Debug, Clone, Default)]
pub struct DoctorOutcome {
    /// Most severe first.
    pub findings: Vec<Finding>,
    /// `clawwatch doctor`'s exit code for these findings (0, 1, 2).
    pub status: i32,
    /// The probe in effect (the last one, maybe from an earlier cycle).
    pub probe: Option<ProbeMemory>,
    /// Labels of findings earlier cycles saw that are gone now.
    pub gone: Vec<FindingLabels>,
}
