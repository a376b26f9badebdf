//! How findings name routes and providers (shared by the OpenClaw checks
//! and the probe).

use crate::model::{RouteHealth, RouteKind, RouteReport};
use crate::openclaw::providers::auth_key;
use std::collections::BTreeSet;

/// The provider id OpenClaw's auth lookups use.
pub fn pkey(p: &str) -> String {
    auth_key(p).into_owned()
}

fn kind_word(k: RouteKind) -> &'static str {
    match k {
        RouteKind::Text => "text",
        RouteKind::Fallback => "fallback",
        RouteKind::Image => "image",
        RouteKind::Utility => "utility",
    }
}

/// `text anthropic/claude-sonnet-4-6`.
pub fn route_desc(r: &RouteReport) -> String {
    format!("{} {}", kind_word(r.kind), r.model)
}

/// Several routes, each once, in order.
pub fn routes_desc(rs: &[&RouteReport]) -> String {
    let mut seen = BTreeSet::new();
    rs.iter()
        .map(|r| route_desc(r))
        .filter(|d| seen.insert(d.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The route has no usable credential (missing, or nothing configured).
pub fn failing(r: &RouteReport) -> bool {
    matches!(r.health, RouteHealth::Missing | RouteHealth::Indeterminate)
}
