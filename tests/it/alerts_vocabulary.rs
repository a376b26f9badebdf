//! One vocabulary for both alert paths: the Prometheus rules
//! (contrib/prometheus/alerts.yml), the Alertmanager example and clawwatch's
//! planner must use the same alertnames, severities, band bounds, labels and
//! restating findings as crates/core/src/alert/vocabulary.rs says.

use crate::common::{self, D, H, NOW_MS};
use crate::support::{at, home_with_token, report};
use clawwatch_core::alert::vocabulary::{
    self, AlertName, CRITICAL_WITHIN_MS, EXPIRY_BANDS, FIX_ANNOTATION, PROBE_FINDINGS, Paths,
    RESTATING_FINDINGS, WARN_WITHIN_MS,
};
use clawwatch_core::alert::{AlertPolicy, AlertState, plan};
use std::collections::BTreeMap;

fn read(rel: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// One rule of alerts.yml: its name and the text of its block.
fn rules() -> Vec<(String, String)> {
    read("contrib/prometheus/alerts.yml")
        .split("      - alert: ")
        .skip(1)
        .map(|chunk| {
            let (name, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
            (name.trim().to_string(), body.to_string())
        })
        .collect()
}

fn label(body: &str, name: &str) -> Option<String> {
    body.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(|v| v.trim().to_string())
}

#[test]
fn rules_use_the_vocabulary_names_severities_and_labels() {
    let rules = rules();
    assert!(rules.len() >= 9, "{rules:?}");
    let mut seen = BTreeMap::new();
    for (name, body) in &rules {
        let a = AlertName::from_word(name)
            .unwrap_or_else(|| panic!("alerts.yml: {name} is not in the vocabulary"));
        assert_ne!(a.paths(), Paths::Planner, "{name} is planner-only");
        assert_eq!(
            label(body, "severity").as_deref(),
            Some(a.severity().as_str()),
            "{name}: severity differs from the vocabulary"
        );
        assert!(
            body.contains("host: &host") || body.contains("host: *host"),
            "{name}: no host label"
        );
        seen.insert(a, body.clone());
    }
    for a in AlertName::ALL {
        if a.paths() != Paths::Planner {
            assert!(seen.contains_key(&a), "alerts.yml lacks {}", a.as_str());
        }
    }
    // The band bounds.
    let bound = |a: AlertName| seen[&a].clone();
    assert!(
        bound(AlertName::CredentialExpiringSoon)
            .contains(&format!("time() <= {} * 24 * 3600", WARN_WITHIN_MS / D)),
        "ExpiringSoon's bound is not {WARN_WITHIN_MS} ms"
    );
    assert!(
        bound(AlertName::CredentialExpiringCritical)
            .contains(&format!("time() <= {} * 3600", CRITICAL_WITHIN_MS / H)),
        "ExpiringCritical's bound is not {CRITICAL_WITHIN_MS} ms"
    );
    for a in EXPIRY_BANDS {
        assert!(
            bound(a).contains(&format!("{FIX_ANNOTATION}: ")),
            "{}: no fix annotation",
            a.as_str()
        );
    }
    // The doctor rule leaves the restating findings to the credential alerts.
    let doctor = bound(AlertName::DoctorError);
    let ids: Vec<String> = RESTATING_FINDINGS
        .iter()
        .chain(PROBE_FINDINGS.iter())
        .map(|f| f.to_string())
        .collect();
    assert!(
        doctor.contains(&format!("id!~\"{}\"", ids.join("|"))),
        "OpenClawDoctorError does not exclude exactly {ids:?}:\n{doctor}"
    );
}

#[test]
fn alertmanager_example_inhibits_the_lower_bands_and_groups_by_host() {
    let am = read("contrib/alertmanager/alertmanager.yml");
    assert!(am.contains("group_by: [host, agent]"), "{am}");
    assert!(am.contains("send_resolved: true"));
    for (source, targets) in [
        (EXPIRY_BANDS[2], &EXPIRY_BANDS[..2]),
        (EXPIRY_BANDS[1], &EXPIRY_BANDS[..1]),
    ] {
        let names: Vec<&str> = targets.iter().map(|a| a.as_str()).collect();
        let target = if names.len() == 1 {
            format!("alertname=\"{}\"", names[0])
        } else {
            format!("alertname=~\"{}\"", names.join("|"))
        };
        let rule = format!(
            "  - source_matchers: ['alertname=\"{}\"']\n    target_matchers: ['{target}']\n    equal: [host, agent, provider, profile]",
            source.as_str()
        );
        assert!(am.contains(&rule), "no inhibit rule\n{rule}\nin\n{am}");
    }
    for s in ["critical", "warning"] {
        assert!(am.contains(&format!("matchers: ['severity=\"{s}\"']")));
    }
}

/// The planner, on real reports of a token at each band, names the alert as
/// the rules do and gives it the vocabulary's severity.
#[test]
fn planner_and_rules_agree_on_each_band() {
    let policy = AlertPolicy::default();
    let rules: BTreeMap<String, String> = rules().into_iter().collect();
    for (left, want) in [
        (3 * D, AlertName::CredentialExpiringSoon),
        (20 * H, AlertName::CredentialExpiringSoon),
        (H, AlertName::CredentialExpiringCritical),
        (-H, AlertName::CredentialExpiredOrMissing),
    ] {
        let home = home_with_token("anthropic:manual", NOW_MS + left);
        let (notices, _) = plan(
            &report(&home, NOW_MS),
            &AlertState::default(),
            at(NOW_MS),
            &policy,
        );
        assert_eq!(notices.len(), 1, "{left}: {notices:?}");
        let n = &notices[0];
        assert_eq!(vocabulary::alertname(n), want, "{left} ms left");
        assert_eq!(n.severity, want.severity(), "{left} ms left");
        let rule = &rules[want.as_str()];
        assert_eq!(
            label(rule, "severity").as_deref(),
            Some(n.severity.as_str())
        );
    }
    // No credential at all: the agent-level ExpiredOrMissing.
    let home = common::Home::new();
    home.config_anthropic();
    let (notices, _) = plan(
        &report(&home, NOW_MS),
        &AlertState::default(),
        at(NOW_MS),
        &policy,
    );
    let names: Vec<AlertName> = notices.iter().map(vocabulary::alertname).collect();
    assert_eq!(names, vec![AlertName::CredentialExpiredOrMissing]);
}
