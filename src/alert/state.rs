//! The alert state: what was noticed, what each channel was told, what is
//! still to deliver. Versioned JSON, written atomically (temp file in the
//! same directory, fsync, rename, fsync of the directory).
//!
//! Versions:
//! - 1: the first format: `{"version":1,"alerts":{"agent|provider|profile|condition":
//!   {"severity","rank","since_ms","last_notified_ms","resolved"}}}` — one
//!   map, no outbox, no per-channel delivery.
//! - 2 (current): records with per-channel delivery, an outbox of pending
//!   notices, per-channel backoff.

use super::types::{AlertKey, NoticeKind, Notification, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const STATE_VERSION: u32 = 2;

/// Marks a record migrated from a format without per-channel delivery: its
/// firing notice counts as delivered to every channel.
pub const ALL_CHANNELS: &str = "*";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    pub version: u32,
    /// The next notice id.
    pub next_id: u64,
    #[serde(with = "records")]
    pub alerts: BTreeMap<AlertKey, AlertRecord>,
    /// Notices not yet accepted by every channel they are meant for.
    pub outbox: Vec<OutboxEntry>,
    /// Per-channel delivery health and backoff.
    pub channels: BTreeMap<String, ChannelState>,
}

impl Default for AlertState {
    fn default() -> Self {
        AlertState {
            version: STATE_VERSION,
            next_id: 1,
            alerts: BTreeMap::new(),
            outbox: vec![],
            channels: BTreeMap::new(),
        }
    }
}

/// One alert key's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Observed firing at the last cycle.
    pub firing: bool,
    /// Current rank (expiry: 1.. per threshold crossed, thresholds+1 = expired).
    pub rank: u32,
    pub severity: Severity,
    /// When this incident started.
    pub since_ms: i64,
    #[serde(default)]
    pub resolved_at_ms: Option<i64>,
    /// The highest rank a firing notice was planned for in this incident
    /// (lowered when the condition improves, so a new crossing notifies).
    pub notified_rank: u32,
    /// The severity of the last firing notice planned in this incident.
    #[serde(default)]
    pub notified_severity: Option<Severity>,
    /// The last planned notice was a firing one (people believe it fires).
    pub believed_firing: bool,
    #[serde(default)]
    pub last_firing_notice_ms: Option<i64>,
    #[serde(default)]
    pub last_resolved_notice_ms: Option<i64>,
    /// Channels whose last accepted notice for this key was a firing one.
    #[serde(default)]
    pub delivered: BTreeSet<String>,
    /// The latest details (rendered by resolved notices and refreshes).
    pub current: Notification,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub notice: Notification,
    /// Channel name → delivery attempts so far.
    pub pending: BTreeMap<String, Pending>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Pending {
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChannelState {
    /// Consecutive failed deliveries (0 when the last one succeeded).
    pub failures: u32,
    /// Do not try before this instant (exponential backoff).
    #[serde(default)]
    pub next_try_ms: Option<i64>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub last_success_ms: Option<i64>,
}

impl AlertState {
    /// Record that `channel` accepted notice `n`: it leaves the outbox for
    /// that channel, the key remembers what the channel was told, and the
    /// channel's backoff is reset.
    pub fn accepted(&mut self, n: &Notification, channel: &str, now_ms: i64) {
        for e in self.outbox.iter_mut().filter(|e| e.notice.id == n.id) {
            e.pending.remove(channel);
        }
        self.outbox.retain(|e| !e.pending.is_empty());
        if let Some(rec) = self.alerts.get_mut(&n.key) {
            if n.kind.is_firing() {
                rec.delivered.insert(channel.to_string());
            } else if n.state == "ok" {
                rec.delivered.remove(channel);
            }
            // (A downgrade — "critical" resolved, still a warning — keeps
            // the channel among those told it fires.)
        }
        let cs = self.channels.entry(channel.to_string()).or_default();
        cs.failures = 0;
        cs.next_try_ms = None;
        cs.last_error = None;
        cs.last_success_ms = Some(now_ms);
    }

    /// Record a failed delivery of `n` to `channel`. A transient failure
    /// keeps the notice and backs the channel off (`backoff_ms` of the
    /// failure count); a permanent one drops the notice for that channel.
    pub fn failed(
        &mut self,
        n: &Notification,
        channel: &str,
        error: &str,
        transient: bool,
        now_ms: i64,
        backoff_ms: impl Fn(u32) -> i64,
    ) {
        if let Some(p) = self
            .outbox
            .iter_mut()
            .find(|x| x.notice.id == n.id)
            .and_then(|x| x.pending.get_mut(channel))
        {
            p.attempts += 1;
            p.last_error = Some(error.to_string());
        }
        if !transient {
            for x in self.outbox.iter_mut().filter(|x| x.notice.id == n.id) {
                x.pending.remove(channel);
            }
            self.outbox.retain(|x| !x.pending.is_empty());
        }
        self.channel_failed(channel, error, transient, now_ms, backoff_ms);
    }

    /// Record a channel failure (a send or an Alertmanager refresh).
    pub fn channel_failed(
        &mut self,
        channel: &str,
        error: &str,
        transient: bool,
        now_ms: i64,
        backoff_ms: impl Fn(u32) -> i64,
    ) {
        let cs = self.channels.entry(channel.to_string()).or_default();
        cs.last_error = Some(error.to_string());
        if transient {
            cs.failures += 1;
            cs.next_try_ms = Some(now_ms + backoff_ms(cs.failures));
        }
    }

    /// True while `channel` is backing off.
    pub fn backing_off(&self, channel: &str, now_ms: i64) -> bool {
        self.channels
            .get(channel)
            .and_then(|c| c.next_try_ms)
            .is_some_and(|t| t > now_ms)
    }
}

mod records {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Item {
        key: AlertKey,
        #[serde(flatten)]
        record: AlertRecord,
    }

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<AlertKey, AlertRecord>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let items: Vec<Item> = m
            .iter()
            .map(|(k, r)| Item {
                key: k.clone(),
                record: r.clone(),
            })
            .collect();
        items.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<AlertKey, AlertRecord>, D::Error> {
        let items = Vec::<Item>::deserialize(d)?;
        Ok(items.into_iter().map(|i| (i.key, i.record)).collect())
    }
}

// ------------------------------------------------------------ versions

#[derive(Deserialize)]
struct V1 {
    #[serde(default)]
    alerts: BTreeMap<String, V1Alert>,
}

#[derive(Deserialize)]
struct V1Alert {
    severity: Severity,
    #[serde(default)]
    rank: u32,
    since_ms: i64,
    #[serde(default)]
    last_notified_ms: Option<i64>,
    #[serde(default)]
    resolved: bool,
}

fn migrate_v1(v: serde_json::Value) -> Result<AlertState, String> {
    let old: V1 = serde_json::from_value(v).map_err(|e| format!("version 1 state: {e}"))?;
    let mut st = AlertState::default();
    for (k, a) in old.alerts {
        let mut parts = k.splitn(4, '|');
        let mut next = || parts.next().unwrap_or_default().to_string();
        let key = AlertKey {
            agent: next(),
            provider: next(),
            profile: next(),
            condition: next(),
        };
        let rank = a.rank.max(1);
        let notified = a.last_notified_ms.is_some();
        let current = Notification {
            id: 0,
            key: key.clone(),
            kind: NoticeKind::Firing,
            severity: a.severity,
            previous_severity: None,
            state: match (key.condition.as_str(), a.severity) {
                ("expiry", Severity::Critical) => "expired".into(),
                ("expiry", Severity::Warning) => "expiring".into(),
                (c, _) => c.split(':').next().unwrap_or(c).to_string(),
            },
            cred_type: String::new(),
            source: String::new(),
            expires_at_ms: None,
            threshold_ms: None,
            since_ms: a.since_ms,
            planned_at_ms: a.last_notified_ms.unwrap_or(a.since_ms),
            message: format!("{} (carried over from an older state file)", key.condition),
            fix: String::new(),
        };
        st.alerts.insert(
            key,
            AlertRecord {
                firing: !a.resolved,
                rank,
                severity: a.severity,
                since_ms: a.since_ms,
                resolved_at_ms: None,
                notified_rank: if notified { rank } else { 0 },
                notified_severity: notified.then_some(a.severity),
                believed_firing: notified && !a.resolved,
                last_firing_notice_ms: a.last_notified_ms,
                last_resolved_notice_ms: None,
                delivered: if notified && !a.resolved {
                    [ALL_CHANNELS.to_string()].into()
                } else {
                    BTreeSet::new()
                },
                current,
            },
        );
    }
    Ok(st)
}

/// Parse a state file's text, migrating older versions.
pub fn parse(text: &str) -> Result<AlertState, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let version = v
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or("no \"version\" field")?;
    match version {
        1 => migrate_v1(v),
        2 => serde_json::from_value(v).map_err(|e| format!("version 2 state: {e}")),
        n => Err(format!(
            "version {n} is newer than this clawwatch understands ({STATE_VERSION})"
        )),
    }
}

/// What `load` found.
#[derive(Debug)]
pub struct Loaded {
    pub state: AlertState,
    /// A problem met (unreadable, corrupt, newer version): the file was
    /// moved aside and a fresh state used.
    pub problem: Option<String>,
}

/// Load the state; absent = fresh. A file that cannot be used is renamed to
/// `<file>.bad-<ms>` (kept for people) and a fresh state is returned with
/// the problem, so alerting goes on.
pub fn load(path: &Path, now_ms: i64) -> Loaded {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Loaded {
                state: AlertState::default(),
                problem: None,
            };
        }
        Err(e) => {
            return Loaded {
                state: AlertState::default(),
                problem: Some(format!("cannot read alert state {}: {e}", path.display())),
            };
        }
    };
    match parse(&text) {
        Ok(state) => Loaded {
            state,
            problem: None,
        },
        Err(e) => {
            let aside = PathBuf::from(format!("{}.bad-{now_ms}", path.display()));
            let moved = std::fs::rename(path, &aside)
                .map(|_| format!("; moved to {}", aside.display()))
                .unwrap_or_default();
            Loaded {
                state: AlertState::default(),
                problem: Some(format!(
                    "alert state {} is unusable ({e}){moved}; starting afresh",
                    path.display()
                )),
            }
        }
    }
}

/// Write atomically: a temp file in the same directory, fsync, rename over
/// the target, fsync the directory. The directory is created (0700).
pub fn save(path: &Path, state: &AlertState) -> Result<(), String> {
    save_json(path, state, "alert state")
}

/// [`save`] for any private JSON state file (0600, directory 0700);
/// `what` names it in the error.
pub fn save_json<T: serde::Serialize>(path: &Path, value: &T, what: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::fsutil::create_private_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    crate::fsutil::write_atomic(path, &bytes, 0o600)
        .map_err(|e| format!("cannot write {what} {}: {e}", path.display()))
}

/// Hold an exclusive advisory lock (`<state file>.lock`, flock) for one
/// cycle, so `clawwatch once` from a timer and a running daemon never plan
/// from the same state at once. Released when the file is dropped.
pub fn lock(path: &Path) -> Result<std::fs::File, String> {
    let lock_path = PathBuf::from(format!("{}.lock", path.display()));
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::fsutil::create_private_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a file descriptor this function owns.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(format!(
                "cannot lock {}: {}",
                lock_path.display(),
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(f)
}

/// The default state file: $XDG_STATE_HOME/clawwatch/alert-state.json, else
/// ~/.local/state/clawwatch/alert-state.json. `configured` wins when not
/// empty (a leading `~/` is the home directory).
pub fn resolve_path(configured: &str, env: &BTreeMap<String, String>) -> Result<PathBuf, String> {
    let non_blank = |k: &str| env.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let c = configured.trim();
    if !c.is_empty() {
        if let Some(rest) = c.strip_prefix("~/") {
            let home =
                non_blank("HOME").ok_or("alert.state_file starts with ~/ but HOME is not set")?;
            return Ok(Path::new(home).join(rest));
        }
        return Ok(PathBuf::from(c));
    }
    if let Some(x) = non_blank("XDG_STATE_HOME") {
        return Ok(Path::new(x).join("clawwatch").join("alert-state.json"));
    }
    let home =
        non_blank("HOME").ok_or("neither XDG_STATE_HOME nor HOME is set: set alert.state_file")?;
    Ok(Path::new(home)
        .join(".local")
        .join("state")
        .join("clawwatch")
        .join("alert-state.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_atomic_write() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("alert-state.json");
        let mut st = AlertState {
            next_id: 7,
            ..Default::default()
        };
        st.channels.insert(
            "mail".into(),
            ChannelState {
                failures: 2,
                next_try_ms: Some(5),
                ..Default::default()
            },
        );
        save(&p, &st).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
        let back = load(&p, 0);
        assert!(back.problem.is_none());
        assert_eq!(back.state, st);
        // No temp file left behind.
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn corrupt_and_newer_files_are_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(&p, "{not json").unwrap();
        let l = load(&p, 42);
        assert!(l.problem.unwrap().contains("unusable"));
        assert!(dir.path().join("s.json.bad-42").exists());
        std::fs::write(&p, "{\"version\":99}").unwrap();
        let l = load(&p, 43);
        assert!(l.problem.unwrap().contains("newer"));
    }

    #[test]
    fn default_paths() {
        let env = |p: &[(&str, &str)]| -> BTreeMap<String, String> {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            resolve_path("", &env(&[("XDG_STATE_HOME", "/x"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/x/clawwatch/alert-state.json")
        );
        assert_eq!(
            resolve_path("", &env(&[("HOME", "/h")])).unwrap(),
            PathBuf::from("/h/.local/state/clawwatch/alert-state.json")
        );
        assert_eq!(
            resolve_path("~/s.json", &env(&[("HOME", "/h")])).unwrap(),
            PathBuf::from("/h/s.json")
        );
        assert!(resolve_path("", &env(&[])).is_err());
    }
}
