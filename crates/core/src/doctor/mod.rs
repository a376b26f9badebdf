//! Doctor's pure side: findings and what they mean for the alerts.

pub mod finding;
pub mod restates;

pub use finding::{Finding, Level};
pub use restates::restates_check;
