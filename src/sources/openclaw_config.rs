//! openclaw.json (JSON5): the model routes, agents, env.vars and auth order,
//! plus the schema errors OpenClaw refuses to run with.

use super::files::io_reason;
use super::store_json::json_type;
use clawwatch_core::model::{
    AgentEntry, AuthProfileConfig, ConfigIssue, ConfigRead, ModelSpec, OpenclawConfig,
};
use clawwatch_core::openclaw::release::{EraRules, NEWEST_KNOWN};
use clawwatch_core::secret::Secret;
use serde_json::{Map, Value};
use std::path::Path;

/// OpenClaw configs are a few KB; anything this big is not one.
pub const MAX_CONFIG_BYTES: u64 = 8 * 1024 * 1024;
const MAX_DEPTH: usize = 64;

/// Top-level keys of OpenClaw 2026.9's strict root schema.
const ROOT_KEYS: &[&str] = &[
    "$schema",
    "meta",
    "env",
    "wizard",
    "diagnostics",
    "logging",
    "update",
    "telemetry",
    "browser",
    "ui",
    "secrets",
    "auth",
    "accessGroups",
    "acp",
    "models",
    "nodeHost",
    "agents",
    "worktreeRoot",
    "worktreeAcceleration",
    "tools",
    "security",
    "bindings",
    "broadcast",
    "attachments",
    "messages",
    "tts",
    "commands",
    "approvals",
    "session",
    "cron",
    "transcripts",
    "hooks",
    "channels",
    "discovery",
    "talk",
    "gateway",
    "cloudWorkers",
    "desktop",
    "memory",
    "mcp",
    "skills",
    "plugins",
    "surfaces",
    "proxy",
];

/// openclaw.json as read from disk, before any release's rules apply:
/// its text, or `Ok(None)` when absent, or why OpenClaw could not read it
/// (read once, then [`judge_text`] and the release detection both use it).
pub type ConfigText = Result<Option<String>, ConfigRead>;

/// The config's verdict, from [`load_text`]'s answer.
pub fn judge_text(text: &ConfigText, display: &str, rules: &EraRules) -> ConfigRead {
    match text {
        Ok(None) => ConfigRead::Absent,
        Ok(Some(t)) => parse_as(t, display, rules),
        Err(unreadable) => unreadable.clone(),
    }
}

/// Read openclaw.json's text (a regular file within the size limit).
pub fn load_text(path: &Path, display: &str) -> ConfigText {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling symlink is "not found" too; OpenClaw treats both as absent.
            return Ok(None);
        }
        Err(e) => {
            return Err(ConfigRead::Invalid {
                message: format!("Failed to read config at {display}: {}", io_reason(&e)),
                issues: vec![],
            });
        }
    };
    if meta.is_dir() {
        return Err(ConfigRead::Invalid {
            message: format!("Failed to read config at {display}: it is a directory, not a file"),
            issues: vec![],
        });
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigRead::Invalid {
            message: format!(
                "Failed to read config at {display}: {} MiB is larger than the {} MiB limit; is this really openclaw.json?",
                meta.len() / (1024 * 1024),
                MAX_CONFIG_BYTES / (1024 * 1024)
            ),
            issues: vec![],
        });
    }
    // Only a regular file is opened, and never more than the limit read.
    let bytes = match crate::fsutil::read_bounded(path, MAX_CONFIG_BYTES) {
        Ok(b) => b,
        Err(e) => {
            return Err(ConfigRead::Invalid {
                message: format!("Failed to read config at {display}: {e}"),
                issues: vec![],
            });
        }
    };
    match String::from_utf8(bytes) {
        Ok(t) => Ok(Some(t)),
        Err(e) => Err(ConfigRead::Invalid {
            message: format!(
                "Failed to read config at {display}: not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            issues: vec![],
        }),
    }
}

/// Parse as the newest release does.
pub fn parse(text: &str, display: &str) -> ConfigRead {
    parse_as(text, display, &NEWEST_KNOWN.rules())
}

/// Parse as a release with `rules` does (older eras accept a credential
/// written straight under `env`, a roster without an owner, and
/// `meta.lastTouchedAt`).
pub fn parse_as(text: &str, display: &str, rules: &EraRules) -> ConfigRead {
    if text.trim().is_empty() {
        // OpenClaw treats an empty file as an empty config.
        return ConfigRead::Loaded(Box::default());
    }
    if nesting_depth(text) > MAX_DEPTH {
        return ConfigRead::Invalid {
            message: format!(
                "Failed to read config at {display}: nested more than {MAX_DEPTH} levels deep"
            ),
            issues: vec![],
        };
    }
    let value: Value = match json5::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let msg = e.to_string();
            let first = msg
                .lines()
                .next()
                .unwrap_or("invalid JSON5")
                .trim()
                .to_string();
            return ConfigRead::Invalid {
                message: format!("Failed to read config at {display}: JSON5: {first}"),
                issues: vec![],
            };
        }
    };
    let mut issues = Issues(Vec::new(), *rules);
    let cfg = extract(&value, &mut issues);
    if issues.0.is_empty() {
        return ConfigRead::Loaded(Box::new(cfg));
    }
    let words: Vec<String> = issues.0.iter().map(ConfigIssue::to_string).collect();
    ConfigRead::Invalid {
        message: format!("Invalid config at {display}: {}", words.join("; ")),
        issues: issues.0,
    }
}

/// Schema issues as OpenClaw words them, and the release's rules.
struct Issues(Vec<ConfigIssue>, EraRules);

impl Default for Issues {
    fn default() -> Self {
        Issues(Vec::new(), NEWEST_KNOWN.rules())
    }
}

impl Issues {
    fn push(&mut self, words: String) {
        self.0.push(ConfigIssue::Other(words));
    }
}

/// Bracket depth outside strings (guards the recursive parser).
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut in_str: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if let Some(q) = in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                in_str = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => in_str = Some(c),
            '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn strings(v: &Value, path: &str, issues: &mut Issues) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, x)| match x {
                Value::String(s) => Some(s.clone()),
                other => {
                    issues.push(format!(
                        "{path}.{i}: Invalid input: expected string, received {}",
                        json_type(other)
                    ));
                    None
                }
            })
            .collect(),
        other => {
            issues.push(format!(
                "{path}: Invalid input: expected array, received {}",
                json_type(other)
            ));
            Vec::new()
        }
    }
}

/// A model setting: a `"provider/model"` string, or `{primary, fallbacks}`.
/// As OpenClaw's agent-scope resolution has it, a model that names its
/// primary (a non-blank string, or an object with a non-blank `primary`)
/// has exactly the fallbacks it lists: none when it lists none. Only a
/// model without a primary (absent, blank, `{fallbacks}` alone) leaves the
/// fallbacks to the defaults (`fallbacks: None`).
fn model_spec(v: &Value, path: &str, issues: &mut Issues) -> ModelSpec {
    match v {
        Value::String(s) => {
            let primary = Some(s.clone()).filter(|s| !s.trim().is_empty());
            ModelSpec {
                fallbacks: primary.is_some().then(Vec::new),
                primary,
            }
        }
        Value::Object(o) => {
            let primary = match o.get("primary") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.trim().is_empty()),
                Some(other) => {
                    issues.push(format!(
                        "{path}.primary: Invalid input: expected string, received {}",
                        json_type(other)
                    ));
                    None
                }
            };
            let listed = o
                .get("fallbacks")
                .map(|f| strings(f, &format!("{path}.fallbacks"), issues));
            ModelSpec {
                fallbacks: listed.or_else(|| primary.is_some().then(Vec::new)),
                primary,
            }
        }
        other => {
            issues.push(format!(
                "{path}: Invalid input: expected string or object, received {}",
                json_type(other)
            ));
            ModelSpec::default()
        }
    }
}

fn opt_string(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
    issues: &mut Issues,
) -> Option<String> {
    match o.get(key) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            issues.push(format!(
                "{path}.{key}: Invalid input: expected string, received {}",
                json_type(other)
            ));
            None
        }
    }
}

fn object<'a>(v: &'a Value, path: &str, issues: &mut Issues) -> Option<&'a Map<String, Value>> {
    match v {
        Value::Object(o) => Some(o),
        other => {
            issues.push(format!(
                "{path}: Invalid input: expected object, received {}",
                json_type(other)
            ));
            None
        }
    }
}

fn agent_entry(id: &str, o: &Map<String, Value>, path: &str, issues: &mut Issues) -> AgentEntry {
    AgentEntry {
        id: id.trim().to_lowercase(),
        default: o.get("default").and_then(Value::as_bool) == Some(true),
        model: o
            .get("model")
            .map(|m| model_spec(m, &format!("{path}.model"), issues)),
        utility: opt_string(o, "utilityModel", path, issues),
        agent_dir: opt_string(o, "agentDir", path, issues).map(std::path::PathBuf::from),
    }
}

fn extract(root: &Value, issues: &mut Issues) -> OpenclawConfig {
    let mut cfg = OpenclawConfig::default();
    let Some(root) = object(root, "<root>", issues) else {
        return cfg;
    };
    for key in root.keys() {
        if !ROOT_KEYS.contains(&key.as_str()) {
            issues.push(format!("<root>: Unrecognized key: {key:?}"));
        }
    }
    if let Some(meta) = root.get("meta") {
        meta_checks(meta, issues);
    }
    if let Some(env) = root.get("env").and_then(|e| object(e, "env", issues)) {
        extract_env(env, &mut cfg, issues);
    }
    if let Some(auth) = root.get("auth").and_then(|a| object(a, "auth", issues)) {
        extract_auth(auth, &mut cfg, issues);
    }
    if let Some(agents) = root.get("agents").and_then(|a| object(a, "agents", issues)) {
        extract_agents(agents, &mut cfg, issues);
    }
    cfg
}

/// `meta`: what the release's schema knows of it.
fn meta_checks(meta: &Value, issues: &mut Issues) {
    let rules = issues.1;
    if rules.touched_at_refused && meta.get("lastTouchedAt").is_some() {
        issues.push("meta: Unrecognized key: \"lastTouchedAt\"".into());
    }
    if let (Some(known), Some(m)) = (rules.meta_keys, meta.as_object())
        && m.keys().any(|k| !known.contains(&k.as_str()))
    {
        issues.push("meta: Invalid input".into());
    }
    let migrations = meta.get("migrations").and_then(Value::as_object);
    if let (Some(known), Some(m)) = (rules.meta_migrations, migrations) {
        for k in m.keys().filter(|k| !known.contains(&k.as_str())) {
            issues.push(format!("meta.migrations: Unrecognized key: {k:?}"));
        }
    }
}

/// `env`: `vars` (strings only) and `shellEnv`; any other key is a
/// variable written in the wrong place.
fn extract_env(env: &Map<String, Value>, cfg: &mut OpenclawConfig, issues: &mut Issues) {
    for (k, v) in env {
        match k.as_str() {
            "shellEnv" => {}
            "vars" => {
                if let Some(vars) = object(v, "env.vars", issues) {
                    for (name, value) in vars {
                        match value {
                            Value::String(s) => {
                                cfg.env_vars.push((name.clone(), Secret::new(s.clone())))
                            }
                            other => issues.push(format!(
                                "env.vars.{name}: Invalid input: expected string, received {}",
                                json_type(other)
                            )),
                        }
                    }
                }
            }
            _ if issues.1.inline_env_refused => {
                issues.0.push(ConfigIssue::EnvKeyOutsideVars(k.clone()))
            }
            _ => {
                if let Value::String(s) = v {
                    cfg.env_vars.push((k.clone(), Secret::new(s.clone())));
                }
            }
        }
    }
}

/// `auth`: `order` and `profiles`.
fn extract_auth(auth: &Map<String, Value>, cfg: &mut OpenclawConfig, issues: &mut Issues) {
    for (k, v) in auth {
        match k.as_str() {
            "order" => {
                if let Some(order) = object(v, "auth.order", issues) {
                    for (prov, list) in order {
                        let ids = strings(list, &format!("auth.order.{prov}"), issues);
                        cfg.auth_order.push((prov.clone(), ids));
                    }
                }
            }
            "profiles" => {
                if let Some(profiles) = object(v, "auth.profiles", issues) {
                    for (id, p) in profiles {
                        let path = format!("auth.profiles.{id}");
                        let Some(p) = object(p, &path, issues) else {
                            continue;
                        };
                        let provider = opt_string(p, "provider", &path, issues);
                        let mode = opt_string(p, "mode", &path, issues);
                        match (provider, mode) {
                            (Some(provider), Some(mode))
                                if ["api_key", "aws-sdk", "oauth", "token"].contains(&mode.as_str()) =>
                            {
                                cfg.auth_profiles.push((id.clone(), AuthProfileConfig { provider, mode }));
                            }
                            (None, _) => issues.push(format!("{path}.provider: Invalid input: expected string, received undefined")),
                            (_, _) => issues.push(format!("{path}.mode: Invalid option: expected one of \"api_key\"|\"aws-sdk\"|\"oauth\"|\"token\"")),
                        }
                    }
                }
            }
            _ => issues.push(format!("auth: Unrecognized key: {k:?}")),
        }
    }
}

/// `agents`: ownership, defaults, the roster and its consistency.
fn extract_agents(agents: &Map<String, Value>, cfg: &mut OpenclawConfig, issues: &mut Issues) {
    cfg.ownership_explicit = agents.get("ownership").and_then(Value::as_str) == Some("explicit");
    if let Some(own) = agents.get("ownership")
        && own.as_str() != Some("explicit")
    {
        issues.push("agents.ownership: Invalid input: expected \"explicit\"".to_string());
    }
    if let Some(defaults) = agents
        .get("defaults")
        .and_then(|d| object(d, "agents.defaults", issues))
    {
        extract_defaults(defaults, cfg, issues);
    }
    extract_roster(agents, cfg, issues);
    roster_checks(cfg, issues);
}

/// `agents.defaults`: models, utility model, aliases, the system agent.
fn extract_defaults(defaults: &Map<String, Value>, cfg: &mut OpenclawConfig, issues: &mut Issues) {
    if let Some(m) = defaults.get("model") {
        cfg.defaults_model = model_spec(m, "agents.defaults.model", issues);
    }
    if let Some(m) = defaults.get("imageModel") {
        cfg.image_model = model_spec(m, "agents.defaults.imageModel", issues);
    }
    cfg.defaults_utility = opt_string(defaults, "utilityModel", "agents.defaults", issues);
    if let Some(models) = defaults.get("models").and_then(Value::as_object) {
        for (model_ref, entry) in models {
            if let Some(alias) = entry.get("alias").and_then(Value::as_str) {
                cfg.aliases
                    .push((alias.trim().to_string(), model_ref.clone()));
            }
        }
    }
    cfg.system_agent = defaults
        .get("systemAgent")
        .and_then(|s| s.get("agentId"))
        .and_then(Value::as_str)
        .map(|s| s.trim().to_lowercase());
}

/// `agents.entries` (an object by id) or the older `agents.list`.
fn extract_roster(agents: &Map<String, Value>, cfg: &mut OpenclawConfig, issues: &mut Issues) {
    if let Some(entries) = agents.get("entries").filter(|v| !v.is_null()) {
        if let Some(entries) = object(entries, "agents.entries", issues) {
            if entries.is_empty() {
                issues.push(
                    "agents.entries: agents.entries must contain at least one configured agent"
                        .into(),
                );
            }
            for (id, e) in entries {
                let path = format!("agents.entries.{id}");
                let valid_id = !id.is_empty()
                    && id.len() <= 64
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && !id.starts_with('-');
                if !valid_id {
                    issues.push(format!("{path}: Invalid agent id"));
                    continue;
                }
                if let Some(o) = object(e, &path, issues) {
                    cfg.agents.push(agent_entry(id, o, &path, issues));
                }
            }
        }
    } else if let Some(list) = agents.get("list").filter(|v| !v.is_null()) {
        match list {
            Value::Array(items) => {
                for (i, e) in items.iter().enumerate() {
                    let path = format!("agents.list.{i}");
                    let Some(o) = object(e, &path, issues) else {
                        continue;
                    };
                    match o
                        .get("id")
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                    {
                        Some(id) => cfg.agents.push(agent_entry(id, o, &path, issues)),
                        None => issues.push(format!("{path}.id: Invalid input: expected string")),
                    }
                }
            }
            other => issues.push(format!(
                "agents.list: Invalid input: expected array, received {}",
                json_type(other)
            )),
        }
    }
}

/// The roster's consistency rules (default markers, ownership, the system
/// agent).
fn roster_checks(cfg: &OpenclawConfig, issues: &mut Issues) {
    let marked = cfg.agents.iter().filter(|a| a.default).count();
    if marked > 1 {
        issues.push(format!(
            "agents.entries: agents.entries must contain at most one default=true entry (found {marked})"
        ));
    }
    if cfg.ownership_explicit && marked > 0 {
        issues.push("agents.ownership: agents.ownership=explicit cannot be combined with a legacy default=true marker".into());
    }
    if issues.1.roster_needs_owner && cfg.agents.len() > 1 && marked == 0 && !cfg.ownership_explicit
    {
        issues.push("agents.ownership: multi-agent rosters require agents.ownership=\"explicit\" or one legacy default=true marker; add agents.ownership=\"explicit\" or run openclaw doctor".into());
    }
    if let Some(sys) = &cfg.system_agent {
        let known = if cfg.agents.is_empty() {
            sys == "main"
        } else {
            cfg.agents.iter().any(|a| &a.id == sys)
        };
        if !known {
            issues.push(format!(
                "agents.defaults.systemAgent.agentId: Unknown agent id {sys:?} (not in agents.entries)."
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(text: &str) -> OpenclawConfig {
        match parse(text, "cfg") {
            ConfigRead::Loaded(c) => *c,
            other => panic!("expected a config, got {other:?}"),
        }
    }

    fn invalid(text: &str) -> String {
        match parse(text, "cfg") {
            ConfigRead::Invalid { message, .. } => message,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn each_era_validates_as_its_release_does() {
        use clawwatch_core::openclaw::release::Release;
        let rules = |r: &str| Release::parse(r).map(Release::rules).expect("release");
        let old = "{meta:{lastTouchedVersion:'2026.5.28',lastTouchedAt:'2026-12-02T15:27:37Z'},\
                   env:{ANTHROPIC_API_KEY:'FAKE'},agents:{list:[{id:'main'},{id:'research'}]}}";
        match parse_as(old, "cfg", &rules("2026.5.28")) {
            ConfigRead::Loaded(c) => {
                assert_eq!(c.env_vars.len(), 1, "an inline env key is an env variable");
                assert_eq!(c.agents.len(), 2);
            }
            other => panic!("2026.5.28 takes it: {other:?}"),
        }
        let m = invalid(old);
        assert!(
            m.contains(r#"meta: Unrecognized key: "lastTouchedAt""#),
            "{m}"
        );
        assert!(
            m.contains(r#"env: Unrecognized key: "ANTHROPIC_API_KEY""#),
            "{m}"
        );
        assert!(m.contains("multi-agent rosters require"), "{m}");
        let new = "{meta:{migrations:{modelPolicyAllowlist:true},lastTouchedVersion:'2026.9.6'}}";
        loaded(new);
        let newer = "{meta:{migrations:{modelPolicyAllowlist:true,utilityModelSeparation:true}}}";
        loaded(newer);
        match parse_as(newer, "cfg", &rules("2026.9.1")) {
            ConfigRead::Invalid { message, .. } => assert!(
                message.contains(r#"meta.migrations: Unrecognized key: "utilityModelSeparation""#),
                "{message}"
            ),
            other => panic!("2026.9.1 refuses utilityModelSeparation: {other:?}"),
        }
        let future = "{meta:{migrations:{somethingNew:true}}}";
        assert!(matches!(
            parse_as(future, "cfg", &rules("2026.10.1")),
            ConfigRead::Loaded(_)
        ));
        match parse_as(new, "cfg", &rules("2026.7.35")) {
            ConfigRead::Invalid { message, .. } => assert!(message.contains("meta: Invalid input")),
            other => panic!("2026.7.35 refuses meta.migrations: {other:?}"),
        }
    }

    #[test]
    fn reads_json5_routes() {
        let c = loaded(
            "{agents:{defaults:{model:{primary:'anthropic/claude-sonnet-4-6',fallbacks:['openai/gpt-5.6-luna']},\
             imageModel:'google/gemini-3-pro', utilityModel:''}}, // comment\n}",
        );
        assert_eq!(
            c.defaults_model.primary.as_deref(),
            Some("anthropic/claude-sonnet-4-6")
        );
        assert_eq!(
            c.defaults_model.fallbacks.as_deref(),
            Some(&["openai/gpt-5.6-luna".to_string()][..])
        );
        assert_eq!(
            c.image_model.primary.as_deref(),
            Some("google/gemini-3-pro")
        );
        assert_eq!(c.defaults_utility.as_deref(), Some(""));
    }

    #[test]
    fn env_key_outside_vars_is_a_schema_error() {
        let m = invalid(r#"{"env":{"ANTHROPIC_API_KEY":"FAKE"}}"#);
        assert!(
            m.contains("env: Unrecognized key: \"ANTHROPIC_API_KEY\""),
            "{m}"
        );
        assert!(!m.contains("FAKE"));
    }

    #[test]
    fn roster_without_owner_is_an_error() {
        let m = invalid(r#"{"agents":{"entries":{"main":{},"research":{}}}}"#);
        assert!(m.contains("multi-agent rosters require"), "{m}");
        let c = loaded(
            r#"{"agents":{"ownership":"explicit","entries":{"main":{},"research":{"model":"openai/x"}}}}"#,
        );
        assert_eq!(c.agents.len(), 2);
    }

    #[test]
    fn malformed_and_deep_input_are_errors_not_panics() {
        assert!(
            invalid("{ not: valid json,,, }").starts_with("Failed to read config at cfg: JSON5")
        );
        let deep = "[".repeat(100_000);
        assert!(invalid(&deep).contains("nested"));
        assert!(invalid("[1,2]").contains("expected object"));
    }
}
