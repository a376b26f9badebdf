//! Doctor's pure side: every check `clawwatch doctor` makes, on a
//! snapshot, its report and the plain [`DoctorInputs`] the shell gathered
//! from the host; the probe's planning and rotation rule; what the agent
//! remembers between cycles; which findings restate the check.

pub mod deploy;
pub mod describe;
pub mod finding;
pub mod findings;
pub mod id;
pub mod inputs;
pub mod memory;
pub mod openclaw;
pub mod outcome;
pub mod probe;
pub mod restates;
pub mod stored;

pub use finding::{Finding, Level};
pub use findings::{Summary, findings, summary, verdict};
pub use id::FindingId;
pub use inputs::{
    AlertChannel, ChannelFile, ChannelKind, ChannelSettings, ClawwatchInputs, DirCheck,
    DoctorInputs, EmailSettings, EmailTls, FileMode, NtfySettings, PortCheck, PortState,
    ShellExport, SmtpProbe, SystemdUnit,
};
pub use memory::{FindingLabels, ProbeMemory, SeenFinding, finding_labels};
pub use outcome::DoctorOutcome;
pub use restates::restates_check;
