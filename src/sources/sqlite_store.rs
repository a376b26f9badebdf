//! OpenClaw's SQLite credential stores, opened read-only:
//! - `<state>/state/openclaw.sqlite`, table `config_machine_state`: rows
//!   `auth.sharedStore`, `authProfiles.store`, `authProfiles.state`;
//! - `<agentDir>/openclaw-agent.sqlite`, tables `auth_profile_store` /
//!   `auth_profile_state`, key `primary` (the legacy-main shared store and the
//!   per-agent stores).
//!
//! Each database is first read by [`super::sqlite_file`], which reads the
//! file format directly and so skips SQLite's parse of the whole schema
//! (most of a check's time on a migrated state DB). When that reader is not
//! sure of its answer, SQLite reads the database, with one statement: a
//! single SELECT is one read transaction (one consistent view, one shared
//! lock), and preparing SQL is most of what SQLite costs here, so the rows
//! come back together. Either way the rows are the same; SQLite's messages
//! are the ones shown for anything unreadable.

use super::sqlite_file::{self, Lookup, Query};
use super::store_json::{apply_state_str, parse_store_str};
use crate::model::{AuthStore, StoreLocation, StoreRead};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::Value;
use std::path::Path;

pub const AGENT_DB: &str = "openclaw-agent.sqlite";

/// Open a database strictly read-only: never creates, never writes, never
/// takes a write lock.
fn open_ro(path: &Path) -> Result<Connection, String> {
    let meta = std::fs::metadata(path).map_err(|e| super::openclaw_config::io_reason(&e))?;
    if meta.is_dir() {
        return Err("it is a directory, not a database file".into());
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| e.to_string())?;
    let _ = conn.busy_timeout(std::time::Duration::from_millis(1000));
    Ok(conn)
}

/// Whether SQLite's message for `e` starts with `what` ("no such table", …);
/// rusqlite reports it with or without the SQL it points into.
fn no_such(e: &rusqlite::Error, what: &str) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(msg))
        | rusqlite::Error::SqlInputError { msg, .. } => msg.starts_with(what),
        _ => false,
    }
}

/// The three `config_machine_state` rows we read; each value or why it
/// could not be read as text.
#[derive(Default, Debug, PartialEq)]
struct StateRows {
    shared: Option<Result<String, String>>,
    store: Option<Result<String, String>>,
    state: Option<Result<String, String>>,
}

#[derive(Debug, PartialEq)]
enum StateDbRead {
    /// No `config_machine_state` table.
    NoTable,
    Rows(StateRows),
    /// The database cannot be read at all (message, fix).
    Failed(String, &'static str),
}

const FIX_DOCTOR_FIX: &str = "run `openclaw doctor --fix`";
const FIX_RELOGIN: &str = "run `openclaw doctor`, or re-run `openclaw models auth login`";

const STATE_KEYS: [&str; 3] = [
    "auth.sharedStore",
    "authProfiles.store",
    "authProfiles.state",
];

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

/// The state rows read straight from the file, when that reader is sure.
fn read_state_rows_fast(path: &Path) -> Option<StateDbRead> {
    let query = Query {
        table: "config_machine_state",
        key: "state_key",
        value: "value_json",
        keys: &STATE_KEYS,
    };
    let [found] = <[Lookup; 1]>::try_from(sqlite_file::read(path, &[query])?).ok()?;
    Some(match found {
        Lookup::NoTable => StateDbRead::NoTable,
        Lookup::Rows(rows) => {
            let mut out = StateRows::default();
            for (k, v) in rows {
                out.set(&k, Ok(v));
            }
            StateDbRead::Rows(out)
        }
    })
}

fn read_state_rows(conn: &Connection) -> StateDbRead {
    let sql = "SELECT state_key, value_json FROM config_machine_state \
               WHERE state_key IN ('auth.sharedStore', 'authProfiles.store', 'authProfiles.state')";
    let mut stmt = match conn.prepare(sql) {
        Ok(s) => s,
        Err(e) if no_such(&e, "no such table") => return StateDbRead::NoTable,
        Err(e) if no_such(&e, "no such column") => {
            return StateDbRead::Failed(
                format!("cannot read auth.sharedStore: {e}"),
                FIX_DOCTOR_FIX,
            );
        }
        Err(e) => {
            return StateDbRead::Failed(
                format!("cannot read the state database: {e}"),
                FIX_DOCTOR_FIX,
            );
        }
    };
    let mut out = StateRows::default();
    let mut rows = match stmt.query([]) {
        Ok(r) => r,
        Err(e) => {
            return StateDbRead::Failed(
                format!("cannot read auth.sharedStore: {e}"),
                FIX_DOCTOR_FIX,
            );
        }
    };
    loop {
        match rows.next() {
            Ok(Some(r)) => {
                let value = r.get::<_, String>(1).map_err(|e| e.to_string());
                if let Some(k) = r.get_ref(0).ok().and_then(|k| k.as_str().ok()) {
                    out.set(k, value);
                }
            }
            Ok(None) => return StateDbRead::Rows(out),
            // A broken page: blame the row we were after (keys come back in
            // index order, auth.sharedStore first).
            Err(e) if out.shared.is_none() => {
                return StateDbRead::Failed(
                    format!("cannot read auth.sharedStore: {e}"),
                    FIX_DOCTOR_FIX,
                );
            }
            Err(e) => return StateDbRead::Failed(e.to_string(), FIX_RELOGIN),
        }
    }
}

/// Read the shared store: the `auth.sharedStore` row picks state-db or
/// legacy-main. Dropped profile entries are returned as messages.
pub fn read_shared(state_db: &Path, main_agent_dir: &Path) -> (StoreRead, Vec<String>) {
    let failed = |message: String, fix: &str| {
        (
            StoreRead::Failed {
                path: state_db.to_path_buf(),
                message,
                fix: fix.to_string(),
            },
            vec![],
        )
    };
    let mut rows = None;
    if std::fs::symlink_metadata(state_db).is_ok() {
        let read = match read_state_rows_fast(state_db) {
            Some(read) => read,
            None => match open_ro(state_db) {
                Ok(conn) => read_state_rows(&conn),
                Err(e) => {
                    return failed(
                        format!("cannot read the state database: {e}"),
                        "restore ~/.openclaw/state/openclaw.sqlite from a backup or run `openclaw doctor`",
                    );
                }
            },
        };
        match read {
            StateDbRead::NoTable => {}
            StateDbRead::Failed(message, fix) => return failed(message, fix),
            StateDbRead::Rows(r) => match &r.shared {
                None => {}
                Some(Err(e)) => {
                    return failed(format!("cannot read auth.sharedStore: {e}"), FIX_DOCTOR_FIX);
                }
                Some(Ok(text)) => {
                    let ok = serde_json::from_str::<Value>(text)
                        .ok()
                        .is_some_and(|v| v == serde_json::json!({"location": "state-db"}));
                    if !ok {
                        let shown: String = text.chars().take(120).collect();
                        return failed(
                            format!(
                                "Config machine state auth.sharedStore has an invalid shared auth store location ({shown}); run openclaw doctor --fix."
                            ),
                            FIX_DOCTOR_FIX,
                        );
                    }
                    rows = Some(r);
                }
            },
        }
    }

    let Some(rows) = rows else {
        // legacy-main: the main agent's own database.
        let path = main_agent_dir.join(AGENT_DB);
        return match read_agent_db(&path) {
            None => (StoreRead::Empty, vec![]),
            Some(Ok((store, dropped))) => (
                StoreRead::Loaded {
                    location: StoreLocation::LegacyMain,
                    path,
                    store,
                },
                dropped,
            ),
            Some(Err(e)) => (
                StoreRead::Failed {
                    path,
                    message: e,
                    fix: FIX_RELOGIN.into(),
                },
                vec![],
            ),
        };
    };
    let read = || -> Result<(AuthStore, Vec<String>), String> {
        let (mut store, dropped) = match rows.store {
            None => (AuthStore::default(), vec![]),
            Some(text) => parse_store_str(&text?, "the authProfiles.store row")?,
        };
        if let Some(text) = rows.state {
            apply_state_str(&mut store, &text?, "the authProfiles.state row")?;
        }
        Ok((store, dropped))
    };
    match read() {
        Ok((store, dropped)) => (
            StoreRead::Loaded {
                location: StoreLocation::StateDb,
                path: state_db.to_path_buf(),
                store,
            },
            dropped,
        ),
        Err(e) => failed(e, FIX_RELOGIN),
    }
}

/// Read `<agentDir>/openclaw-agent.sqlite`. None when there is no database
/// or it holds no auth row.
pub fn read_agent_db(path: &Path) -> Option<Result<(AuthStore, Vec<String>), String>> {
    std::fs::symlink_metadata(path).ok()?;
    let rows = match agent_rows_fast(path) {
        Some(rows) => Ok(rows),
        None => match open_ro(path) {
            Ok(conn) => agent_rows(&conn),
            Err(e) => return Some(Err(format!("cannot read the agent database: {e}"))),
        },
    };
    let read = || -> Result<Option<(AuthStore, Vec<String>)>, String> {
        let (store, state) = match rows? {
            Some(rows) => rows,
            None => return Ok(None),
        };
        let (mut store, dropped) = parse_store_str(&store, "the auth_profile_store row")?;
        if let Some(text) = state {
            apply_state_str(&mut store, &text, "the auth_profile_state row")?;
        }
        Ok(Some((store, dropped)))
    };
    read().transpose()
}

/// [`agent_rows`] read straight from the file, when that reader is sure.
fn agent_rows_fast(path: &Path) -> Option<Option<(String, Option<String>)>> {
    let primary = ["primary"];
    let queries = [
        Query {
            table: "auth_profile_store",
            key: "store_key",
            value: "store_json",
            keys: &primary,
        },
        Query {
            table: "auth_profile_state",
            key: "state_key",
            value: "state_json",
            keys: &primary,
        },
    ];
    let mut found = sqlite_file::read(path, &queries)?
        .into_iter()
        .map(|l| match l {
            Lookup::NoTable => None,
            Lookup::Rows(rows) => rows.into_iter().next().map(|(_, v)| v),
        });
    let (store, state) = (found.next()?, found.next()?);
    Some(store.map(|s| (s, state)))
}

/// The `primary` store row and state row, or None when there is no store
/// row (or no store table).
fn agent_rows(conn: &Connection) -> Result<Option<(String, Option<String>)>, String> {
    let sql = "SELECT store_json, 0 FROM auth_profile_store WHERE store_key = 'primary' \
               UNION ALL SELECT state_json, 1 FROM auth_profile_state WHERE state_key = 'primary'";
    let mut stmt = match conn.prepare(sql) {
        Ok(s) => s,
        // A database with only one of the tables: one statement per table.
        Err(e) if no_such(&e, "no such table") => return agent_rows_per_table(conn),
        Err(e) => return Err(e.to_string()),
    };
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let (mut store, mut state) = (None, None);
    while let Some(r) = rows.next().map_err(|e| e.to_string())? {
        let text = r.get::<_, String>(0).map_err(|e| e.to_string())?;
        match r.get::<_, i64>(1) {
            Ok(0) => store = Some(text),
            _ => state = Some(text),
        }
    }
    Ok(store.map(|s| (s, state)))
}

fn agent_rows_per_table(conn: &Connection) -> Result<Option<(String, Option<String>)>, String> {
    // Both statements in one read transaction: one consistent view.
    conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
    let Some(store) = row_if_table(
        conn,
        "SELECT store_json FROM auth_profile_store WHERE store_key = ?1",
    )?
    else {
        return Ok(None);
    };
    let state = row_if_table(
        conn,
        "SELECT state_json FROM auth_profile_state WHERE state_key = ?1",
    )?;
    Ok(Some((store, state)))
}

/// The `primary` row of a query, or None when the row or its table is absent.
fn row_if_table(conn: &Connection, sql: &str) -> Result<Option<String>, String> {
    match conn
        .query_row(sql, ["primary"], |r| r.get::<_, String>(0))
        .optional()
    {
        Ok(v) => Ok(v),
        Err(e) if no_such(&e, "no such table") => Ok(None),
        Err(e) => Err(e.to_string()),
    }
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

    /// OpenClaw's own tables, beside a migrated schema's worth of others,
    /// in rollback and WAL mode: the file reader answers (no SQLite schema
    /// parse) and agrees with SQLite.
    #[test]
    fn the_file_reader_answers_for_openclaws_tables() {
        let t = tempfile::tempdir().unwrap();
        for wal in [false, true] {
            let dir = t.path().join(format!("wal-{wal}"));
            std::fs::create_dir(&dir).unwrap();
            let mut ddl = String::from("BEGIN;");
            for i in 0..160 {
                ddl += &format!(
                    "CREATE TABLE t{i} (id TEXT NOT NULL PRIMARY KEY, body TEXT) STRICT; CREATE INDEX t{i}_body ON t{i}(body);"
                );
            }
            ddl += &format!(
                "CREATE TABLE config_machine_state (state_key TEXT NOT NULL PRIMARY KEY, value_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL) STRICT;
                 INSERT INTO config_machine_state VALUES
                   ('auth.sharedStore', '{{\"location\":\"state-db\"}}', 1),
                   ('authProfiles.store', '{STORE}', 1),
                   ('authProfiles.state', '{{\"version\":1}}', 1),
                   ('gateway.other', 'x', 1);
                 CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
                 CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
                 INSERT INTO auth_profile_store VALUES ('primary', '{STORE}', 1);
                 INSERT INTO auth_profile_state VALUES ('primary', '{{}}', 1);
                 COMMIT;"
            );
            let path = dir.join("openclaw.sqlite");
            let writer = Connection::open(&path).unwrap();
            if wal {
                writer.execute_batch("PRAGMA journal_mode = WAL").unwrap();
            }
            writer.execute_batch(&ddl).unwrap();
            if wal {
                assert!(
                    std::fs::metadata(dir.join("openclaw.sqlite-wal"))
                        .unwrap()
                        .len()
                        > 0
                );
            }
            let conn = open_ro(&path).unwrap();
            let fast = read_state_rows_fast(&path);
            assert!(
                matches!(fast, Some(StateDbRead::Rows(_))),
                "wal {wal}: {fast:?}"
            );
            assert_eq!(fast.unwrap(), read_state_rows(&conn), "wal {wal}");
            let fast = agent_rows_fast(&path);
            assert!(matches!(fast, Some(Some(_))), "wal {wal}: {fast:?}");
            assert_eq!(fast.unwrap(), agent_rows(&conn).unwrap(), "wal {wal}");
            drop(writer);
        }
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
        let (store, _) = read_agent_db(&only_store).unwrap().unwrap();
        assert_eq!(store.profiles.len(), 1);
        std::fs::remove_file(&only_store).unwrap();
        let only_state = db(
            t.path(),
            "CREATE TABLE auth_profile_state (state_key TEXT PRIMARY KEY, state_json TEXT, updated_at INTEGER);
             INSERT INTO auth_profile_state VALUES ('primary', '{}', 0);",
        );
        assert!(read_agent_db(&only_state).is_none());
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
        let (store, dropped) = read_agent_db(&path).unwrap().unwrap();
        assert!(dropped.is_empty());
        assert_eq!(store.order, vec![("a".into(), vec!["a:x".into()])]);
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "UPDATE auth_profile_state SET state_json = '{' WHERE state_key = 'primary'",
        )
        .unwrap();
        drop(c);
        let err = read_agent_db(&path).unwrap().unwrap_err();
        assert!(
            err.starts_with("the auth_profile_state row is not valid JSON"),
            "{err}"
        );
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
        let (read, _) = read_shared(&path, t.path());
        let StoreRead::Loaded {
            store, location, ..
        } = read
        else {
            panic!("loaded: {read:?}")
        };
        assert_eq!(location, StoreLocation::StateDb);
        assert_eq!(store.profiles.len(), 1);
        assert_eq!(store.usage["a:x"].last_used, 5.0);

        let c = Connection::open(&path).unwrap();
        c.execute_batch("UPDATE config_machine_state SET value_json = NULL WHERE state_key = 'auth.sharedStore'")
            .unwrap();
        drop(c);
        let (read, _) = read_shared(&path, t.path());
        let StoreRead::Failed { message, .. } = read else {
            panic!("failed: {read:?}")
        };
        assert!(
            message.starts_with("cannot read auth.sharedStore: "),
            "{message}"
        );

        let other = t.path().join("o.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE config_machine_state (state_key TEXT PRIMARY KEY)")
            .unwrap();
        let (read, _) = read_shared(&other, t.path());
        let StoreRead::Failed { message, .. } = read else {
            panic!("failed: {read:?}")
        };
        assert!(
            message.starts_with("cannot read auth.sharedStore: no such column"),
            "{message}"
        );
    }
}
