//! Pure checks of OpenClaw's side: state dir and config, legacy files, the
//! stores, file modes, routes and profiles, auth.order, env variables, the
//! gateway's systemd service and Claude Code's own login.

use super::{DoctorInputs, Finding, Level};
use clawwatch_core::model::*;
use clawwatch_core::openclaw::env::{provider_env, rotation_keys};
use clawwatch_core::openclaw::paths::display_path;
use clawwatch_core::openclaw::providers::{auth_key, manifest_vars};
use clawwatch_core::remedy::fix_for;
use clawwatch_core::secret::Secret;
use clawwatch_core::timefmt::{human_duration, iso, relative};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The provider id OpenClaw's auth lookups use.
fn pkey(p: &str) -> String {
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

pub(super) fn route_desc(r: &RouteReport) -> String {
    format!("{} {}", kind_word(r.kind), r.model)
}

fn routes_desc(rs: &[&RouteReport]) -> String {
    let mut seen = BTreeSet::new();
    rs.iter()
        .map(|r| route_desc(r))
        .filter(|d| seen.insert(d.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn failing(r: &RouteReport) -> bool {
    matches!(r.health, RouteHealth::Missing | RouteHealth::Indeterminate)
}

pub fn findings(snap: &Snapshot, report: &Report, inputs: &DoctorInputs) -> Vec<Finding> {
    let mut out = Vec::new();
    state_and_config(snap, inputs, &mut out);
    legacy_files(snap, report, &mut out);
    stores(snap, &mut out);
    read_problems(snap, &mut out);
    permissions(snap, inputs, &mut out);
    for a in &report.agents {
        agent(snap, a, report.now_ms, &mut out);
    }
    auth_order(snap, &mut out);
    setup_token_in_key_var(snap, &mut out);
    rotation(snap, report, &mut out);
    shell_profile(snap, report, inputs, &mut out);
    claude_code(snap, report, &mut out);
    out
}

// ------------------------------------------------------------ state dir, config

fn state_and_config(snap: &Snapshot, inputs: &DoctorInputs, out: &mut Vec<Finding>) {
    let home = &snap.paths.home;
    let sd = display_path(&snap.paths.state_dir, home);
    let cp = display_path(&snap.paths.config_path, home);
    if !inputs.state_dir_exists {
        out.push(
            Finding::new(
                "state-dir-missing",
                Level::Warning,
                format!(
                    "OpenClaw's state directory {sd} does not exist: no config, credential store or .env is there (OpenClaw is not set up for this user, or its state lives elsewhere)"
                ),
                "run `openclaw onboard`, or point clawwatch at the right directory with --state-dir DIR or OPENCLAW_STATE_DIR",
            )
            .path(sd.clone()),
        );
    }
    match &snap.config {
        ConfigRead::Absent => {
            if inputs.state_dir_exists {
                out.push(
                    Finding::new(
                        "config-missing",
                        Level::Info,
                        format!(
                            "no {cp}: OpenClaw uses its built-in default model {} (through the codex runtime, which a bare install lacks)",
                            clawwatch_core::openclaw::agents::DEFAULT_MODEL
                        ),
                        "run `openclaw configure`, or `openclaw models set <provider/model>`",
                    )
                    .path(cp),
                );
            }
        }
        ConfigRead::Loaded(_) => {}
        ConfigRead::Invalid { message, issues } => {
            if issues.is_empty() {
                out.push(
                    Finding::new(
                        "config-unparseable",
                        Level::Error,
                        format!("OpenClaw cannot read its config, so every openclaw command fails: {message}"),
                        format!("fix {cp} (the message names the position), or move it away and run `openclaw configure`"),
                    )
                    .path(cp),
                );
                return;
            }
            let mut other = Vec::new();
            for issue in issues {
                if let ConfigIssue::EnvKeyOutsideVars(key) = issue {
                    out.push(
                        Finding::new(
                            "config-env-key-outside-vars",
                            Level::Error,
                            format!(
                                "openclaw.json sets env.{key}; OpenClaw accepts variables only under env.vars, so it rejects the whole config and every openclaw command fails"
                            ),
                            format!(
                                "move it under env.vars (\"env\": {{\"vars\": {{\"{key}\": \"…\"}}}}), or into {}",
                                display_path(&snap.paths.dotenv, home)
                            ),
                        )
                        .path(cp.clone()),
                    );
                } else {
                    other.push(issue.to_string());
                }
            }
            if !other.is_empty() {
                out.push(
                    Finding::new(
                        "config-invalid",
                        Level::Error,
                        format!(
                            "openclaw.json fails OpenClaw's schema, so every openclaw command fails: {}",
                            other.join("; ")
                        ),
                        format!("fix {cp} at the keys named (`openclaw doctor` shows them too)"),
                    )
                    .path(cp),
                );
            }
        }
    }
}

// ------------------------------------------------------------ legacy files

fn legacy_files(snap: &Snapshot, report: &Report, out: &mut Vec<Finding>) {
    let home = &snap.paths.home;
    let mut seen = BTreeSet::new();
    for a in &snap.agents {
        for l in &a.legacy {
            if !seen.insert(l.path.clone()) {
                continue;
            }
            let shown = display_path(&l.path, home);
            let file = l
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let (id, kind_text) = match l.kind {
                LegacyKind::AuthProfiles => {
                    ("legacy-auth-profiles-json", "legacy auth-profiles.json")
                }
                LegacyKind::LegacyAuth => ("legacy-auth-json", "legacy auth.json"),
                LegacyKind::LegacyOauth => ("legacy-oauth-json", "legacy OAuth file"),
                _ => ("legacy-auth-state-json", "legacy auth-state.json"),
            };
            if !l.is_credential_source() {
                out.push(
                    Finding::new(
                        id,
                        Level::Info,
                        format!("{kind_text} {shown} is left over (it holds no credentials; OpenClaw 2026.9 ignores it)"),
                        "`openclaw doctor --fix` migrates and archives it",
                    )
                    .agent(a.id.clone())
                    .path(shown),
                );
                continue;
            }
            let holds = match &l.contents {
                Ok(s) if s.profiles().is_empty() => "no profiles".to_string(),
                Ok(s) => {
                    let providers: BTreeSet<&str> =
                        s.profiles().iter().map(|p| p.provider.as_str()).collect();
                    format!(
                        "{} profile(s) for {}",
                        s.profiles().len(),
                        providers.into_iter().collect::<Vec<_>>().join(", ")
                    )
                }
                Err(e) => format!("malformed: {e}"),
            };
            // OpenClaw names the agent's database when it refuses.
            let db = display_path(
                &a.dir.join(clawwatch_core::openclaw::agents::AGENT_DB),
                home,
            );
            let blocks = report.agents.iter().any(|r| {
                r.failure.as_ref().is_some_and(|f| {
                    f.kind == FailureKind::LegacyMigration && f.path.as_deref() == Some(db.as_str())
                })
            });
            let f = if blocks {
                Finding::new(
                    id,
                    Level::Error,
                    format!(
                        "{kind_text} {shown} is present ({holds}): OpenClaw 2026.9 never reads {file}, and refuses to run (\"requires legacy credential migration\") until it is migrated into the SQLite store"
                    ),
                    if l.contents.is_ok() {
                        "run `openclaw doctor --fix` (it migrates the profiles into the SQLite store)".to_string()
                    } else {
                        format!(
                            "the file is not valid JSON, so nothing can be migrated: move {shown} away, then log in again (`openclaw models auth login`, or paste-token)"
                        )
                    },
                )
            } else {
                Finding::new(
                    id,
                    Level::Warning,
                    format!(
                        "{kind_text} {shown} is left over ({holds}): the SQLite store already holds profiles, so OpenClaw ignores it, but it still keeps credentials in plain JSON"
                    ),
                    format!(
                        "run `openclaw doctor --fix`, or delete {shown} once `clawwatch status` shows the same profiles in the store"
                    ),
                )
            };
            out.push(f.agent(a.id.clone()).path(shown));
        }
    }
}

// ------------------------------------------------------------ stores

fn stores(snap: &Snapshot, out: &mut Vec<Finding>) {
    let home = &snap.paths.home;
    if let StoreRead::Failed {
        path,
        message,
        cause,
    } = &snap.shared_store
    {
        let shown = display_path(path, home);
        if *cause == StoreFailure::InvalidSharedLocation {
            out.push(
                Finding::new(
                    "invalid-shared-store",
                    Level::Error,
                    format!(
                        "the state database says the shared auth store lives somewhere OpenClaw does not know, so every model-auth command fails: {message}"
                    ),
                    "run `openclaw doctor --fix` (the only valid value is {\"location\":\"state-db\"})",
                )
                .path(shown),
            );
        } else {
            out.push(
                Finding::new(
                    "store-unreadable",
                    Level::Error,
                    format!("OpenClaw's credential store cannot be read: {message}"),
                    clawwatch_core::remedy::store_fix(*cause),
                )
                .path(shown),
            );
        }
    }
    for a in &snap.agents {
        if let Some(LocalStore {
            path,
            store: Err(e),
        }) = &a.local_store
        {
            out.push(
                Finding::new(
                    "store-unreadable",
                    Level::Error,
                    format!("agent {}'s credential store cannot be read: {e}", a.id),
                    "restore it from a backup, or move it away and log in again (`openclaw models auth login`)",
                )
                .agent(a.id.clone())
                .path(display_path(path, home)),
            );
        }
    }
}

fn read_problems(snap: &Snapshot, out: &mut Vec<Finding>) {
    for p in &snap.problems {
        let f = match (p.source, p.reason) {
            (SourceName::SqliteStore, ReadReason::DroppedProfile) => Finding::new(
                "profile-dropped",
                Level::Warning,
                format!(
                    "a stored profile is malformed and OpenClaw drops it too: {}",
                    p.message
                ),
                "log in again for that provider (`openclaw models auth login --provider <p>` or paste-token); OpenClaw overwrites the entry",
            ),
            (SourceName::Dotenv, _) => Finding::new(
                "dotenv-unreadable",
                Level::Warning,
                format!("an env file is ignored: {}", p.message),
                "make it a readable KEY=VALUE file (chmod 600, owned by the gateway's user)",
            ),
            (SourceName::ClaudeCode, _) => Finding::new(
                "claude-code-creds-invalid",
                Level::Info,
                format!(
                    "Claude Code's credentials file cannot be used: {}",
                    p.message
                ),
                "run `claude` and `/login` if you use Claude Code (OpenClaw does not need it)",
            ),
            // Config, store and legacy-file problems have their own findings.
            _ => continue,
        };
        out.push(f.path_opt(p.path.clone()));
    }
}

fn permissions(snap: &Snapshot, inputs: &DoctorInputs, out: &mut Vec<Finding>) {
    let cfg_holds_secrets = match &snap.config {
        ConfigRead::Loaded(c) => !c.env_vars.is_empty(),
        ConfigRead::Invalid { issues, .. } => issues
            .iter()
            .any(|i| matches!(i, ConfigIssue::EnvKeyOutsideVars(_))),
        ConfigRead::Absent => false,
    };
    for (path, mode) in &inputs.file_modes {
        if *path == snap.paths.config_path && !cfg_holds_secrets {
            continue;
        }
        let mode = mode & 0o777;
        if mode & 0o077 == 0 {
            continue;
        }
        let who = match (mode & 0o070 != 0, mode & 0o007 != 0) {
            (true, true) => "its group and others",
            (true, false) => "its group",
            _ => "others",
        };
        let verb = if mode & 0o044 != 0 {
            "readable"
        } else {
            "accessible"
        };
        let shown = display_path(path, &snap.paths.home);
        out.push(
            Finding::new(
                "credential-file-permissions",
                Level::Warning,
                format!("{shown} holds credentials and is {verb} by {who} (mode {mode:04o})"),
                format!("chmod 600 {shown}"),
            )
            .path(shown),
        );
    }
}

// ------------------------------------------------------------ routes, profiles

fn reason_text(reason: Option<&str>) -> String {
    match reason.unwrap_or("") {
        "invalid_expires" => "its expiry is not a valid epoch-milliseconds number".into(),
        "missing_credential" => "it holds no key or token".into(),
        "malformed_api_key" => "its key is a pasted `openclaw onboard` command, not a key".into(),
        "setup_inactive" => "it is a saved setup credential that was never activated".into(),
        "missing_expiry" => "the OAuth credential has no expiry".into(),
        "unresolved_ref" => "its secret reference cannot be resolved".into(),
        "" => "unknown reason".into(),
        other => other.into(),
    }
}

fn agent(snap: &Snapshot, a: &AgentReport, now: i64, out: &mut Vec<Finding>) {
    if let Some(f) = &a.failure {
        // Config, store and legacy-file failures have findings of their own.
        let covered = matches!(snap.config, ConfigRead::Invalid { .. })
            || matches!(snap.shared_store, StoreRead::Failed { .. })
            || matches!(
                f.kind,
                FailureKind::LegacyMigration | FailureKind::AgentDbUnreadable
            );
        if !covered {
            let fix = match f.kind {
                FailureKind::NoModelOwner => {
                    "pass --agent <id> (or --all-agents), or set agents.defaults.systemAgent.agentId in openclaw.json"
                }
                FailureKind::UnknownAgent => {
                    "use an agent id OpenClaw knows (`openclaw agents list`)"
                }
                _ => "run `openclaw doctor`",
            };
            out.push(
                Finding::new(
                    "agent-unresolved",
                    Level::Error,
                    format!("OpenClaw cannot report model auth for this agent: {f}"),
                    fix,
                )
                .agent(a.agent.clone()),
            );
        }
    }

    let mut failing_by: BTreeMap<String, Vec<&RouteReport>> = BTreeMap::new();
    let mut ok_by: BTreeMap<String, Vec<&RouteReport>> = BTreeMap::new();
    let mut unavailable = BTreeSet::new();
    for r in &a.routes {
        if r.health == RouteHealth::Unavailable {
            if unavailable.insert(r.model.clone()) {
                out.push(
                    Finding::new(
                        "route-runtime-unavailable",
                        Level::Error,
                        format!("route {} cannot run: {}", route_desc(r), r.detail),
                        "install/enable OpenClaw's codex plugin, or choose a non-openai default model (`openclaw models set <provider/model>`)",
                    )
                    .agent(a.agent.clone()),
                );
            }
        } else if failing(r) {
            failing_by.entry(r.provider.clone()).or_default().push(r);
        } else {
            ok_by.entry(r.provider.clone()).or_default().push(r);
        }
    }

    let mut explained = BTreeSet::new();
    for c in &a.credentials {
        if !c.counted || !c.source.is_store() {
            continue;
        }
        let p = pkey(&c.provider);
        let breaks = failing_by.get(&p);
        let used_by: Vec<&RouteReport> = a
            .routes
            .iter()
            .filter(|r| r.selected.as_deref() == Some(c.profile.as_str()))
            .collect();
        let others = || -> String {
            match ok_by.get(&p) {
                Some(rs) => {
                    let sel: BTreeSet<&str> =
                        rs.iter().filter_map(|r| r.selected.as_deref()).collect();
                    if sel.is_empty() {
                        format!(
                            "not selected: routes {} use another credential",
                            routes_desc(rs)
                        )
                    } else {
                        format!(
                            "not selected: routes {} use {}",
                            routes_desc(rs),
                            sel.into_iter().collect::<Vec<_>>().join(", ")
                        )
                    }
                }
                None => format!("no configured route uses {p}"),
            }
        };
        let fix = fix_for(&p, Some(c.cred_type), None);
        let base = |id, sev, msg: String, fix: String| {
            Finding::new(id, sev, msg, fix)
                .agent(a.agent.clone())
                .path(a.store_path.clone())
        };
        let f = match c.state {
            CredState::Expired => {
                let when = c
                    .expires_at_ms
                    .map(|e| format!("expired {} ago, at {}", human_duration(now - e), iso(e)))
                    .unwrap_or_else(|| "expired".into());
                match breaks {
                    Some(rs) => {
                        explained.insert(p.clone());
                        base(
                            "profile-expired",
                            Level::Error,
                            format!(
                                "{} ({}) {when}; nothing else can serve {}, so those routes fail",
                                c.profile,
                                c.cred_type,
                                routes_desc(rs)
                            ),
                            fix,
                        )
                    }
                    None => base(
                        "profile-expired",
                        Level::Warning,
                        format!("{} ({}) {when}; {}", c.profile, c.cred_type, others()),
                        format!("{fix} (or remove the profile)"),
                    ),
                }
            }
            CredState::Expiring => {
                let when = c
                    .expires_at_ms
                    .map(|e| format!("expires in {}, at {}", human_duration(e - now), iso(e)))
                    .unwrap_or_else(|| "expires soon".into());
                if used_by.is_empty() {
                    base(
                        "profile-expiring",
                        Level::Info,
                        format!("{} ({}) {when}; {}", c.profile, c.cred_type, others()),
                        fix,
                    )
                } else {
                    base(
                        "profile-expiring",
                        Level::Warning,
                        format!(
                            "{} ({}) {when}; used by routes {}",
                            c.profile,
                            c.cred_type,
                            routes_desc(&used_by)
                        ),
                        fix,
                    )
                }
            }
            CredState::Cooldown | CredState::Disabled => {
                let disabled = c.state == CredState::Disabled;
                let reason = c
                    .reason
                    .as_deref()
                    .and_then(|r| r.split_once(':').map(|(_, r)| r))
                    .unwrap_or("unknown");
                let until = c
                    .unusable_until_ms
                    .map(|u| format!("until {} ({})", iso(u), relative(u, now)))
                    .unwrap_or_default();
                let (id, word) = if disabled {
                    ("profile-disabled", "disabled")
                } else {
                    ("profile-cooldown", "in cooldown")
                };
                let (sev, tail) = match breaks {
                    Some(rs) => {
                        explained.insert(p.clone());
                        (
                            Level::Error,
                            format!(
                                "it is the only credential for {}, so those routes fail meanwhile",
                                routes_desc(rs)
                            ),
                        )
                    }
                    None if disabled => (Level::Warning, others()),
                    None => (Level::Info, others()),
                };
                let fix = if disabled {
                    format!(
                        "fix the cause ({reason}, e.g. billing at the provider's console) and re-authenticate: {fix}"
                    )
                } else {
                    format!(
                        "wait for the cooldown to end, or add another credential for {p} (a second key, or `openclaw models auth login --provider {p}`)"
                    )
                };
                base(
                    id,
                    sev,
                    format!(
                        "{} ({}) is {word} ({reason}) {until}; {tail}",
                        c.profile, c.cred_type
                    ),
                    fix,
                )
            }
            CredState::Missing => {
                let why = reason_text(c.reason.as_deref());
                match breaks {
                    Some(rs) => {
                        explained.insert(p.clone());
                        base(
                            "profile-unusable",
                            Level::Error,
                            format!(
                                "{} ({}) cannot be used: {why}; nothing else can serve {}",
                                c.profile,
                                c.cred_type,
                                routes_desc(rs)
                            ),
                            fix,
                        )
                    }
                    None => base(
                        "profile-unusable",
                        Level::Warning,
                        format!(
                            "{} ({}) cannot be used: {why}; {}",
                            c.profile,
                            c.cred_type,
                            others()
                        ),
                        fix,
                    ),
                }
            }
            _ => continue,
        };
        out.push(f);
    }

    for (p, rs) in &failing_by {
        if explained.contains(p) {
            continue;
        }
        let mut msg = format!(
            "no usable credential for provider {p}: {} ({})",
            routes_desc(rs),
            rs[0].detail
        );
        if let Some(k) = a.providers.iter().find(|k| &k.provider == p)
            && k.env_var.is_none()
            && k.rotation_keys > 0
        {
            msg.push_str(&format!(
                "; the gateway's rotation keys ({}) do not count for OpenClaw's check",
                k.rotation_vars.join(", ")
            ));
        }
        if p == "anthropic" && snap.claude_code.as_ref().is_some_and(|c| c.creds.is_ok()) {
            msg.push_str("; Claude Code's own login does not count without the claude CLI runtime");
        }
        out.push(
            Finding::new(
                "route-without-credential",
                Level::Error,
                msg,
                fix_for(p, None, None),
            )
            .agent(a.agent.clone()),
        );
    }
}

// ------------------------------------------------------------ auth.order

fn auth_order(snap: &Snapshot, out: &mut Vec<Finding>) {
    let home = &snap.paths.home;
    let shared = match &snap.shared_store {
        StoreRead::Failed { .. } => return,
        StoreRead::Loaded { store, path, .. } => Some((store, path)),
        StoreRead::Empty => None,
    };
    let mut known: BTreeSet<&str> = BTreeSet::new();
    if let Some((s, _)) = shared {
        known.extend(s.profiles().iter().map(|p| p.id.as_str()));
    }
    for a in &snap.agents {
        if let Some(LocalStore { store: Ok(s), .. }) = &a.local_store {
            known.extend(s.profiles().iter().map(|p| p.id.as_str()));
        }
    }
    let unknown_of = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|i| i.trim())
            .filter(|i| !i.is_empty() && !known.contains(i))
            .map(str::to_string)
            .collect()
    };
    if let ConfigRead::Loaded(cfg) = &snap.config {
        for (provider, ids) in &cfg.auth_order {
            let unknown = unknown_of(ids);
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
                    "auth-order-unknown-profile",
                    Level::Warning,
                    format!(
                        "auth.order.{provider} in openclaw.json names {} that no store holds{tail}",
                        unknown.join(", ")
                    ),
                    format!(
                        "remove them from auth.order.{provider} in openclaw.json, or create them (`openclaw models auth login --provider {provider}`)"
                    ),
                )
                .path(display_path(&snap.paths.config_path, home)),
            );
        }
    }
    let mut store_orders: Vec<(Option<&str>, &AuthStore, &Path)> = Vec::new();
    if let Some((s, p)) = shared {
        store_orders.push((None, s, p));
    }
    for a in &snap.agents {
        if let Some(LocalStore { store: Ok(s), path }) = &a.local_store {
            store_orders.push((Some(a.id.as_str()), s, path));
        }
    }
    for (agent, store, path) in store_orders {
        for (provider, ids) in &store.order {
            let unknown = unknown_of(ids);
            if unknown.is_empty() {
                continue;
            }
            let mut f = Finding::new(
                "auth-order-unknown-profile",
                Level::Warning,
                format!(
                    "the stored auth order for {provider} names {} that no store holds (OpenClaw skips them)",
                    unknown.join(", ")
                ),
                "run `openclaw doctor --fix` (it cleans up stale auth.order entries)",
            )
            .path(display_path(path, home));
            if let Some(a) = agent {
                f = f.agent(a);
            }
            out.push(f);
        }
    }
}

// ------------------------------------------------------------ env variables

fn is_anthropic_key_var(name: &str) -> bool {
    name == "ANTHROPIC_API_KEY"
        || name.starts_with("ANTHROPIC_API_KEY_")
        || name == "ANTHROPIC_API_KEYS"
        || name == "OPENCLAW_LIVE_ANTHROPIC_KEY"
        || name == "OPENCLAW_LIVE_ANTHROPIC_KEYS"
}

fn is_setup_token(s: &str) -> bool {
    s.trim().starts_with("sk-ant-oat")
}

fn env_origin_path(snap: &Snapshot, origin: EnvOrigin) -> Option<String> {
    let home = &snap.paths.home;
    match origin {
        EnvOrigin::Process => None,
        EnvOrigin::DotEnv => Some(display_path(&snap.paths.dotenv, home)),
        EnvOrigin::ConfigVars => Some(display_path(&snap.paths.config_path, home)),
    }
}

fn setup_token_in_key_var(snap: &Snapshot, out: &mut Vec<Finding>) {
    const CLAUDE_CODE_ONLY: &str = "\"This credential is only authorized for use with Claude Code and cannot be used for other API requests.\"";
    for (name, var) in &snap.env.vars {
        if !is_anthropic_key_var(name) {
            continue;
        }
        let token = var
            .value
            .expose()
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .find(|p| is_setup_token(p));
        let Some(token) = token else { continue };
        out.push(
            Finding::new(
                "setup-token-in-api-key-var",
                Level::Error,
                format!(
                    "{name} (from {}) holds a Claude Code setup-token ({}), not an API key; used as an API key, Anthropic answers {CLAUDE_CODE_ONLY}",
                    var.origin.source(),
                    Secret::new(token).masked()
                ),
                format!(
                    "put an Anthropic API key (sk-ant-api…) in {name}, or store the setup-token as a token with `openclaw models auth paste-token --provider anthropic` and remove it from {name}"
                ),
            )
            .path_opt(env_origin_path(snap, var.origin)),
        );
    }
    let mut stores: Vec<(&AuthStore, &Path)> = Vec::new();
    if let StoreRead::Loaded { store, path, .. } = &snap.shared_store {
        stores.push((store, path));
    }
    for a in &snap.agents {
        if let Some(LocalStore { store: Ok(s), path }) = &a.local_store {
            stores.push((s, path));
        }
    }
    for (store, path) in stores {
        for p in store.profiles() {
            if let Credential::ApiKey { key: Some(k), .. } = &p.credential
                && pkey(&p.provider) == "anthropic"
                && is_setup_token(k.expose())
            {
                out.push(
                    Finding::new(
                        "setup-token-in-api-key-var",
                        Level::Error,
                        format!(
                            "profile {} is an api_key profile holding a Claude Code setup-token ({}); used as an API key, Anthropic answers {CLAUDE_CODE_ONLY}",
                            p.id,
                            k.masked()
                        ),
                        "store it as a token instead: `openclaw models auth paste-token --provider anthropic` (and remove the api_key profile), or paste a real API key (sk-ant-api…)",
                    )
                    .path(display_path(path, &snap.paths.home)),
                );
            }
        }
    }
}

fn rotation(snap: &Snapshot, report: &Report, out: &mut Vec<Finding>) {
    let routed: BTreeSet<String> = report
        .agents
        .iter()
        .flat_map(|a| a.routes.iter().map(|r| r.provider.clone()))
        .collect();
    for p in &routed {
        let (keys, vars) = rotation_keys(&snap.env, p);
        if keys.is_empty() || provider_env(&snap.env, p).is_some() {
            continue;
        }
        let manifest = manifest_vars(p);
        let base = manifest
            .last()
            .copied()
            .unwrap_or("the provider's API-key variable");
        out.push(Finding::new(
            "rotation-without-base-key",
            Level::Warning,
            format!(
                "the gateway can rotate over {} {p} key(s) from {}, but `openclaw models status --check` counts only {}, so it reports {p} missing",
                keys.len(),
                vars.join(", "),
                if manifest.is_empty() { "manifest variables".to_string() } else { manifest.join(" or ") }
            ),
            format!("also set {base} to one of those keys (e.g. in {})", display_path(&snap.paths.dotenv, &snap.paths.home)),
        ));
    }
    if let Some(v) = snap.env.get("ANTHROPIC_API_KEYS") {
        out.push(
            Finding::new(
                "rotation-list-var-ignored",
                Level::Warning,
                "ANTHROPIC_API_KEYS is set, but OpenClaw 2026.9 reads it nowhere: `models status` counts only ANTHROPIC_OAUTH_TOKEN or ANTHROPIC_API_KEY, and the gateway's key rotation reads OPENCLAW_LIVE_ANTHROPIC_KEYS (its docs say ANTHROPIC_API_KEYS)",
                "rename it to OPENCLAW_LIVE_ANTHROPIC_KEYS, and set ANTHROPIC_API_KEY to the first key",
            )
            .path_opt(env_origin_path(snap, v.origin)),
        );
    }
}

// ------------------------------------------------------------ gateway service

fn shell_profile(snap: &Snapshot, report: &Report, inputs: &DoctorInputs, out: &mut Vec<Finding>) {
    let Some(unit) = &inputs.gateway_unit else {
        return;
    };
    if inputs.shell_env_import {
        return;
    }
    let home = &snap.paths.home;
    let mut by_var: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in &inputs.shell_exports {
        let files = by_var.entry(e.var.as_str()).or_default();
        let shown = display_path(&e.path, home);
        if !files.contains(&shown) {
            files.push(shown);
        }
    }
    for (var, files) in by_var {
        if inputs.gateway_env_names.contains(var) {
            continue;
        }
        let relying: Vec<&RouteReport> = report
            .agents
            .iter()
            .flat_map(|a| a.routes.iter())
            .filter(|r| r.selected.as_deref() == Some(var))
            .collect();
        let (sev, tail) = if relying.is_empty() {
            (Level::Warning, String::new())
        } else {
            (
                Level::Error,
                format!("; {} rely on it", routes_desc(&relying)),
            )
        };
        out.push(
            Finding::new(
                "key-only-in-shell-profile",
                sev,
                format!(
                    "{var} is set only in {} (a shell profile), but the gateway runs as the systemd user service {}, which never reads shell profiles: the gateway starts without {var}{tail}",
                    files.join(", "),
                    unit.name
                ),
                format!(
                    "put {var}=… in {} (chmod 600), then `systemctl --user restart {}`",
                    display_path(&snap.paths.dotenv, home),
                    unit.name
                ),
            )
            .path(files[0].clone()),
        );
    }
}

// ------------------------------------------------------------ Claude Code

/// A stored profile as the agent sees it (its own store first).
pub(super) fn stored_profile<'a>(snap: &'a Snapshot, agent: &str, id: &str) -> Option<&'a Profile> {
    let local = snap
        .agents
        .iter()
        .find(|a| a.id == agent)
        .and_then(|a| match &a.local_store {
            Some(LocalStore { store: Ok(s), .. }) => s.profile(id),
            _ => None,
        });
    let shared = match &snap.shared_store {
        StoreRead::Loaded { store, .. } => store.profile(id),
        _ => None,
    };
    local.or(shared)
}

/// The stored secret of a profile (token, access token or key).
pub(super) fn stored_secret<'a>(snap: &'a Snapshot, agent: &str, id: &str) -> Option<&'a Secret> {
    match &stored_profile(snap, agent, id)?.credential {
        Credential::Token { token, .. } => token.as_ref(),
        Credential::OAuth { access, .. } => access.as_ref(),
        Credential::ApiKey { key, .. } => key.as_ref(),
    }
}

fn claude_code(snap: &Snapshot, report: &Report, out: &mut Vec<Finding>) {
    let Some(cc) = &snap.claude_code else { return };
    let Ok(k) = &cc.creds else { return };
    let home = &snap.paths.home;
    let now = report.now_ms;
    let warn = report.warn_within_ms;
    let class = |e: i64| {
        if e <= now {
            2
        } else if e - now <= warn {
            1
        } else {
            0
        }
    };
    let word = |c: u8| ["valid", "expiring", "expired"][c as usize];
    let cc_exp = k.expires_at_ms as i64;
    let cc_path = display_path(&cc.path, home);
    let mut seen = BTreeSet::new();
    for a in &report.agents {
        for c in &a.credentials {
            if !c.counted
                || !c.source.is_store()
                || pkey(&c.provider) != "anthropic"
                || !matches!(c.cred_type, CredType::Token | CredType::OAuth)
                || !seen.insert(c.profile.clone())
            {
                continue;
            }
            let same = stored_secret(snap, &a.agent, &c.profile)
                .is_some_and(|s| s.expose().trim() == k.token.expose().trim());
            let (mismatch, ours) = match c.expires_at_ms {
                None => (same, None),
                Some(e) => (
                    if same {
                        (e - cc_exp).abs() > 60_000
                    } else {
                        class(e) != class(cc_exp)
                    },
                    Some(e),
                ),
            };
            if !mismatch {
                continue;
            }
            let cc_class = class(cc_exp);
            let ours_class = ours.map(class).unwrap_or(0);
            let ours_text = match ours {
                Some(e) => format!("{} ({}, {})", word(ours_class), relative(e, now), iso(e)),
                None => "has no recorded expiry".into(),
            };
            let msg = format!(
                "Claude Code's login ({cc_path}) is {} ({}, {}), but OpenClaw's {} ({}) {}{}",
                word(cc_class),
                relative(cc_exp, now),
                iso(cc_exp),
                c.profile,
                c.cred_type,
                if ours.is_some() { "is " } else { "" },
                ours_text
            );
            let (sev, msg, fix) = if same {
                (
                    Level::Warning,
                    format!("{msg}: the same token with two different expiry records, so one of them is stale"),
                    "paste the current token again (`openclaw models auth paste-token --provider anthropic`), better a long-lived one from `claude setup-token`".to_string(),
                )
            } else if ours_class > cc_class {
                (
                    Level::Warning,
                    format!(
                        "{msg}: OpenClaw keeps its own copy and does not see Claude Code's refreshes"
                    ),
                    fix_for("anthropic", Some(c.cred_type), None),
                )
            } else {
                (
                    Level::Info,
                    format!(
                        "{msg}: Claude Code's own login is separate from OpenClaw's credential"
                    ),
                    "run `claude` and `/login` if you use Claude Code; OpenClaw needs nothing"
                        .to_string(),
                )
            };
            out.push(
                Finding::new("claude-code-expiry-mismatch", sev, msg, fix)
                    .agent(a.agent.clone())
                    .path(cc_path.clone()),
            );
        }
    }
    let anthropic_failing = report.agents.iter().any(|a| {
        a.routes
            .iter()
            .any(|r| r.provider == "anthropic" && failing(r))
    });
    if anthropic_failing && seen.is_empty() {
        out.push(
            Finding::new(
                "claude-code-creds-unused",
                Level::Info,
                format!(
                    "Claude Code is logged in ({cc_path}, {} {}), but OpenClaw 2026.9 does not use Claude Code's login for its anthropic routes unless the claude CLI runtime is installed",
                    word(class(cc_exp)),
                    relative(cc_exp, now)
                ),
                "run `claude setup-token`, then `openclaw models auth paste-token --provider anthropic`",
            )
            .path(cc_path),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anthropic_key_vars() {
        assert!(is_anthropic_key_var("ANTHROPIC_API_KEY"));
        assert!(is_anthropic_key_var("ANTHROPIC_API_KEY_2"));
        assert!(is_anthropic_key_var("OPENCLAW_LIVE_ANTHROPIC_KEYS"));
        assert!(!is_anthropic_key_var("ANTHROPIC_OAUTH_TOKEN"));
        assert!(is_setup_token(" sk-ant-oat01-x"));
        assert!(!is_setup_token("sk-ant-api03-x"));
    }
}
