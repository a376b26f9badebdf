//! Sources: read files and the environment into a plain [`Snapshot`].
//! One module per source; a failing source records a problem and never
//! stops the others.

pub mod agents;
pub mod claude_code;
pub mod dotenv;
pub mod environment;
pub mod files;
pub mod host;
pub mod openclaw_config;
pub mod profiles_json;
pub mod release;
pub mod sqlite_open;
pub mod sqlite_store;
pub mod state_dir;
pub mod store_json;

pub use host::HostEnv;
pub use sqlite_store::Connections;

use clawwatch_core::model::{
    AgentRead, AgentScope, ConfigRead, LocalStore, ReadProblem, ReadReason, Snapshot, SourceName,
    StoreLocation, StoreRead,
};
use clawwatch_core::openclaw::paths::display_path;
use clawwatch_core::openclaw::release::{ReleaseChoice, ReleaseInputs, StoreKind, decide};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `--state-dir`: overrides OPENCLAW_STATE_DIR.
    pub state_dir: Option<PathBuf>,
    /// Which agents' directories to read (the main agent's always is):
    /// only what the evaluation will look at.
    pub agents: AgentScope,
    /// The release pinned by `--openclaw-version` / `[openclaw] version`
    /// (`flag`, `config`); the rest of the inputs are read here.
    pub release: ReleaseInputs,
}

fn problem(
    source: SourceName,
    reason: ReadReason,
    path: Option<String>,
    message: String,
) -> ReadProblem {
    ReadProblem {
        source,
        reason,
        path,
        message,
    }
}

/// The JSON-store era's shared store: the main agent's auth-profiles.json.
fn json_shared(
    paths: &clawwatch_core::model::Paths,
    disp: &dyn Fn(&Path) -> String,
) -> (StoreRead, Vec<ReadProblem>) {
    let mut problems = Vec::new();
    let read = match agents::json_store(&paths.main_agent_dir, &mut problems, disp) {
        Some(LocalStore {
            path,
            store: Ok(store),
        }) => StoreRead::Loaded {
            location: StoreLocation::AgentJson,
            path,
            store,
        },
        // A malformed file is a read problem; the release sees no profiles.
        _ => StoreRead::Empty,
    };
    (read, problems)
}

/// The shared store and the problems it had, where the release keeps it.
fn shared_store(
    conns: &Connections,
    paths: &clawwatch_core::model::Paths,
    kind: StoreKind,
    disp: &dyn Fn(&Path) -> String,
) -> (StoreRead, Vec<ReadProblem>) {
    let (store, dropped) = match kind {
        StoreKind::Json => return json_shared(paths, disp),
        StoreKind::AgentDb => sqlite_store::read_main_agent_db(conns, &paths.main_agent_dir),
        StoreKind::StateDb => {
            sqlite_store::read_shared(conns, &paths.state_db, &paths.main_agent_dir)
        }
    };
    let shared_path = match &store {
        StoreRead::Loaded { path, .. } => Some(disp(path)),
        _ => None,
    };
    let mut problems: Vec<ReadProblem> = dropped
        .into_iter()
        .map(|d| {
            problem(
                SourceName::SqliteStore,
                ReadReason::DroppedProfile,
                shared_path.clone(),
                d,
            )
        })
        .collect();
    if let StoreRead::Failed { path, message, .. } = &store {
        problems.push(problem(
            SourceName::SqliteStore,
            ReadReason::Unreadable,
            Some(disp(path)),
            message.clone(),
        ));
    }
    (store, problems)
}

/// Claude Code's credentials file (`$CLAUDE_CONFIG_DIR` or `~/.claude`).
fn claude_code(
    host: &HostEnv,
    disp: &dyn Fn(&Path) -> String,
) -> (
    Option<clawwatch_core::model::ClaudeCodeRead>,
    Option<ReadProblem>,
) {
    let os_home = state_dir::os_home(host);
    let dir = host
        .non_blank("CLAUDE_CONFIG_DIR")
        .map(|d| state_dir::expand(d, &os_home, &host.cwd))
        .unwrap_or_else(|| os_home.join(".claude"));
    let read = claude_code::read(&dir.join(".credentials.json"));
    let problem = read.as_ref().and_then(|c| {
        let e = c.creds.as_ref().err()?;
        Some(problem(
            SourceName::ClaudeCode,
            ReadReason::Malformed,
            Some(disp(&c.path)),
            e.clone(),
        ))
    });
    (read, problem)
}

/// Which release will read this home (the core decides from what is read).
fn choose_release(
    host: &HostEnv,
    opts: &ReadOptions,
    config_text: &openclaw_config::ConfigText,
) -> ReleaseChoice {
    let inputs = ReleaseInputs {
        installed: release::installed(host),
        home_meta: match config_text {
            Ok(Some(text)) => release::home_meta_version(text),
            _ => None,
        },
        ..opts.release.clone()
    };
    decide(&inputs)
}

/// Read every source into a snapshot. Never fails: problems are recorded.
/// `conns` keeps database connections between reads (the daemon).
pub fn read_snapshot(host: &HostEnv, opts: &ReadOptions, conns: &Connections) -> Snapshot {
    let paths = state_dir::resolve(host, opts.state_dir.as_deref());
    let home = paths.home.clone();
    let disp = |p: &Path| display_path(p, &home);
    let mut problems = Vec::new();
    // openclaw.json is read once: its meta names a release, whose rules
    // then judge it.
    let config_display = disp(&paths.config_path);
    let config_text = openclaw_config::load_text(&paths.config_path, &config_display);
    let release = choose_release(host, opts, &config_text);
    let config = openclaw_config::judge_text(&config_text, &config_display, &release.rules());
    drop(config_text);
    if let ConfigRead::Invalid { message, .. } = &config {
        let path = Some(disp(&paths.config_path));
        problems.push(problem(
            SourceName::OpenclawConfig,
            ReadReason::Invalid,
            path,
            message.clone(),
        ));
    }
    let kind = release.rules().store;
    let (shared_store, p) = shared_store(conns, &paths, kind, &disp);
    problems.extend(p);
    let rules = release.rules();
    let dirs = agents::directories(host, &paths, config.loaded(), (&opts.agents, &rules));
    // The legacy-main shared store is the main agent's own DB: no overlay.
    let main_shares_db = !matches!(
        &shared_store,
        StoreRead::Loaded {
            location: StoreLocation::StateDb,
            ..
        }
    );
    // Agent stores are independent files: read them on every core.
    let read_one =
        |d: &(String, PathBuf)| agents::read(conns, d, &paths, (main_shares_db, kind), &disp);
    let mut agent_reads: Vec<AgentRead> = Vec::with_capacity(dirs.len());
    for (a, p) in crate::par::map(&dirs, &read_one) {
        agent_reads.push(a);
        problems.extend(p);
    }
    let (env, p) = environment::read(host, &paths, &config, &disp);
    problems.extend(p);
    let (claude_code, p) = claude_code(host, &disp);
    problems.extend(p);
    Snapshot {
        release,
        paths,
        config,
        shared_store,
        agents: agent_reads,
        env,
        claude_code,
        problems,
    }
}
