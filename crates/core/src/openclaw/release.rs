//! OpenClaw releases and their rule eras, and which release will read a
//! home.
//!
//! Releases on npm judge the same home differently (recorded with each
//! release's own CLI, tests/fixtures/releases/): the credential store moved
//! from `auth-profiles.json` (the JSON-store era) to each agent's
//! `openclaw-agent.sqlite` (the agent-DB era) and then to the shared
//! `state/openclaw.sqlite` (the state-DB era), and the selection rules
//! changed with the last move. An era is a row of [`EraRules`]; the
//! evaluation reads its switches, there is no code per release.

use serde::Serialize;
use std::fmt;

/// A release version, `YYYY.M.P` (OpenClaw's calendar versions; a
/// `-beta.N` or other suffix is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release {
    pub year: u16,
    pub month: u8,
    pub patch: u32,
}

impl Release {
    pub const fn new(year: u16, month: u8, patch: u32) -> Self {
        Release { year, month, patch }
    }

    /// `2026.9.6`, `v2026.9.6`, `2026.9.6-beta.1`; None for anything else.
    pub fn parse(text: &str) -> Option<Release> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let core = t.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let year = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        if parts.next().is_some() || !(1..=12).contains(&month) || year < 2000 {
            return None;
        }
        Some(Release::new(year, month, patch))
    }

    /// The era whose rules this release applies.
    pub fn era(self) -> Era {
        ERAS.iter()
            .rev()
            .find(|e| self >= e.from)
            .map_or(Era::JsonStore, |e| e.era)
    }

    /// The rules this release applies (its era's, with the built-in
    /// default model of the release).
    pub fn rules(self) -> EraRules {
        let mut rules = *self.era().rules();
        if let Some((_, m)) = DEFAULT_MODELS.iter().rev().find(|(from, _)| self >= *from) {
            rules.default_model = m;
        }
        // A release newer than any recorded may know more migrations.
        if self <= NEWEST_KNOWN && rules.meta_keys.is_none() {
            rules.meta_migrations = META_MIGRATIONS
                .iter()
                .rev()
                .find(|(from, _)| self >= *from)
                .map(|(_, keys)| *keys);
        }
        rules
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.year, self.month, self.patch)
    }
}

impl Serialize for Release {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where credentials live, which decides most of what differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Era {
    /// 2026.5.x–2026.6.1: `agents/<id>/agent/auth-profiles.json` is the
    /// live store; SQLite is never read.
    JsonStore,
    /// 2026.6.5–2026.7.x: each agent's `openclaw-agent.sqlite`; an
    /// `auth-profiles.json` is silently ignored.
    AgentDb,
    /// 2026.8.0 on: the shared `state/openclaw.sqlite`; an unmigrated JSON
    /// store is refused ("requires legacy credential migration").
    StateDb,
}

impl Era {
    pub fn as_str(self) -> &'static str {
        match self {
            Era::JsonStore => "json-store",
            Era::AgentDb => "agent-db",
            Era::StateDb => "state-db",
        }
    }

    pub fn rules(self) -> &'static EraRules {
        ERAS.iter()
            .find(|e| e.era == self)
            .map(|e| &e.rules)
            .unwrap_or(&STATE_DB)
    }

    /// The newest release known to apply these rules (recorded).
    pub fn newest_known(self) -> Release {
        KNOWN_RELEASES
            .iter()
            .rev()
            .copied()
            .find(|r| r.era() == self)
            .unwrap_or(NEWEST_KNOWN)
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a route's credential health is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Judgement {
    /// Only the profile OpenClaw's resolver selects counts (state-DB era).
    Selected,
    /// Every profile of the provider that has not expired counts, the
    /// worst wins; a usable env key hides them all (older eras).
    RollUp,
}

/// Which store holds the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// `<agent dir>/auth-profiles.json`.
    Json,
    /// `<agent dir>/openclaw-agent.sqlite` (the main agent's for agents
    /// without their own).
    AgentDb,
    /// `state/openclaw.sqlite` (or the legacy-main agent DB), overlaid by
    /// each agent's own DB.
    StateDb,
}

/// The switches that differ between eras.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EraRules {
    pub store: StoreKind,
    pub judgement: Judgement,
    /// An unmigrated legacy JSON file makes OpenClaw refuse the agent.
    pub legacy_json_refused: bool,
    /// A utility route (the primary provider's small model) is checked.
    pub utility_route: bool,
    /// openai text routes need the codex runtime (a bare install has none).
    pub codex_text_routes: bool,
    /// The built-in default model.
    pub default_model: &'static str,
    /// `meta.lastTouchedAt` (written by older releases) fails the schema.
    pub touched_at_refused: bool,
    /// A credential written straight under `env` fails the schema (the
    /// older eras take it as an env variable).
    pub inline_env_refused: bool,
    /// Several agents need an explicit owner or one `default: true`
    /// (older eras take the first entry).
    pub roster_needs_owner: bool,
    /// The only `meta` keys the schema knows (None: any). Older releases
    /// reject the `meta.migrations` newer ones write ("meta: Invalid
    /// input").
    pub meta_keys: Option<&'static [&'static str]>,
    /// The only `meta.migrations` keys the schema knows (None: any).
    /// 2026.8.2 and 2026.9.1 reject the `utilityModelSeparation` that
    /// 2026.9.6 writes ("meta.migrations: Unrecognized key").
    pub meta_migrations: Option<&'static [&'static str]>,
}

const STATE_DB: EraRules = EraRules {
    store: StoreKind::StateDb,
    judgement: Judgement::Selected,
    legacy_json_refused: true,
    utility_route: true,
    codex_text_routes: true,
    default_model: "openai/gpt-6-astra",
    touched_at_refused: true,
    inline_env_refused: true,
    roster_needs_owner: true,
    meta_keys: None,
    meta_migrations: None,
};

const OLDER: EraRules = EraRules {
    store: StoreKind::AgentDb,
    judgement: Judgement::RollUp,
    legacy_json_refused: false,
    utility_route: false,
    codex_text_routes: false,
    default_model: "openai/gpt-5.5",
    touched_at_refused: false,
    inline_env_refused: false,
    roster_needs_owner: false,
    meta_keys: Some(&["lastTouchedVersion", "lastTouchedAt"]),
    meta_migrations: None,
};

/// An era, the first release it starts with, and its rules.
pub struct EraRow {
    pub era: Era,
    pub from: Release,
    pub rules: EraRules,
}

/// The eras in release order.
pub const ERAS: [EraRow; 3] = [
    EraRow {
        era: Era::JsonStore,
        from: Release::new(2026, 1, 0),
        rules: EraRules {
            store: StoreKind::Json,
            ..OLDER
        },
    },
    EraRow {
        era: Era::AgentDb,
        from: Release::new(2026, 6, 5),
        rules: OLDER,
    },
    EraRow {
        era: Era::StateDb,
        from: Release::new(2026, 8, 0),
        rules: STATE_DB,
    },
];

/// Built-in default models by first release (within an era they moved on).
const DEFAULT_MODELS: [(Release, &str); 3] = [
    (Release::new(2026, 1, 0), "openai/gpt-5.5"),
    (Release::new(2026, 8, 0), "openai/gpt-5.6-sol"),
    (Release::new(2026, 9, 6), "openai/gpt-6-astra"),
];

/// The `meta.migrations` keys each state-DB release knows, by first release.
const META_MIGRATIONS: [(Release, &[&str]); 2] = [
    (Release::new(2026, 8, 0), &["modelPolicyAllowlist"]),
    (
        Release::new(2026, 9, 6),
        &["modelPolicyAllowlist", "utilityModelSeparation"],
    ),
];

/// Releases recorded with their own CLI (tests/fixtures/releases/).
pub const KNOWN_RELEASES: [Release; 8] = [
    Release::new(2026, 5, 28),
    Release::new(2026, 6, 1),
    Release::new(2026, 6, 5),
    Release::new(2026, 6, 6),
    Release::new(2026, 7, 35),
    Release::new(2026, 8, 2),
    Release::new(2026, 9, 1),
    Release::new(2026, 9, 6),
];

/// The newest rules clawwatch knows (used when nothing says otherwise).
pub const NEWEST_KNOWN: Release = Release::new(2026, 9, 6);

/// What tells which release will read a home, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseSource {
    /// `--openclaw-version`.
    Flag,
    /// `[openclaw] version` in clawwatch's config.
    Config,
    /// The `openclaw` package the gateway runs (its package.json).
    InstalledCli,
    /// `meta.lastTouchedVersion` in openclaw.json.
    HomeMeta,
    /// Nothing said: the newest rules.
    Newest,
}

impl ReleaseSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseSource::Flag => "flag",
            ReleaseSource::Config => "config",
            ReleaseSource::InstalledCli => "installed-cli",
            ReleaseSource::HomeMeta => "home-meta",
            ReleaseSource::Newest => "newest",
        }
    }
}

/// An installed `openclaw` found without running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledCli {
    /// The `version` of its package.json, as written.
    pub version: String,
    /// That package.json (`~/…` display form).
    pub package_json: String,
    /// How it was found: `PATH`, `npm prefix`, `gateway unit`.
    pub found_via: String,
}

/// Everything that can name the release, as read (unparsed text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseInputs {
    pub flag: Option<String>,
    pub config: Option<String>,
    /// The CLIs found, in lookup order (the gateway unit's first).
    pub installed: Vec<InstalledCli>,
    /// `meta.lastTouchedVersion` of openclaw.json.
    pub home_meta: Option<String>,
}

/// The release a verdict is for, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseChoice {
    pub release: Release,
    pub era: Era,
    pub source: ReleaseSource,
    /// In words: which flag, key or file said so.
    pub reason: String,
    /// The release that last wrote the home, when it says.
    pub home_release: Option<Release>,
    /// The installed CLI's release, when one was found.
    pub installed_release: Option<Release>,
}

impl ReleaseChoice {
    pub fn rules(&self) -> EraRules {
        self.release.rules()
    }

    /// The home was last written in another era than the release that
    /// will read it (what `openclaw doctor --fix` would have to migrate).
    pub fn home_mismatch(&self) -> Option<Release> {
        self.home_release.filter(|h| h.era() != self.era)
    }
}

impl Default for ReleaseChoice {
    fn default() -> Self {
        decide(&ReleaseInputs::default())
    }
}

/// Decide which release reads the home: the flag, the config key, the
/// installed CLI, the home's `lastTouchedVersion`, else the newest rules.
/// A value that is not a version is skipped (the reason says so).
pub fn decide(inputs: &ReleaseInputs) -> ReleaseChoice {
    let home_release = inputs.home_meta.as_deref().and_then(Release::parse);
    let installed = inputs
        .installed
        .iter()
        .find_map(|c| Release::parse(&c.version).map(|r| (r, c)));
    let mut skipped = Vec::new();
    let mut pick = |source, text: Option<&str>, what: String| {
        let text = text?;
        match Release::parse(text) {
            Some(r) => Some((r, source, format!("{what} says {text:?}"))),
            None => {
                skipped.push(format!("{what} {text:?} is not a release version"));
                None
            }
        }
    };
    let chosen = pick(
        ReleaseSource::Flag,
        inputs.flag.as_deref(),
        "--openclaw-version".into(),
    )
    .or_else(|| {
        pick(
            ReleaseSource::Config,
            inputs.config.as_deref(),
            "[openclaw] version".into(),
        )
    })
    .or_else(|| {
        installed.map(|(r, c)| {
            let why = format!(
                "the installed openclaw ({}, found via {}) is {}",
                c.package_json, c.found_via, c.version
            );
            (r, ReleaseSource::InstalledCli, why)
        })
    })
    .or_else(|| {
        pick(
            ReleaseSource::HomeMeta,
            inputs.home_meta.as_deref(),
            "openclaw.json meta.lastTouchedVersion".into(),
        )
    });
    let (release, source, mut reason) = chosen.unwrap_or((
        NEWEST_KNOWN,
        ReleaseSource::Newest,
        "the newest known; nothing names a release (--openclaw-version, [openclaw] version, an installed openclaw, meta.lastTouchedVersion)".into(),
    ));
    if !skipped.is_empty() {
        reason = format!("{reason} ({})", skipped.join("; "));
    }
    ReleaseChoice {
        release,
        era: release.era(),
        source,
        reason,
        home_release,
        installed_release: installed.map(|(r, _)| r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Release {
        Release::parse(s).unwrap()
    }

    #[test]
    fn parses_calendar_versions() {
        assert_eq!(r("2026.9.6"), Release::new(2026, 9, 6));
        assert_eq!(r(" v2026.7.35-beta.2 "), Release::new(2026, 7, 35));
        assert_eq!(r("2026.8"), Release::new(2026, 8, 0));
        for bad in [
            "",
            "latest",
            "2026.13.1",
            "26.1.1",
            "2026.9.6.1",
            "2026.x.1",
        ] {
            assert_eq!(Release::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn releases_fall_into_the_recorded_eras() {
        let eras: Vec<Era> = KNOWN_RELEASES.iter().map(|r| r.era()).collect();
        use Era::*;
        assert_eq!(
            eras,
            [
                JsonStore, JsonStore, AgentDb, AgentDb, AgentDb, StateDb, StateDb, StateDb
            ]
        );
        assert_eq!(r("2026.9.1").rules().default_model, "openai/gpt-5.6-sol");
        assert_eq!(r("2026.9.6").rules().default_model, "openai/gpt-6-astra");
        assert_eq!(r("2026.5.28").rules().store, StoreKind::Json);
        assert_eq!(Era::AgentDb.newest_known(), r("2026.7.35"));
    }

    #[test]
    fn detection_order_is_flag_config_installed_home_newest() {
        let cli = InstalledCli {
            version: "2026.7.35".into(),
            package_json: "/usr/lib/node_modules/openclaw/package.json".into(),
            found_via: "PATH".into(),
        };
        let mut i = ReleaseInputs {
            flag: Some("2026.5.28".into()),
            config: Some("2026.6.6".into()),
            installed: vec![cli],
            home_meta: Some("2026.9.6".into()),
        };
        let order = [
            ReleaseSource::Flag,
            ReleaseSource::Config,
            ReleaseSource::InstalledCli,
            ReleaseSource::HomeMeta,
            ReleaseSource::Newest,
        ];
        for want in order {
            let c = decide(&i);
            assert_eq!(c.source, want, "{c:?}");
            match want {
                ReleaseSource::Flag => i.flag = None,
                ReleaseSource::Config => i.config = None,
                ReleaseSource::InstalledCli => i.installed.clear(),
                _ => i.home_meta = None,
            }
        }
    }

    #[test]
    fn a_bad_value_is_skipped_and_said() {
        let c = decide(&ReleaseInputs {
            flag: Some("latest".into()),
            home_meta: Some("2026.7.35".into()),
            ..Default::default()
        });
        assert_eq!(c.source, ReleaseSource::HomeMeta);
        assert!(c.reason.contains("\"latest\" is not a release version"));
        assert_eq!(c.home_mismatch(), None);
    }

    #[test]
    fn a_home_of_another_era_is_a_mismatch() {
        let c = decide(&ReleaseInputs {
            flag: Some("2026.9.6".into()),
            home_meta: Some("2026.7.35".into()),
            ..Default::default()
        });
        assert_eq!(c.home_mismatch(), Some(r("2026.7.35")));
    }
}
