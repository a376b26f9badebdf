//! `auth.order` entries (in openclaw.json and in the stores) that name
//! profiles no store holds.

use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::model::{AuthStore, ConfigRead, LocalStore, Snapshot, StoreRead};
use crate::openclaw::paths::display_path;
use std::collections::BTreeSet;
use std::path::Path;

pub fn findings(snap: &Snapshot, out: &mut Vec<Finding>) {
    // A shared store OpenClaw cannot read has its own finding.
    let shared = match &snap.shared_store {
        StoreRead::Failed { .. } => return,
        StoreRead::Loaded { store, path, .. } => Some((store, path.as_path())),
        StoreRead::Empty => None,
    };
    let mut stores: Vec<(Option<&str>, &AuthStore, &Path)> = Vec::new();
    if let Some((s, p)) = shared {
        stores.push((None, s, p));
    }
    for a in &snap.agents {
        if let Some(LocalStore { store: Ok(s), path }) = &a.local_store {
            stores.push((Some(a.id.as_str()), s, path));
        }
    }
    let known = Known(
        stores
            .iter()
            .flat_map(|(_, s, _)| s.profiles().iter().map(|p| p.id.as_str()))
            .collect(),
    );
    config_order(snap, &known, out);
    for (agent, store, path) in stores {
        store_order(snap, &known, agent, store, path, out);
    }
}

/// Every profile id some store holds.
struct Known<'a>(BTreeSet<&'a str>);

impl Known<'_> {
    /// The listed ids (trimmed, blanks skipped) no store holds.
    fn unknown_of(&self, ids: &[String]) -> Vec<String> {
        ids.iter()
            .map(|i| i.trim())
            .filter(|i| !i.is_empty() && !self.0.contains(i))
            .map(str::to_string)
            .collect()
    }
}

fn config_order(snap: &Snapshot, known: &Known<'_>, out: &mut Vec<Finding>) {
    let ConfigRead::Loaded(cfg) = &snap.config else {
        return;
    };
    for (provider, ids) in &cfg.auth_order {
        let unknown = known.unknown_of(ids);
        if unknown.is_empty() {
            continue;
        }
        let all = unknown.len() == ids.iter().filter(|i| !i.trim().is_empty()).count();
        let tail = if all {
            format!(
                "; none of the listed profiles exists, so OpenClaw selects no profile for {provider} and ignores its env keys"
            )
        } else {
            String::new()
        };
        out.push(
            Finding::new(
                FindingId::AuthOrderUnknownProfile,
                Level::Warning,
                format!(
                    "auth.order.{provider} in openclaw.json names {} that no store holds{tail}",
                    unknown.join(", ")
                ),
                format!(
                    "remove them from auth.order.{provider} in openclaw.json, or create them (`openclaw models auth login --provider {provider}`)"
                ),
            )
            .path(display_path(&snap.paths.config_path, &snap.paths.home)),
        );
    }
}

fn store_order(
    snap: &Snapshot,
    known: &Known<'_>,
    agent: Option<&str>,
    store: &AuthStore,
    path: &Path,
    out: &mut Vec<Finding>,
) {
    for (provider, ids) in &store.order {
        let unknown = known.unknown_of(ids);
        if unknown.is_empty() {
            continue;
        }
        let f = Finding::new(
            FindingId::AuthOrderUnknownProfile,
            Level::Warning,
            format!(
                "the stored auth order for {provider} names {} that no store holds (OpenClaw skips them)",
                unknown.join(", ")
            ),
            "run `openclaw doctor --fix` (it cleans up stale auth.order entries)",
        )
        .path(display_path(path, &snap.paths.home));
        out.push(match agent {
            Some(a) => f.agent(a),
            None => f,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::openclaw::testkit::*;
    use crate::model::OpenclawConfig;

    fn with_order(order: &[&str], stored_order: &[&str]) -> Snapshot {
        let mut s = store(snap(), vec![api_key("anthropic:key", "sk-ant-api03-FAKE")]);
        s.config = ConfigRead::Loaded(Box::new(OpenclawConfig {
            auth_order: vec![(
                "anthropic".into(),
                order.iter().map(|s| s.to_string()).collect(),
            )],
            ..Default::default()
        }));
        if let StoreRead::Loaded { store, .. } = &mut s.shared_store {
            store.order = vec![(
                "anthropic".into(),
                stored_order.iter().map(|s| s.to_string()).collect(),
            )];
        }
        s
    }

    /// (config order, stored order) → messages.
    #[test]
    fn orders_table() {
        let cases: [(&[&str], &[&str], &[&str]); 4] = [
            (&["anthropic:key"], &["anthropic:key", " "], &[]),
            (
                &["anthropic:key", " anthropic:gone "],
                &[],
                &["auth.order.anthropic in openclaw.json names anthropic:gone that no store holds"],
            ),
            (
                &["anthropic:gone", ""],
                &[],
                &[
                    "auth.order.anthropic in openclaw.json names anthropic:gone that no store holds; none of the listed profiles exists, so OpenClaw selects no profile for anthropic and ignores its env keys",
                ],
            ),
            (
                &[],
                &["anthropic:old"],
                &[
                    "the stored auth order for anthropic names anthropic:old that no store holds (OpenClaw skips them)",
                ],
            ),
        ];
        for (order, stored, want) in cases {
            let mut out = Vec::new();
            findings(&with_order(order, stored), &mut out);
            let got: Vec<&str> = out.iter().map(|f| f.message.as_str()).collect();
            assert_eq!(got, want, "{order:?} {stored:?}");
        }
    }

    #[test]
    fn a_failed_shared_store_says_nothing_here() {
        let mut s = with_order(&["anthropic:gone"], &[]);
        s.shared_store = StoreRead::Failed {
            path: s.paths.state_db.clone(),
            message: "x".into(),
            cause: crate::model::StoreFailure::StateDbUnopenable,
        };
        let mut out = Vec::new();
        findings(&s, &mut out);
        assert!(out.is_empty());
    }
}
