//! OpenClaw's SQLite credential stores, opened read-only with SQLite:
//! - `<state>/state/openclaw.sqlite`, table `config_machine_state`: rows
//!   `auth.sharedStore`, `authProfiles.store`, `authProfiles.state`;
//! - `<agentDir>/openclaw-agent.sqlite`, tables `auth_profile_store` /
//!   `auth_profile_state`, key `primary` (the legacy-main shared store and the
//!   per-agent stores).
//!
//! Which tables and columns exist is asked of SQLite's schema (never read
//! from an error message); the rows then come back from one statement, so
//! they are one consistent read. The daemon keeps its connections open
//! between cycles ([`Connections`]), so SQLite parses a store's schema once
//! per process rather than once per cycle.

use super::sqlite_open::{Mode, open_ro};
use super::store_json::{apply_state_str, parse_store_str};
use clawwatch_core::model::{AuthStore, StoreFailure, StoreLocation, StoreRead};
use clawwatch_core::openclaw::agents::AGENT_DB;
use rusqlite::Connection;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A store as read: the profiles and the messages of dropped entries.
pub type StoreRows = (AuthStore, Vec<String>);

/// Which file a connection has open, and how: a replaced file (a restore,
/// a migration that writes a new database) is opened again, and so is one
/// changed in place (size or mtime), since an `immutable` connection
/// caches its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
    mode: Mode,
}

struct Open {
    conn: Connection,
    file: FileId,
}

/// Read-only connections kept between cycles (the daemon), or none (a
/// one-shot command: `Connections::default()`).
#[derive(Default)]
pub struct Connections {
    open: Mutex<HashMap<PathBuf, Open>>,
    /// How many connections to keep (each holds a file descriptor or two).
    capacity: usize,
}

impl Connections {
    /// Keep up to `capacity` databases open between reads.
    pub fn keep(capacity: usize) -> Self {
        Connections {
            open: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn take(&self, path: &Path, file: FileId) -> Option<Connection> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let cached = open.remove(path)?;
        (cached.file == file).then_some(cached.conn)
    }

    fn give_back(&self, path: &Path, file: FileId, conn: Connection) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.len() < self.capacity {
            open.insert(path.to_path_buf(), Open { conn, file });
        }
    }

    /// Run `read` on a read-only connection to `path`, reusing a kept one
    /// when it still has this file open. A failed read drops the connection.
    fn with<T>(
        &self,
        path: &Path,
        read: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, String> {
        let meta = std::fs::metadata(path).map_err(|e| super::files::io_reason(&e))?;
        if meta.is_dir() {
            return Err("it is a directory, not a database file".into());
        }
        if !meta.is_file() {
            return Err(
                "it is not a regular file (a pipe or a device?), not a database file".into(),
            );
        }
        let mode = super::sqlite_open::mode(path)?;
        if mode == Mode::Copy {
            return super::sqlite_open::with_copy(path, read);
        }
        let file = FileId {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            mode,
        };
        let conn = match (self.take(path, file), mode) {
            (Some(c), _) => c,
            (None, Mode::Immutable) => super::sqlite_open::open_immutable(path)?,
            (None, _) => open_ro(path)?,
        };
        let out = read(&conn).map_err(|e| e.to_string())?;
        self.give_back(path, file, conn);
        Ok(out)
    }
}

/// The columns of each of `tables` that exists, from SQLite's schema.
fn columns(conn: &Connection, tables: &[&str]) -> rusqlite::Result<HashMap<String, Vec<String>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.name, p.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS p \
         WHERE m.type = 'table' AND m.name IN (?1, ?2, ?3)",
    )?;
    let name = |i: usize| tables.get(i).copied().unwrap_or("");
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let mut rows = stmt.query([name(0), name(1), name(2)])?;
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?).or_default().push(r.get(1)?);
    }
    Ok(out)
}

/// The first of `wanted` a table lacks.
fn missing_column<'w>(cols: &[String], wanted: &[&'w str]) -> Option<&'w str> {
    wanted
        .iter()
        .copied()
        .find(|w| !cols.iter().any(|c| c == w))
}

/// The three `config_machine_state` rows we read; each value or why it
/// could not be read as text.
#[derive(Default, Debug, PartialEq)]
struct StateRows {
    shared: Option<Result<String, String>>,
    store: Option<Result<String, String>>,
    state: Option<Result<String, String>>,
}

impl StateRows {
    fn set(&mut self, key: &str, value: Result<String, String>) {
        match key {
            "auth.sharedStore" => self.shared = Some(value),
            "authProfiles.store" => self.store = Some(value),
            "authProfiles.state" => self.state = Some(value),
            _ => {}
        }
    }
}

#[derive(Debug, PartialEq)]
enum StateDbRead {
    /// No `config_machine_state` table.
    NoTable,
    Rows(StateRows),
    /// The database cannot be read (message, why).
    Failed(String, StoreFailure),
}

const STATE_TABLE: &str = "config_machine_state";

fn read_state_rows(conn: &Connection) -> rusqlite::Result<StateDbRead> {
    let tables = columns(conn, &[STATE_TABLE])?;
    let Some(cols) = tables.get(STATE_TABLE) else {
        return Ok(StateDbRead::NoTable);
    };
    if let Some(col) = missing_column(cols, &["state_key", "value_json"]) {
        return Ok(StateDbRead::Failed(
            format!("cannot read auth.sharedStore: the {STATE_TABLE} table has no {col} column"),
            StoreFailure::StateDbUnreadable,
        ));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT state_key, value_json FROM config_machine_state \
         WHERE state_key IN ('auth.sharedStore', 'authProfiles.store', 'authProfiles.state')",
    )?;
    let mut out = StateRows::default();
    let mut rows = stmt.query([])?;
    loop {
        match rows.next() {
            Ok(Some(r)) => {
                let value = r.get::<_, String>(1).map_err(|e| e.to_string());
                if let Some(k) = r.get_ref(0).ok().and_then(|k| k.as_str().ok()) {
                    out.set(k, value);
                }
            }
            Ok(None) => return Ok(StateDbRead::Rows(out)),
            // A broken page: blame the row we were after (keys come back in
            // index order, auth.sharedStore first).
            Err(e) if out.shared.is_none() => {
                return Ok(StateDbRead::Failed(
                    format!("cannot read auth.sharedStore: {e}"),
                    StoreFailure::StateDbUnreadable,
                ));
            }
            Err(e) => {
                return Ok(StateDbRead::Failed(
                    e.to_string(),
                    StoreFailure::StoreRowUnreadable,
                ));
            }
        }
    }
}

fn failed(path: &Path, message: String, cause: StoreFailure) -> (StoreRead, Vec<String>) {
    let read = StoreRead::Failed {
        path: path.to_path_buf(),
        message,
        cause,
    };
    (read, vec![])
}

/// The state DB's rows, when it says the store lives there; None for the
/// legacy-main location; Err for a state DB OpenClaw cannot use.
/// Why OpenClaw cannot use the state DB, in its words.
type Unusable = (String, StoreFailure);

fn state_db(conns: &Connections, state_db: &Path) -> Result<Option<StateRows>, Unusable> {
    if std::fs::symlink_metadata(state_db).is_err() {
        return Ok(None);
    }
    let read = conns.with(state_db, read_state_rows).map_err(|e| {
        let message = format!("cannot read the state database: {e}");
        (message, StoreFailure::StateDbUnopenable)
    })?;
    let rows = match read {
        StateDbRead::NoTable => return Ok(None),
        StateDbRead::Failed(message, cause) => return Err((message, cause)),
        StateDbRead::Rows(r) => r,
    };
    match &rows.shared {
        None => Ok(None),
        Some(Err(e)) => Err((
            format!("cannot read auth.sharedStore: {e}"),
            StoreFailure::StateDbUnreadable,
        )),
        Some(Ok(text)) if !is_state_db_location(text) => {
            let shown: String = text.chars().take(120).collect();
            let message = format!(
                "Config machine state auth.sharedStore has an invalid shared auth store location ({shown}); run openclaw doctor --fix."
            );
            Err((message, StoreFailure::InvalidSharedLocation))
        }
        Some(Ok(_)) => Ok(Some(rows)),
    }
}

fn is_state_db_location(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v == serde_json::json!({"location": "state-db"}))
}

/// The store in the state DB's rows.
fn parse_state_rows(rows: StateRows) -> Result<StoreRows, String> {
    let (mut store, dropped) = match rows.store {
        None => (AuthStore::default(), vec![]),
        Some(text) => parse_store_str(&text?, "the authProfiles.store row")?,
    };
    if let Some(text) = rows.state {
        apply_state_str(&mut store, &text?, "the authProfiles.state row")?;
    }
    Ok((store, dropped))
}

/// Read the shared store: the `auth.sharedStore` row picks state-db or
/// legacy-main. Dropped profile entries are returned as messages.
pub fn read_shared(
    conns: &Connections,
    state: &Path,
    main_agent_dir: &Path,
) -> (StoreRead, Vec<String>) {
    let rows = match state_db(conns, state) {
        Ok(rows) => rows,
        Err((message, cause)) => return failed(state, message, cause),
    };
    let Some(rows) = rows else {
        return legacy_main(conns, &main_agent_dir.join(AGENT_DB));
    };
    match parse_state_rows(rows) {
        Ok((store, dropped)) => {
            let loaded = StoreRead::Loaded {
                location: StoreLocation::StateDb,
                path: state.to_path_buf(),
                store,
            };
            (loaded, dropped)
        }
        Err(e) => failed(state, e, StoreFailure::StoreRowUnreadable),
    }
}

/// The main agent's own database as the shared store, the state database
/// unread (the agent-DB era).
pub fn read_main_agent_db(conns: &Connections, main_agent_dir: &Path) -> (StoreRead, Vec<String>) {
    legacy_main(conns, &main_agent_dir.join(AGENT_DB))
}

/// The legacy-main location: the main agent's own database.
fn legacy_main(conns: &Connections, path: &Path) -> (StoreRead, Vec<String>) {
    match read_agent_db(conns, path) {
        None => (StoreRead::Empty, vec![]),
        Some(Ok((store, dropped))) => {
            let loaded = StoreRead::Loaded {
                location: StoreLocation::LegacyMain,
                path: path.to_path_buf(),
                store,
            };
            (loaded, dropped)
        }
        Some(Err(e)) => failed(path, e, StoreFailure::StoreRowUnreadable),
    }
}

const AGENT_STORE: &str = "auth_profile_store";
const AGENT_STATE: &str = "auth_profile_state";

/// An agent DB's `primary` store row and state row; None when there is no
/// store row (or no store table).
type AgentRows = Option<(String, Option<String>)>;

/// An agent DB's [`AgentRows`], or which column one of its tables lacks.
fn agent_rows(conn: &Connection) -> rusqlite::Result<Result<AgentRows, String>> {
    let tables = columns(conn, &[AGENT_STORE, AGENT_STATE])?;
    let Some(store_cols) = tables.get(AGENT_STORE) else {
        return Ok(Ok(None));
    };
    let state_cols = tables.get(AGENT_STATE);
    let missing = missing_column(store_cols, &["store_key", "store_json"])
        .map(|c| (AGENT_STORE, c))
        .or_else(|| {
            let cols = state_cols?;
            missing_column(cols, &["state_key", "state_json"]).map(|c| (AGENT_STATE, c))
        });
    if let Some((table, col)) = missing {
        return Ok(Err(format!("the {table} table has no {col} column")));
    }
    let sql = if state_cols.is_some() {
        "SELECT store_json, 0 FROM auth_profile_store WHERE store_key = 'primary' \
         UNION ALL SELECT state_json, 1 FROM auth_profile_state WHERE state_key = 'primary'"
    } else {
        "SELECT store_json, 0 FROM auth_profile_store WHERE store_key = 'primary'"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    let (mut store, mut state) = (None, None);
    while let Some(r) = rows.next()? {
        let text = r.get::<_, String>(0)?;
        match r.get::<_, i64>(1)? {
            0 => store = Some(text),
            _ => state = Some(text),
        }
    }
    Ok(Ok(store.map(|s| (s, state))))
}

/// Read `<agentDir>/openclaw-agent.sqlite`. None when there is no database
/// or it holds no auth row.
pub fn read_agent_db(conns: &Connections, path: &Path) -> Option<Result<StoreRows, String>> {
    std::fs::symlink_metadata(path).ok()?;
    let rows = match conns.with(path, agent_rows) {
        Ok(Ok(rows)) => rows?,
        Ok(Err(e)) => return Some(Err(e)),
        Err(e) => return Some(Err(format!("cannot read the agent database: {e}"))),
    };
    let (store, state) = rows;
    let read = || -> Result<StoreRows, String> {
        let (mut store, dropped) = parse_store_str(&store, "the auth_profile_store row")?;
        if let Some(text) = state {
            apply_state_str(&mut store, &text, "the auth_profile_state row")?;
        }
        Ok((store, dropped))
    };
    Some(read())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(dir: &Path, sql: &str) -> std::path::PathBuf {
        let path = dir.join("t.sqlite");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(sql).unwrap();
        path
    }

    const STORE: &str =
        r#"{"version":1,"profiles":{"a:x":{"type":"api_key","provider":"a","key":"FAKE"}}}"#;

    fn none() -> Connections {
        Connections::default()
    }

    #[test]
    fn agent_db_with_either_table_missing() {
        let t = tempfile::tempdir().unwrap();
        let only_store = db(
            t.path(),
            &format!(
                "CREATE TABLE auth_profile_store (store_key TEXT PRIMARY KEY, store_json TEXT, updated_at INTEGER);
                 INSERT INTO auth_profile_store VALUES ('primary', '{STORE}', 0);"
            ),
        );
        let (store, _) = read_agent_db(&none(), &only_store).unwrap().unwrap();
        assert_eq!(store.profiles().len(), 1);
        std::fs::remove_file(&only_store).unwrap();
        let only_state = db(
            t.path(),
            "CREATE TABLE auth_profile_state (state_key TEXT PRIMARY KEY, state_json TEXT, updated_at INTEGER);
             INSERT INTO auth_profile_state VALUES ('primary', '{}', 0);",
        );
        assert!(read_agent_db(&none(), &only_state).is_none());
    }

    #[test]
    fn agent_db_store_and_state_rows() {
        let t = tempfile::tempdir().unwrap();
        let path = db(
            t.path(),
            &format!(
                "CREATE TABLE auth_profile_store (store_key TEXT PRIMARY KEY, store_json TEXT, updated_at INTEGER);
                 CREATE TABLE auth_profile_state (state_key TEXT PRIMARY KEY, state_json TEXT, updated_at INTEGER);
                 INSERT INTO auth_profile_store VALUES ('primary', '{STORE}', 0), ('other', 'not json', 0);
                 INSERT INTO auth_profile_state VALUES ('primary', '{{\"order\":{{\"a\":[\"a:x\"]}}}}', 0);"
            ),
        );
        let (store, dropped) = read_agent_db(&none(), &path).unwrap().unwrap();
        assert!(dropped.is_empty());
        assert_eq!(store.order, vec![("a".into(), vec!["a:x".into()])]);
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "UPDATE auth_profile_state SET state_json = '{' WHERE state_key = 'primary'",
        )
        .unwrap();
        drop(c);
        let err = read_agent_db(&none(), &path).unwrap().unwrap_err();
        assert!(
            err.starts_with("the auth_profile_state row is not valid JSON"),
            "{err}"
        );
    }

    #[test]
    fn a_table_without_its_columns_is_named() {
        let t = tempfile::tempdir().unwrap();
        let path = db(
            t.path(),
            "CREATE TABLE auth_profile_store (store_key TEXT PRIMARY KEY, body TEXT);",
        );
        let err = read_agent_db(&none(), &path).unwrap().unwrap_err();
        assert_eq!(err, "the auth_profile_store table has no store_json column");
    }

    #[test]
    fn state_db_rows() {
        let t = tempfile::tempdir().unwrap();
        let path = db(
            t.path(),
            &format!(
                "CREATE TABLE config_machine_state (state_key TEXT PRIMARY KEY, value_json TEXT, updated_at_ms INTEGER);
                 INSERT INTO config_machine_state VALUES
                   ('auth.sharedStore', '{{\"location\":\"state-db\"}}', 0),
                   ('authProfiles.store', '{STORE}', 0),
                   ('authProfiles.state', '{{\"usageStats\":{{\"a:x\":{{\"lastUsed\":5}}}}}}', 0),
                   ('unrelated', 'x', 0);"
            ),
        );
        let (read, _) = read_shared(&none(), &path, t.path());
        let StoreRead::Loaded {
            store, location, ..
        } = read
        else {
            panic!("loaded: {read:?}")
        };
        assert_eq!(location, StoreLocation::StateDb);
        assert_eq!(store.profiles().len(), 1);
        assert_eq!(store.usage["a:x"].last_used, 5.0);

        let c = Connection::open(&path).unwrap();
        c.execute_batch("UPDATE config_machine_state SET value_json = NULL WHERE state_key = 'auth.sharedStore'")
            .unwrap();
        drop(c);
        let (read, _) = read_shared(&none(), &path, t.path());
        let StoreRead::Failed { message, cause, .. } = read else {
            panic!("failed: {read:?}")
        };
        assert_eq!(cause, StoreFailure::StateDbUnreadable);
        assert!(
            message.starts_with("cannot read auth.sharedStore: "),
            "{message}"
        );

        let other = t.path().join("o.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE config_machine_state (state_key TEXT PRIMARY KEY)")
            .unwrap();
        let (read, _) = read_shared(&none(), &other, t.path());
        let StoreRead::Failed { message, .. } = read else {
            panic!("failed: {read:?}")
        };
        assert_eq!(
            message,
            "cannot read auth.sharedStore: the config_machine_state table has no value_json column"
        );
    }

    /// A kept connection is reused for the same file and dropped when the
    /// file is replaced: the new file's rows are read.
    #[test]
    fn kept_connections_follow_a_replaced_file() {
        let t = tempfile::tempdir().unwrap();
        let make = |name: &str, key: &str| {
            let p = t.path().join(name);
            let store = STORE.replace("a:x", key);
            Connection::open(&p)
                .unwrap()
                .execute_batch(&format!(
                    "CREATE TABLE auth_profile_store (store_key TEXT PRIMARY KEY, store_json TEXT);
                     INSERT INTO auth_profile_store VALUES ('primary', '{store}');"
                ))
                .unwrap();
            p
        };
        let path = make("agent.sqlite", "a:first");
        let conns = Connections::keep(4);
        let ids = |conns: &Connections| {
            let (s, _) = read_agent_db(conns, &path).unwrap().unwrap();
            s.profiles()
                .iter()
                .map(|p| p.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&conns), ["a:first"]);
        assert_eq!(conns.open.lock().unwrap().len(), 1, "kept");
        assert_eq!(ids(&conns), ["a:first"]);
        let newer = make("newer.sqlite", "a:second");
        std::fs::rename(&newer, &path).unwrap();
        assert_eq!(ids(&conns), ["a:second"]);
    }
}
