//! The pure rules: `evaluate(&Snapshot, now, &Policy) -> Report`.
//!
//! This reproduces `openclaw models status --check` (OpenClaw 2026.9.6, see
//! docs/openclaw-rules.md): only configured routes count; per provider only
//! the profile the resolver selects counts; 1 beats 2 across routes. No
//! clock, environment or filesystem access happens here.

mod agents;
mod credential;
mod credentials;
mod problems;
mod routes;
mod selection;

pub use credential::{ExpiryState, expiry_state};

use crate::model::{
    AgentEntry, AgentFailure, AgentRead, AgentReport, AgentScope, CredState, OpenclawConfig,
    Policy, Report, RouteHealth, RouteKind, RouteReport, Snapshot, Verdict,
};
use crate::openclaw::agents::default_agent_as;
use crate::openclaw::paths::display_path;
use crate::openclaw::providers::auth_key;
use crate::openclaw::release::{EraRules, Judgement};
use agents::AgentStore;
use credential::profile_health;
use credentials::Rows;
use routes::{RouteSpec, routes_for};
use selection::Selector;
use std::collections::{BTreeSet, HashMap};

/// Text routes (primary, fallbacks) on openai need the codex runtime.
const CODEX_MISSING: &str = "openai models run through the codex runtime, and no enabled plugin owns agent harness \"codex\"";

/// Evaluate a snapshot as of `now_ms`.
pub fn evaluate(snap: &Snapshot, now_ms: i64, policy: &Policy) -> Report {
    let cfg = snap.config.loaded();
    let empty = OpenclawConfig::default();
    let ctx = Context {
        snap,
        cfg: cfg.unwrap_or(&empty),
        default_id: default_agent_as(cfg, &snap.release.rules()).ok(),
        reads: snap.agents.iter().map(|a| (a.id.as_str(), a)).collect(),
        entries: cfg
            .map(|c| c.agents.iter().map(|a| (a.id.as_str(), a)).collect())
            .unwrap_or_default(),
        explicit: policy.agents != AgentScope::Default,
        rules: snap.release.rules(),
        now_ms,
        warn_ms: policy.warn_within_ms,
    };
    let agents: Vec<AgentReport> = agents::targets(snap, cfg, policy)
        .iter()
        .map(|(id, resolve)| ctx.agent(id, resolve.as_ref()))
        .collect();
    let home = &snap.paths.home;
    let verdict = agents
        .iter()
        .map(|a| a.verdict)
        .max()
        .unwrap_or(Verdict::Ok);
    Report {
        release: snap.release.clone(),
        now_ms,
        warn_within_ms: policy.warn_within_ms,
        state_dir: display_path(&snap.paths.state_dir, home),
        config_path: display_path(&snap.paths.config_path, home),
        verdict,
        agents,
        external: credentials::claude_code(
            snap.claude_code.as_ref(),
            home,
            now_ms,
            policy.warn_within_ms,
        ),
        read_problems: snap.problems.clone(),
    }
}

/// What every agent's evaluation shares.
struct Context<'a> {
    snap: &'a Snapshot,
    cfg: &'a OpenclawConfig,
    default_id: Option<String>,
    reads: HashMap<&'a str, &'a AgentRead>,
    entries: HashMap<&'a str, &'a AgentEntry>,
    /// Agents chosen by `--agent`/`--all-agents` rather than OpenClaw's default.
    explicit: bool,
    /// The rules of the release that reads the home.
    rules: EraRules,
    now_ms: i64,
    warn_ms: i64,
}

impl Context<'_> {
    /// One agent's report.
    fn agent(&self, id: &str, resolve: Option<&AgentFailure>) -> AgentReport {
        let missing;
        let read = match self.reads.get(id) {
            Some(a) => *a,
            None => {
                let dir = self
                    .snap
                    .paths
                    .state_dir
                    .join("agents")
                    .join(id)
                    .join("agent");
                missing = AgentRead {
                    dir,
                    id: id.to_string(),
                    ..AgentRead::default()
                };
                &missing
            }
        };
        let entry = self.entries.get(id).copied();
        let known = id == "main" || entry.is_some() || self.reads.contains_key(id);
        let store = agents::agent_store(self.snap, read, known, resolve);
        let routes = match store.failure {
            None => self.routes(&store, entry),
            Some(_) => vec![],
        };
        self.report(read, store, routes)
    }

    fn selector<'s>(&'s self, store: &'s AgentStore) -> Selector<'s> {
        Selector {
            store: &store.store,
            auth_order: &self.cfg.auth_order,
            auth_profiles: &self.cfg.auth_profiles,
            env: &self.snap.env,
            now: self.now_ms as f64,
        }
    }

    fn routes(&self, store: &AgentStore, entry: Option<&AgentEntry>) -> Vec<RouteReport> {
        let sel = self.selector(store);
        routes_for(self.cfg, entry, self.explicit, &self.rules)
            .iter()
            .map(|r| self.route(&sel, store, r))
            .collect()
    }

    /// One route: its health and the credential it uses.
    fn route(&self, sel: &Selector<'_>, store: &AgentStore, r: &RouteSpec) -> RouteReport {
        let provider = auth_key(&r.provider).into_owned();
        let codex = self.rules.codex_text_routes
            && provider == "openai"
            && matches!(r.kind, RouteKind::Text | RouteKind::Fallback);
        let mut ev = sel.evaluate_provider(&provider, &r.model);
        let rolled = (self.rules.judgement == Judgement::RollUp)
            .then(|| self.rolled_up(sel, store, &provider, &r.model, &mut ev))
            .flatten();
        let selected = ev
            .selected_profile
            .clone()
            .or(ev.selected_env.map(str::to_string));
        // The codex runtime decides an openai text route; OpenClaw still
        // names the credential its auth would use.
        let (health, detail) = if codex {
            (RouteHealth::Unavailable, CODEX_MISSING.to_string())
        } else {
            let health = match ev.availability {
                None => RouteHealth::Indeterminate,
                Some(false) => RouteHealth::Missing,
                Some(true) if r.kind == RouteKind::Image && rolled.is_none() => RouteHealth::Ok,
                Some(true) => rolled
                    .unwrap_or_else(|| self.selected_health(store, ev.selected_profile.as_deref())),
            };
            (health, ev.detail)
        };
        RouteReport {
            kind: r.kind,
            model: format!("{}/{}", r.provider, r.model),
            provider,
            health,
            selected,
            detail,
        }
    }

    /// The older eras' roll-up (see [`Judgement::RollUp`]): a usable env
    /// key hides the profiles (the route uses it); otherwise, when the
    /// provider is usable, the worst profile that has not expired decides.
    /// None leaves the selection's verdict.
    fn rolled_up(
        &self,
        sel: &Selector<'_>,
        store: &AgentStore,
        provider: &str,
        model: &str,
        ev: &mut selection::Evaluation,
    ) -> Option<RouteHealth> {
        if let Some((name, _)) = crate::openclaw::env::provider_env(&self.snap.env, provider) {
            *ev = selection::Evaluation {
                availability: Some(true),
                selected_profile: None,
                selected_env: Some(name),
                detail: format!("{name} (env) hides the stored profiles"),
            };
            return Some(RouteHealth::Ok);
        }
        if ev.availability != Some(true) {
            return None;
        }
        let (ids, _) = sel.profile_order(provider, model);
        let expiring = ids.iter().find(|id| {
            store.store.profile(id).is_some_and(|p| {
                let state = profile_health(p, self.now_ms as f64, self.warn_ms as f64).0;
                state == CredState::Expiring
            })
        });
        match expiring {
            Some(id) => {
                ev.selected_profile = Some(id.clone());
                Some(RouteHealth::Expiring)
            }
            None => Some(RouteHealth::Ok),
        }
    }

    /// A usable route's health: that of the profile it selected.
    fn selected_health(&self, store: &AgentStore, id: Option<&str>) -> RouteHealth {
        let Some(p) = id.and_then(|id| store.store.profile(id)) else {
            return RouteHealth::Ok;
        };
        match profile_health(p, self.now_ms as f64, self.warn_ms as f64).0 {
            CredState::Expiring => RouteHealth::Expiring,
            CredState::Expired | CredState::Missing => RouteHealth::Missing,
            _ => RouteHealth::Ok,
        }
    }

    /// Credentials, providers, problems and verdict around the routes.
    fn report(&self, read: &AgentRead, store: AgentStore, routes: Vec<RouteReport>) -> AgentReport {
        let in_use: BTreeSet<&str> = routes
            .iter()
            .filter_map(|r| r.selected.as_deref())
            .collect();
        let rows = Rows {
            agent: &read.id,
            now: self.now_ms as f64,
            warn: self.warn_ms as f64,
            in_use: &in_use,
        };
        let mut credentials = rows.stored(&store.store, &|id| store.source_of(id));
        let provider_ids = routes.iter().map(|r| r.provider.clone());
        let providers = Rows::providers(&store.store, provider_ids, &self.snap.env);
        let providers = rows.env(&providers, &self.snap.env, &mut credentials);
        credentials.extend(rows.legacy(&read.legacy));
        let mut problems: Vec<_> = store
            .failure
            .iter()
            .map(|f| problems::failure(&read.id, f))
            .collect();
        problems.extend(problems::routes(
            &read.id,
            &routes,
            &credentials,
            self.now_ms,
        ));
        let verdict = problems
            .iter()
            .map(|p| p.verdict)
            .max()
            .unwrap_or(Verdict::Ok);
        problems.sort_by_key(|p| std::cmp::Reverse(p.verdict));
        let disp = |p: &std::path::Path| display_path(p, &self.snap.paths.home);
        AgentReport {
            agent: read.id.clone(),
            default: self.default_id.as_deref() == Some(read.id.as_str()),
            agent_dir: disp(&read.dir),
            store_path: disp(&store.path),
            failure: store.failure,
            routes,
            credentials,
            providers,
            verdict,
            problems,
        }
    }
}
