//! `doctor --probe`, pure side: which requests to send (the selected
//! credential first, then the gateway's env keys, deduplicated), the
//! gateway's rotation rule (the next key only after a rate-limit answer;
//! any other error stops; when every key fails, the last error is the
//! answer), and what the answers mean. The shell sends the requests.

pub mod answer;
pub mod findings;
pub mod plan;
pub mod rotate;

pub use answer::{Answer, is_rate_limit_message};
pub use findings::findings;
pub use plan::{ProbeTarget, plan};
pub use rotate::{Attempt, KeyLabel, ProbeKey, ProbeResult, rotate};
