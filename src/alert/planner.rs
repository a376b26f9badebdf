//! The pure alert planner:
//! `plan(&Report, &AlertState, now, &AlertPolicy) -> (Vec<Notification>, AlertState)`.
//!
//! Per alert key (agent, provider, profile, condition): inactive → firing
//! (rank, severity) → resolved. No clock, filesystem or network here; the
//! [`super::Alerter`] loads the state, calls `plan`, delivers the outbox and
//! saves the state.
//!
//! Rules:
//! - conditions come from the report's credentials that a route uses
//!   (`in_use`), from problems of routes with nothing usable, and from what
//!   cannot be read (an agent OpenClaw cannot report on, a source clawwatch
//!   cannot read: "the monitor is blind");
//! - expiry ranks: each threshold crossed (7d, 24h, 2h by default) is one
//!   rank (warning), expired is the last (critical); missing, unusable
//!   routes and blind agents are critical, unreadable sources warnings;
//! - a higher rank than notified always notifies at once (escalation is
//!   never held back by an earlier notice); a critical alert re-notifies
//!   after `repeat_every` ("still expired since …"), a warning is reminded
//!   by the next threshold instead; an improvement lowers the notified rank
//!   silently, so a later crossing notifies again, and an improvement from
//!   critical to warning (a renewed credential that still expires within
//!   the first threshold) sends one resolved notice for the critical one;
//! - an alert that vanishes while its agent or its source cannot be read is
//!   kept as it was, never resolved (nor turned into "missing");
//! - resolved notices (with `send_resolved`) go to the channels that were
//!   told it fired; at most one resolved notice per key per `repeat_every`:
//!   a flapping alert that resolves again inside that window is resolved
//!   silently until the window ends, and one that fires again while people
//!   still believe it fires is not re-announced;
//! - each notice goes to the outbox for every channel whose `min_severity`
//!   it meets; a newer notice for a key supersedes older undelivered ones.

use super::config::AlertConfig;
use super::state::{ALL_CHANNELS, AlertRecord, AlertState, OutboxEntry, Pending};
use super::types::{AlertKey, NoticeKind, Notification, Severity};
use chrono::{DateTime, Utc};
use clawwatch_core::model::{
    CredState, CredentialReport, ProblemKind, ReadReason, Report, SourceName,
};
use std::collections::{BTreeMap, BTreeSet};

const H: i64 = 3_600_000;

#[derive(Debug, Clone, PartialEq)]
pub struct ChannelPolicy {
    pub name: String,
    pub min_severity: Severity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertPolicy {
    /// Descending, unique, positive (milliseconds).
    pub thresholds_ms: Vec<i64>,
    pub repeat_every_ms: i64,
    pub send_resolved: bool,
    pub channels: Vec<ChannelPolicy>,
    /// A notice no channel accepted within this time is dropped (logged).
    pub max_pending_ms: i64,
    /// Doctor findings of this severity or worse are alerts (None: off).
    pub doctor_min: Option<clawwatch_core::doctor::Level>,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            thresholds_ms: vec![7 * 24 * H, 24 * H, 2 * H],
            repeat_every_ms: 12 * H,
            send_resolved: true,
            channels: vec![],
            max_pending_ms: 24 * H,
            doctor_min: Some(clawwatch_core::doctor::Level::Error),
        }
    }
}

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl AlertPolicy {
    pub fn from_config(cfg: &AlertConfig) -> Result<AlertPolicy, String> {
        super::config::validate(cfg)?;
        let parse = |s: &str| clawwatch_core::timefmt::parse_duration(s).map(ms);
        let mut thresholds: Vec<i64> = cfg
            .thresholds
            .iter()
            .map(|t| parse(t))
            .collect::<Result<_, _>>()?;
        thresholds.sort_unstable_by(|a, b| b.cmp(a));
        thresholds.dedup();
        Ok(AlertPolicy {
            thresholds_ms: thresholds,
            repeat_every_ms: parse(&cfg.repeat_every)?,
            send_resolved: cfg.send_resolved,
            channels: super::config::channel_names(cfg)
                .into_iter()
                .map(|(name, min_severity)| ChannelPolicy { name, min_severity })
                .collect(),
            max_pending_ms: 24 * H,
            doctor_min: cfg.doctor.min_severity(),
        })
    }

    /// The rank of the expired state (one past the last threshold).
    pub fn expired_rank(&self) -> u32 {
        self.thresholds_ms.len() as u32 + 1
    }

    /// (rank, crossed threshold) for a remaining time; rank 0 = no threshold.
    pub fn expiry_rank(&self, remaining_ms: i64) -> (u32, Option<i64>) {
        if remaining_ms <= 0 {
            return (self.expired_rank(), None);
        }
        let crossed = self
            .thresholds_ms
            .iter()
            .filter(|t| remaining_ms <= **t)
            .count();
        if crossed == 0 {
            (0, None)
        } else {
            (crossed as u32, Some(self.thresholds_ms[crossed - 1]))
        }
    }
}

// ------------------------------------------------------------ observation

/// One condition seen in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub key: AlertKey,
    pub rank: u32,
    pub severity: Severity,
    pub state: String,
    pub cred_type: String,
    pub source: String,
    pub expires_at_ms: Option<i64>,
    pub threshold_ms: Option<i64>,
    pub message: String,
    pub fix: String,
}

/// What a report says, as alert conditions.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub firing: BTreeMap<AlertKey, Observed>,
    /// Agents OpenClaw cannot report on: their alerts are kept as they were.
    pub blind_agents: BTreeSet<String>,
    /// (agent, profile) of every credential the report shows → (state,
    /// expiry), to say how a resolved alert looks now.
    pub visible: BTreeMap<(String, String), (CredState, Option<i64>)>,
    /// Some source could not be read: an alert whose credential is no
    /// longer visible is kept, not resolved.
    pub partial: bool,
}

fn fix_for_credential(c: &CredentialReport) -> String {
    let env_var = (!c.source.is_store()).then_some(c.profile.as_str());
    clawwatch_core::remedy::fix_for(&c.provider, Some(c.cred_type), env_var)
}

/// Turn a report into alert conditions.
pub fn observe(report: &Report, policy: &AlertPolicy) -> Observation {
    let mut obs = Observation {
        partial: !report.read_problems.is_empty(),
        ..Default::default()
    };
    let now = report.now_ms;
    for c in report
        .agents
        .iter()
        .flat_map(|a| a.credentials.iter())
        .chain(report.external.iter())
    {
        obs.visible.insert(
            (c.agent.clone(), c.profile.clone()),
            (c.state, c.expires_at_ms),
        );
    }
    // A config or store that cannot be read at all makes agents fail
    // (OpenClaw refuses them too): their "blind" alerts say it; a second
    // alert for the same file would only repeat it.
    let any_blind = report.agents.iter().any(|a| a.failure.is_some());
    for p in &report.read_problems {
        if any_blind
            && matches!(
                p.source,
                SourceName::OpenclawConfig | SourceName::SqliteStore
            )
            && matches!(p.reason, ReadReason::Invalid | ReadReason::Unreadable)
        {
            continue;
        }
        let key = AlertKey {
            agent: String::new(),
            provider: String::new(),
            profile: p.path.clone().unwrap_or_default(),
            condition: format!("unreadable:{}", p.source),
        };
        obs.firing.insert(
            key.clone(),
            Observed {
                key,
                rank: 1,
                severity: Severity::Warning,
                state: "unreadable".into(),
                cred_type: String::new(),
                source: p.source.to_string(),
                expires_at_ms: None,
                threshold_ms: None,
                message: format!(
                    "clawwatch cannot read {} ({}): {}; what it holds is not watched",
                    p.path.as_deref().unwrap_or(p.source.as_str()),
                    p.reason,
                    p.message
                ),
                fix: "fix or remove the file (`clawwatch status` and `clawwatch doctor` show details)"
                    .into(),
            },
        );
    }
    for a in &report.agents {
        if let Some(failure) = &a.failure {
            obs.blind_agents.insert(a.agent.clone());
            let fix = a
                .problems
                .iter()
                .find(|p| p.kind == ProblemKind::CommandFailed)
                .map(|p| p.fix.clone())
                .unwrap_or_else(|| "run `openclaw doctor`".into());
            let key = AlertKey {
                agent: a.agent.clone(),
                provider: String::new(),
                profile: String::new(),
                condition: "blind".into(),
            };
            obs.firing.insert(
                key.clone(),
                Observed {
                    key,
                    rank: 1,
                    severity: Severity::Critical,
                    state: "blind".into(),
                    cred_type: String::new(),
                    source: String::new(),
                    expires_at_ms: None,
                    threshold_ms: None,
                    message: format!(
                        "agent {} cannot be checked: {failure} (OpenClaw fails the same way)",
                        a.agent
                    ),
                    fix,
                },
            );
            continue;
        }
        // Credentials a route uses.
        let mut covered: BTreeSet<&str> = BTreeSet::new();
        for c in a.credentials.iter().filter(|c| c.in_use && c.counted) {
            let base = |condition: &str,
                        rank: u32,
                        severity: Severity,
                        state: &str,
                        threshold_ms: Option<i64>,
                        message: String| Observed {
                key: AlertKey {
                    agent: a.agent.clone(),
                    provider: c.provider.clone(),
                    profile: c.profile.clone(),
                    condition: condition.into(),
                },
                rank,
                severity,
                state: state.into(),
                cred_type: c.cred_type.to_string(),
                source: c.source.to_string(),
                expires_at_ms: c.expires_at_ms,
                threshold_ms,
                message,
                fix: fix_for_credential(c),
            };
            let o = match (c.state, c.expires_at_ms) {
                (CredState::Expired, at) => Some(base(
                    "expiry",
                    policy.expired_rank(),
                    Severity::Critical,
                    "expired",
                    None,
                    match at {
                        Some(at) => format!(
                            "{} expired at {}",
                            c.profile,
                            clawwatch_core::timefmt::iso(at)
                        ),
                        None => format!("{} has expired", c.profile),
                    },
                )),
                (CredState::Missing, _) => Some(base(
                    "missing",
                    1,
                    Severity::Critical,
                    "missing",
                    None,
                    format!(
                        "{} cannot be used ({})",
                        c.profile,
                        c.reason.as_deref().unwrap_or("missing")
                    ),
                )),
                (_, Some(at)) => {
                    let (rank, threshold) = policy.expiry_rank(at - now);
                    (rank > 0).then(|| {
                        if rank == policy.expired_rank() {
                            base(
                                "expiry",
                                rank,
                                Severity::Critical,
                                "expired",
                                None,
                                format!(
                                    "{} expired at {}",
                                    c.profile,
                                    clawwatch_core::timefmt::iso(at)
                                ),
                            )
                        } else {
                            base(
                                "expiry",
                                rank,
                                Severity::Warning,
                                "expiring",
                                threshold,
                                format!(
                                    "{} expires at {}",
                                    c.profile,
                                    clawwatch_core::timefmt::iso(at)
                                ),
                            )
                        }
                    })
                }
                _ => None,
            };
            if let Some(o) = o {
                covered.insert(c.profile.as_str());
                obs.firing.insert(o.key.clone(), o);
            }
        }
        // Routes with nothing usable (no credential, an expired one no
        // route selects, a runtime that is not there).
        for p in &a.problems {
            if matches!(
                p.kind,
                ProblemKind::CommandFailed | ProblemKind::Cooldown | ProblemKind::Expiring
            ) {
                continue;
            }
            if p.profile.as_deref().is_some_and(|id| covered.contains(id)) {
                continue;
            }
            let cred = p
                .profile
                .as_deref()
                .and_then(|id| a.credentials.iter().find(|c| c.profile == id));
            let (condition, rank, state) = if p.kind == ProblemKind::Expired {
                ("expiry", policy.expired_rank(), "expired")
            } else {
                (p.kind.as_str(), 1, "missing")
            };
            let key = AlertKey {
                agent: a.agent.clone(),
                provider: cred
                    .map(|c| c.provider.clone())
                    .or_else(|| p.provider.clone())
                    .unwrap_or_default(),
                profile: p.profile.clone().unwrap_or_default(),
                condition: condition.into(),
            };
            if obs.firing.contains_key(&key) {
                continue;
            }
            obs.firing.insert(
                key.clone(),
                Observed {
                    key,
                    rank,
                    severity: Severity::Critical,
                    state: state.into(),
                    cred_type: cred.map(|c| c.cred_type.to_string()).unwrap_or_default(),
                    source: cred.map(|c| c.source.to_string()).unwrap_or_default(),
                    expires_at_ms: cred.and_then(|c| c.expires_at_ms),
                    threshold_ms: None,
                    message: match (p.kind.as_str(), cred.and_then(|c| c.expires_at_ms)) {
                        ("expired", Some(at)) => format!(
                            "{} expired at {}; no configured route can use it",
                            p.profile.as_deref().unwrap_or_default(),
                            clawwatch_core::timefmt::iso(at)
                        ),
                        _ => p.message.clone(),
                    },
                    fix: p.fix.clone(),
                },
            );
        }
    }
    obs
}

/// Add doctor findings to an observation: one alert per (agent, finding
/// id), condition `doctor:<id>`, for findings of `policy.doctor_min` or
/// worse that do not merely restate a credential alert. Errors are
/// critical, warnings warnings; several findings with one id are one alert.
pub fn observe_findings(
    obs: &mut Observation,
    findings: &[clawwatch_core::doctor::Finding],
    report: &Report,
    policy: &AlertPolicy,
) {
    use clawwatch_core::doctor::Level as D;
    let Some(min) = policy.doctor_min else {
        return;
    };
    let mut grouped: BTreeMap<AlertKey, Vec<&clawwatch_core::doctor::Finding>> = BTreeMap::new();
    for f in findings {
        if f.severity < min
            || f.severity == D::Info
            || clawwatch_core::doctor::restates_check(f, report)
        {
            continue;
        }
        let key = AlertKey {
            agent: f.agent.clone().unwrap_or_default(),
            provider: String::new(),
            profile: String::new(),
            condition: format!("doctor:{}", f.id),
        };
        grouped.entry(key).or_default().push(f);
    }
    for (key, fs) in grouped {
        let worst = fs.iter().map(|f| f.severity).max().unwrap_or(D::Warning);
        let first = fs.iter().find(|f| f.severity == worst).unwrap_or(&fs[0]);
        let mut message = first.message.clone();
        if fs.len() > 1 {
            message.push_str(&format!(" (and {} more like it)", fs.len() - 1));
        }
        let (rank, severity) = match worst {
            D::Error => (2, Severity::Critical),
            _ => (1, Severity::Warning),
        };
        obs.firing.insert(
            key.clone(),
            Observed {
                key,
                rank,
                severity,
                state: "doctor".into(),
                cred_type: String::new(),
                source: first.path.clone().unwrap_or_default(),
                expires_at_ms: None,
                threshold_ms: None,
                message,
                fix: first.fix.clone(),
            },
        );
    }
}

// ------------------------------------------------------------ planning

struct Planner<'a> {
    policy: &'a AlertPolicy,
    now: i64,
    state: AlertState,
    out: Vec<Notification>,
}

impl Planner<'_> {
    /// Plan one notice for `key`. `downgrade`: a resolved notice for the
    /// severity people were told, while the key goes on firing lower.
    fn notice(&mut self, key: &AlertKey, kind: NoticeKind, downgrade: bool) {
        let Some(rec) = self.state.alerts.get_mut(key) else {
            return;
        };
        let mut n = rec.current.clone();
        n.id = self.state.next_id;
        self.state.next_id += 1;
        n.kind = kind;
        n.planned_at_ms = self.now;
        if kind.is_firing() {
            n.previous_severity = rec.notified_severity.filter(|p| *p != n.severity);
            rec.believed_firing = true;
            rec.last_firing_notice_ms = Some(self.now);
            rec.notified_rank = rec.rank;
            rec.notified_severity = Some(rec.severity);
        } else {
            n.severity = rec.notified_severity.unwrap_or(rec.severity);
            n.previous_severity = None;
            rec.last_resolved_notice_ms = Some(self.now);
            if downgrade {
                // Told "critical", now only a warning: resolve the critical
                // notice; the key goes on firing at its new rank.
                rec.believed_firing = true;
                rec.last_firing_notice_ms = Some(self.now);
                rec.notified_rank = rec.rank;
                rec.notified_severity = Some(rec.severity);
            } else {
                rec.believed_firing = false;
                rec.notified_rank = 0;
                rec.notified_severity = None;
                n.state = "ok".into();
            }
        }
        // Who gets it.
        let all = rec.delivered.contains(ALL_CHANNELS);
        let targets: Vec<String> = self
            .policy
            .channels
            .iter()
            .filter(|c| {
                if kind.is_firing() {
                    c.min_severity <= n.severity
                } else {
                    rec.delivered.contains(&c.name) || (all && c.min_severity <= n.severity)
                }
            })
            .map(|c| c.name.clone())
            .collect();
        if all {
            // Expand the migration marker into real names.
            rec.delivered.remove(ALL_CHANNELS);
            for c in &self.policy.channels {
                if c.min_severity <= n.severity {
                    rec.delivered.insert(c.name.clone());
                }
            }
        }
        // A newer notice supersedes older undelivered ones for this key.
        for e in self
            .state
            .outbox
            .iter_mut()
            .filter(|e| &e.notice.key == key)
        {
            e.pending.clear();
        }
        self.state.outbox.retain(|e| !e.pending.is_empty());
        if !targets.is_empty() {
            self.state.outbox.push(OutboxEntry {
                notice: n.clone(),
                pending: targets
                    .into_iter()
                    .map(|t| (t, Pending::default()))
                    .collect(),
            });
        }
        self.out.push(n);
    }
}

fn details(o: &Observed, since_ms: i64, prev: Option<&Notification>) -> Notification {
    Notification {
        id: prev.map(|p| p.id).unwrap_or(0),
        key: o.key.clone(),
        kind: NoticeKind::Firing,
        severity: o.severity,
        previous_severity: None,
        state: o.state.clone(),
        cred_type: o.cred_type.clone(),
        source: o.source.clone(),
        expires_at_ms: o.expires_at_ms,
        threshold_ms: o.threshold_ms,
        since_ms,
        planned_at_ms: prev.map(|p| p.planned_at_ms).unwrap_or(0),
        message: o.message.clone(),
        fix: o.fix.clone(),
    }
}

/// Plan this cycle's notices. Pure: the same inputs give the same outputs.
pub fn plan(
    report: &Report,
    state: &AlertState,
    now: DateTime<Utc>,
    policy: &AlertPolicy,
) -> (Vec<Notification>, AlertState) {
    let obs = observe(report, policy);
    plan_observed(&obs, state, now, policy)
}

/// [`plan`] from an [`Observation`] (for callers that built one).
pub fn plan_observed(
    obs: &Observation,
    state: &AlertState,
    now: DateTime<Utc>,
    policy: &AlertPolicy,
) -> (Vec<Notification>, AlertState) {
    let now = now.timestamp_millis();
    let mut p = Planner {
        policy,
        now,
        state: state.clone(),
        out: vec![],
    };
    let repeat_due = |last: Option<i64>| last.is_none_or(|t| now - t >= policy.repeat_every_ms);

    // Firing conditions, critical first.
    let mut firing: Vec<(&AlertKey, &Observed)> = obs.firing.iter().collect();
    firing.sort_by_key(|(k, o)| (std::cmp::Reverse(o.severity), (*k).clone()));
    for (key, o) in firing {
        let action = match p.state.alerts.get_mut(key) {
            None => {
                p.state.alerts.insert(
                    key.clone(),
                    AlertRecord {
                        firing: true,
                        rank: o.rank,
                        severity: o.severity,
                        since_ms: now,
                        resolved_at_ms: None,
                        notified_rank: 0,
                        notified_severity: None,
                        believed_firing: false,
                        last_firing_notice_ms: None,
                        last_resolved_notice_ms: None,
                        delivered: BTreeSet::new(),
                        current: details(o, now, None),
                    },
                );
                Some((NoticeKind::Firing, false))
            }
            Some(rec) => {
                if !rec.firing {
                    // Fires again: a new incident.
                    rec.firing = true;
                    rec.since_ms = now;
                    rec.resolved_at_ms = None;
                }
                rec.rank = o.rank;
                rec.severity = o.severity;
                rec.current = details(o, rec.since_ms, Some(&rec.current));
                if !rec.believed_firing {
                    Some((NoticeKind::Firing, false))
                } else if o.rank > rec.notified_rank {
                    Some((NoticeKind::Escalated, false))
                } else if rec.notified_severity.is_some_and(|s| s > o.severity) {
                    Some((NoticeKind::Resolved, true))
                } else {
                    if o.rank < rec.notified_rank {
                        rec.notified_rank = o.rank;
                    }
                    // Warnings are reminded by the next threshold;
                    // failures (critical) repeat.
                    (o.severity == Severity::Critical && repeat_due(rec.last_firing_notice_ms))
                        .then_some((NoticeKind::Repeat, false))
                }
            }
        };
        if let Some((kind, downgrade)) = action {
            p.notice(key, kind, downgrade);
        }
    }

    // Conditions no longer seen.
    let keys: Vec<AlertKey> = p.state.alerts.keys().cloned().collect();
    for key in keys {
        if obs.firing.contains_key(&key) {
            continue;
        }
        let rec = p.state.alerts.get_mut(&key).expect("key listed above");
        if rec.firing {
            let blind = obs.blind_agents.contains(&key.agent)
                || (obs.partial
                    && !key.profile.is_empty()
                    && !key.condition.starts_with("unreadable:")
                    && !obs
                        .visible
                        .contains_key(&(key.agent.clone(), key.profile.clone())));
            if blind {
                continue;
            }
            rec.firing = false;
            rec.resolved_at_ms = Some(now);
            if let Some((_, expires)) = obs.visible.get(&(key.agent.clone(), key.profile.clone())) {
                rec.current.expires_at_ms = *expires;
            }
        }
        if rec.believed_firing {
            if !policy.send_resolved {
                rec.believed_firing = false;
                rec.notified_rank = 0;
                rec.notified_severity = None;
            } else if repeat_due(rec.last_resolved_notice_ms) {
                p.notice(&key, NoticeKind::Resolved, false);
            }
        }
    }

    // Forget keys resolved for longer than a repeat window and not pending.
    let pending: BTreeSet<AlertKey> = p
        .state
        .outbox
        .iter()
        .map(|e| e.notice.key.clone())
        .collect();
    p.state.alerts.retain(|k, r| {
        r.firing
            || r.believed_firing
            || pending.contains(k)
            || r.resolved_at_ms
                .is_none_or(|t| now - t < policy.repeat_every_ms)
    });
    // Outbox: channels no longer configured, notices too old.
    let names: BTreeSet<&str> = policy.channels.iter().map(|c| c.name.as_str()).collect();
    for e in &mut p.state.outbox {
        e.pending.retain(|c, _| names.contains(c.as_str()));
        if now - e.notice.planned_at_ms > policy.max_pending_ms {
            e.pending.clear();
        }
    }
    p.state.outbox.retain(|e| !e.pending.is_empty());
    p.state.channels.retain(|c, _| names.contains(c.as_str()));
    (p.out, p.state)
}

/// Notices dropped by [`plan`] because no channel accepted them within
/// `max_pending_ms` (for logging): those in `before` past the age limit.
pub fn expired_notices<'a>(
    before: &'a AlertState,
    now: DateTime<Utc>,
    policy: &AlertPolicy,
) -> impl Iterator<Item = &'a OutboxEntry> {
    let now = now.timestamp_millis();
    before
        .outbox
        .iter()
        .filter(move |e| now - e.notice.planned_at_ms > policy.max_pending_ms)
}
