//! OpenClaw's SQLite credential stores, opened read-only:
//! - `<state>/state/openclaw.sqlite`, table `config_machine_state`: rows
//!   `auth.sharedStore`, `authProfiles.store`, `authProfiles.state`;
//! - `<agentDir>/openclaw-agent.sqlite`, tables `auth_profile_store` /
//!   `auth_profile_state`, key `primary` (the legacy-main shared store and the
//!   per-agent stores).

use super::store_json::{apply_state, parse_store};
use crate::model::{AuthStore, StoreLocation, StoreRead};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::Value;
use std::path::Path;

pub const AGENT_DB: &str = "openclaw-agent.sqlite";

/// Open a database strictly read-only: never creates, never writes, never
/// takes a write lock (an `immutable` open is the fallback when the journal
/// files cannot be created).
fn open_ro(path: &Path) -> Result<Connection, String> {
    let meta = std::fs::metadata(path).map_err(|e| super::openclaw_config::io_reason(&e))?;
    if meta.is_dir() {
        return Err("it is a directory, not a database file".into());
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| e.to_string())?;
    let _ = conn.busy_timeout(std::time::Duration::from_millis(1000));
    // One read transaction for all our queries: one consistent view, and the
    // shared lock is taken once instead of per statement.
    conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
    Ok(conn)
}

fn table_exists(conn: &Connection, table: &str) -> Result<bool, String> {
    conn.query_row(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |_| Ok(()),
    )
    .optional()
    .map(|r| r.is_some())
    .map_err(|e| e.to_string())
}

fn row(conn: &Connection, sql: &str, key: &str) -> Result<Option<String>, String> {
    conn.query_row(sql, [key], |r| r.get::<_, String>(0))
        .optional()
        .map_err(|e| e.to_string())
}

fn json(text: &str, what: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{what} is not valid JSON ({e})"))
}

/// Read the shared store: the `auth.sharedStore` row picks state-db or
/// legacy-main. Dropped profile entries are returned as messages.
pub fn read_shared(state_db: &Path, main_agent_dir: &Path) -> (StoreRead, Vec<String>) {
    let fix_doctor = "run `openclaw doctor --fix`".to_string();
    let mut location = StoreLocation::LegacyMain;
    let mut conn_state = None;
    if std::fs::symlink_metadata(state_db).is_ok() {
        let conn = match open_ro(state_db) {
            Ok(c) => c,
            Err(e) => {
                return (
                    StoreRead::Failed {
                        path: state_db.to_path_buf(),
                        message: format!("cannot read the state database: {e}"),
                        fix: "restore ~/.openclaw/state/openclaw.sqlite from a backup or run `openclaw doctor`".into(),
                    },
                    vec![],
                );
            }
        };
        let has_table = match table_exists(&conn, "config_machine_state") {
            Ok(t) => t,
            Err(e) => {
                return (
                    StoreRead::Failed {
                        path: state_db.to_path_buf(),
                        message: format!("cannot read the state database: {e}"),
                        fix: fix_doctor,
                    },
                    vec![],
                );
            }
        };
        if has_table {
            let q = "SELECT value_json FROM config_machine_state WHERE state_key = ?1";
            match row(&conn, q, "auth.sharedStore") {
                Ok(None) => {}
                Ok(Some(text)) => {
                    let ok = serde_json::from_str::<Value>(&text)
                        .ok()
                        .is_some_and(|v| v == serde_json::json!({"location": "state-db"}));
                    if !ok {
                        let shown: String = text.chars().take(120).collect();
                        return (
                            StoreRead::Failed {
                                path: state_db.to_path_buf(),
                                message: format!(
                                    "Config machine state auth.sharedStore has an invalid shared auth store location ({shown}); run openclaw doctor --fix."
                                ),
                                fix: fix_doctor,
                            },
                            vec![],
                        );
                    }
                    location = StoreLocation::StateDb;
                }
                Err(e) => {
                    return (
                        StoreRead::Failed {
                            path: state_db.to_path_buf(),
                            message: format!("cannot read auth.sharedStore: {e}"),
                            fix: fix_doctor,
                        },
                        vec![],
                    );
                }
            }
            conn_state = Some(conn);
        }
    }

    match location {
        StoreLocation::StateDb => {
            let conn = conn_state.expect("state-db location implies an open connection");
            let q = "SELECT value_json FROM config_machine_state WHERE state_key = ?1";
            let read = || -> Result<(Option<AuthStore>, Vec<String>), String> {
                let mut dropped = vec![];
                let store = match row(&conn, q, "authProfiles.store")? {
                    None => None,
                    Some(text) => {
                        let (s, d) = parse_store(&json(&text, "the authProfiles.store row")?)
                            .map_err(|e| format!("the authProfiles.store row: {e}"))?;
                        dropped = d;
                        Some(s)
                    }
                };
                let mut store = store.unwrap_or_default();
                if let Some(text) = row(&conn, q, "authProfiles.state")?
                    && let Value::Object(o) = json(&text, "the authProfiles.state row")?
                {
                    apply_state(&mut store, &o);
                }
                Ok((Some(store), dropped))
            };
            match read() {
                Ok((Some(store), dropped)) => (
                    StoreRead::Loaded {
                        location,
                        path: state_db.to_path_buf(),
                        store,
                    },
                    dropped,
                ),
                Ok((None, _)) => (StoreRead::Empty, vec![]),
                Err(e) => (
                    StoreRead::Failed {
                        path: state_db.to_path_buf(),
                        message: e,
                        fix: "run `openclaw doctor`, or re-run `openclaw models auth login`".into(),
                    },
                    vec![],
                ),
            }
        }
        StoreLocation::LegacyMain => {
            let path = main_agent_dir.join(AGENT_DB);
            match read_agent_db(&path) {
                None => (StoreRead::Empty, vec![]),
                Some(Ok((store, dropped))) => (
                    StoreRead::Loaded {
                        location,
                        path,
                        store,
                    },
                    dropped,
                ),
                Some(Err(e)) => (
                    StoreRead::Failed {
                        path,
                        message: e,
                        fix: "run `openclaw doctor`, or re-run `openclaw models auth login`".into(),
                    },
                    vec![],
                ),
            }
        }
    }
}

/// Read `<agentDir>/openclaw-agent.sqlite`. None when there is no database
/// or it holds no auth row.
pub fn read_agent_db(path: &Path) -> Option<Result<(AuthStore, Vec<String>), String>> {
    std::fs::symlink_metadata(path).ok()?;
    let conn = match open_ro(path) {
        Ok(c) => c,
        Err(e) => return Some(Err(format!("cannot read the agent database: {e}"))),
    };
    // One statement per table: a missing table is "no store", any other
    // error (not a database, truncated, …) is reported.
    let read = || -> Result<Option<(AuthStore, Vec<String>)>, String> {
        let Some(text) = row_if_table(
            &conn,
            "SELECT store_json FROM auth_profile_store WHERE store_key = ?1",
        )?
        else {
            return Ok(None);
        };
        let (mut store, dropped) = parse_store(&json(&text, "the auth_profile_store row")?)
            .map_err(|e| format!("the auth_profile_store row: {e}"))?;
        if let Some(text) = row_if_table(
            &conn,
            "SELECT state_json FROM auth_profile_state WHERE state_key = ?1",
        )? && let Value::Object(o) = json(&text, "the auth_profile_state row")?
        {
            apply_state(&mut store, &o);
        }
        Ok(Some((store, dropped)))
    };
    read().transpose()
}

/// The `primary` row of a query, or None when the row or its table is absent.
fn row_if_table(conn: &Connection, sql: &str) -> Result<Option<String>, String> {
    match conn
        .query_row(sql, ["primary"], |r| r.get::<_, String>(0))
        .optional()
    {
        Ok(v) => Ok(v),
        Err(rusqlite::Error::SqliteFailure(_, Some(msg))) if msg.starts_with("no such table") => {
            Ok(None)
        }
        Err(e) => Err(e.to_string()),
    }
}
