//! The configured model routes of an agent: default model and fallbacks,
//! image models, the utility model, as `models status` lists them.

use crate::model::{AgentEntry, OpenclawConfig, RouteKind};
use crate::openclaw::agents::utility_default;
use crate::openclaw::providers::normalize;
use crate::openclaw::release::EraRules;

/// One route: its kind and `provider/model`.
pub struct RouteSpec {
    pub kind: RouteKind,
    pub provider: String,
    pub model: String,
}

/// `provider/model` of a model reference: aliases resolved, a trailing
/// `@profile` pin dropped, a bare model id taken as OpenAI's.
pub fn resolve_ref(raw: &str, cfg: &OpenclawConfig) -> Option<(String, String)> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    // A trailing `@profile` pins an auth profile; the route is the model.
    let raw = match raw.rfind('@') {
        Some(i) if i > raw.find('/').unwrap_or(0) => &raw[..i],
        _ => raw,
    };
    let target = cfg
        .aliases
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(raw))
        .map(|(_, r)| r.as_str())
        .unwrap_or(raw);
    match target.split_once('/') {
        Some((p, m)) if !p.trim().is_empty() && !m.trim().is_empty() => {
            Some((normalize(p).into_owned(), m.trim().to_string()))
        }
        _ => Some(("openai".to_string(), target.to_string())),
    }
}

/// The text model and its fallbacks. `explicit` is OpenClaw's `--agent`:
/// only then do the agent's own model and fallbacks replace the defaults
/// (without it, `models status` shows the defaults' text routes).
fn text_models(
    cfg: &OpenclawConfig,
    agent: Option<&AgentEntry>,
    explicit: bool,
    rules: &EraRules,
) -> (String, Vec<String>) {
    let defaults_primary = || {
        cfg.defaults_model
            .primary
            .clone()
            .unwrap_or_else(|| rules.default_model.to_string())
    };
    let agent_model = agent.and_then(|a| a.model.as_ref()).filter(|_| explicit);
    let primary = agent_model
        .and_then(|m| m.primary.clone())
        .unwrap_or_else(defaults_primary);
    let fallbacks = agent_model
        .and_then(|m| m.fallbacks.clone())
        .or_else(|| cfg.defaults_model.fallbacks.clone())
        .unwrap_or_default();
    (primary, fallbacks)
}

/// The utility route: the agent's or the defaults' `utilityModel` ("" turns
/// it off), else the provider default of the agent's own primary model.
fn utility_model(
    cfg: &OpenclawConfig,
    agent: Option<&AgentEntry>,
    rules: &EraRules,
) -> Option<String> {
    if !rules.utility_route {
        return None;
    }
    let configured = agent
        .and_then(|a| a.utility.clone())
        .or_else(|| cfg.defaults_utility.clone());
    match configured {
        Some(u) if u.trim().is_empty() => None,
        Some(u) => Some(u),
        None => {
            let primary = agent
                .and_then(|a| a.model.as_ref())
                .and_then(|m| m.primary.clone())
                .or_else(|| cfg.defaults_model.primary.clone())
                .unwrap_or_else(|| rules.default_model.to_string());
            let (provider, _) = resolve_ref(&primary, cfg)?;
            utility_default(&provider).map(|m| format!("{provider}/{m}"))
        }
    }
}

/// The configured routes of an agent (see [`text_models`] for `explicit`;
/// the utility model follows the agent's own primary provider either way),
/// as a release with `rules` lists them.
pub fn routes_for(
    cfg: &OpenclawConfig,
    agent: Option<&AgentEntry>,
    explicit: bool,
    rules: &EraRules,
) -> Vec<RouteSpec> {
    let (primary, fallbacks) = text_models(cfg, agent, explicit, rules);
    let mut wanted: Vec<(RouteKind, &str)> = vec![(RouteKind::Text, &primary)];
    wanted.extend(fallbacks.iter().map(|f| (RouteKind::Fallback, f.as_str())));
    let image = &cfg.image_model;
    wanted.extend(image.primary.iter().map(|p| (RouteKind::Image, p.as_str())));
    let image_fallbacks = image.fallbacks.iter().flatten();
    wanted.extend(image_fallbacks.map(|f| (RouteKind::Image, f.as_str())));
    let utility = utility_model(cfg, agent, rules);
    wanted.extend(utility.iter().map(|u| (RouteKind::Utility, u.as_str())));
    wanted
        .into_iter()
        .filter_map(|(kind, raw)| {
            let (provider, model) = resolve_ref(raw, cfg)?;
            Some(RouteSpec {
                kind,
                provider,
                model,
            })
        })
        .collect()
}
