//! Plain data passed between the sources, the pure rules and the outputs:
//! a [`Snapshot`] is everything the sources read; [`crate::evaluate`]
//! turns it into a [`Report`], which every output renders.

mod kinds;
mod policy;
mod report;
mod snapshot;

pub(crate) use kinds::words;
pub use kinds::*;
pub use policy::*;
pub use report::*;
pub use snapshot::*;
