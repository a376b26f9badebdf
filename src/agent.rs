//! `clawwatch run` (the daemon) and `clawwatch once` (one cycle).
//!
//! A cycle re-reads every source, evaluates every configured agent, updates
//! the metrics, hands the report to the notifier (alerts, heartbeat) and
//! writes the textfile. The daemon runs cycles on a cron schedule, never two
//! at once (a tick that finds one running is skipped and counted), serves
//! `/metrics`, `/healthz` and `/`, reloads its config on SIGHUP (keeping the
//! old one when the new one is invalid) and exits 0 on SIGTERM/SIGINT.

use crate::config::Config;
use crate::doctor::cycle::DoctorCycle;
use crate::output::metrics::{Metrics, Rendered};
use crate::schedule::Schedule;
use crate::sources::{self, HostEnv, ReadOptions};
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use clawwatch_core::model::{AgentScope, Policy, Report};
use clawwatch_core::ports::Notifier;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The stateful parts of a cycle besides the metrics: the notifier and
/// doctor (its probe memory). Both are optional.
#[derive(Default)]
pub struct Hooks {
    pub notifier: Option<NotifierBox>,
    pub doctor: Option<DoctorCycle>,
    /// Database connections kept between cycles.
    pub connections: sources::Connections,
}

impl Hooks {
    /// What the settings ask for: alert channels or a heartbeat, and doctor
    /// unless `[doctor] enabled = false`.
    pub fn from_settings(
        settings: &Settings,
        metrics: &Metrics,
        env: &std::collections::BTreeMap<String, String>,
    ) -> Hooks {
        Hooks {
            notifier: default_notifier(settings, metrics, env),
            doctor: DoctorCycle::from_config(&settings.config, env),
            connections: sources::Connections::keep(KEPT_CONNECTIONS),
        }
    }
}

/// How many store databases the daemon keeps open between cycles: the
/// state DB and the first agent DBs (each costs a descriptor or two).
const KEPT_CONNECTIONS: usize = 16;

/// Settings derived from the config (and flags) for the cycles.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub schedule: Schedule,
    pub policy: Policy,
    pub state_dir: Option<PathBuf>,
    pub textfile: Option<PathBuf>,
    pub listen: Option<std::net::SocketAddr>,
}

/// Flags that override the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub state_dir: Option<PathBuf>,
    pub textfile: Option<PathBuf>,
    pub listen: Option<String>,
    /// Benchmarks only: run this many cycles back to back at start-up,
    /// logging the resident memory (and its peak so far) after 200 cycles
    /// and every 1,000.
    pub bench_cycles: u64,
}

/// glibc's allocator, set up for a daemon whose cycles allocate a few MB
/// and free them again. By default glibc gives each thread that allocates
/// (tokio workers, the blocking pool, `par`'s threads) an arena of its own,
/// keeps up to its dynamic trim threshold of freed memory at the top of
/// each, and, once a large buffer (the 1.5 MB exposition) has been freed,
/// serves the next ones from those arenas instead of mmap; freed memory
/// then stays resident in every arena. Other allocators (musl, Android's)
/// return memory on their own and are left alone.
mod malloc {
    /// At daemon start, before other threads: two arenas (the /metrics
    /// workers rarely allocate at the same time as a cycle), and a fixed
    /// mmap threshold so buffers of 128 KiB or more go back to the system
    /// when freed (a fixed threshold also turns off the dynamic one).
    pub fn tune_for_daemon() {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: mallopt only sets allocator parameters; called before
        // the runtime starts its threads.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
            libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        }
    }

    /// After a cycle: give the pages freed inside the arenas back.
    pub fn release_free_memory() {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim is thread-safe and only returns free pages.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// Resident set size now and at its peak (VmRSS, VmHWM) in KiB, from
/// Linux /proc, for the benchmark log.
fn rss_kib() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

impl Settings {
    pub fn from_config(
        config: Config,
        config_path: Option<PathBuf>,
        o: &Overrides,
    ) -> Result<Self, String> {
        let schedule = crate::config::check_schedule(&config)?;
        let warn = clawwatch_core::timefmt::parse_duration(&config.check.warn_within)
            .map_err(|e| format!("check.warn_within: {e}"))?;
        let agents = if config.agents.is_empty() {
            AgentScope::All
        } else {
            AgentScope::Only(config.agents.clone())
        };
        let non_empty = |s: &str| (!s.trim().is_empty()).then(|| PathBuf::from(s.trim()));
        let listen_text = o
            .listen
            .clone()
            .unwrap_or_else(|| config.metrics.listen.clone());
        let listen = if listen_text.trim().is_empty() {
            None
        } else {
            Some(
                listen_text
                    .trim()
                    .parse()
                    .map_err(|e| format!("metrics.listen {listen_text:?}: {e}"))?,
            )
        };
        Ok(Settings {
            policy: Policy {
                agents,
                warn_within_ms: i64::try_from(warn.as_millis()).unwrap_or(i64::MAX),
            },
            state_dir: o.state_dir.clone().or_else(|| non_empty(&config.state_dir)),
            textfile: o
                .textfile
                .clone()
                .or_else(|| non_empty(&config.metrics.textfile)),
            listen,
            schedule,
            config,
            config_path,
        })
    }
}

/// The outcome of one cycle.
pub struct CycleResult {
    pub report: Report,
    pub rendered: Rendered,
    pub exit_code: i32,
    pub textfile_error: Option<String>,
}

/// One cycle, blocking: read, evaluate, doctor, record metrics, notify,
/// textfile.
pub fn run_cycle(
    settings: &Settings,
    host: &HostEnv,
    metrics: &Metrics,
    hooks: &mut Hooks,
    now: DateTime<Utc>,
) -> CycleResult {
    let started = std::time::Instant::now();
    let snap = sources::read_snapshot(
        host,
        &ReadOptions {
            state_dir: settings.state_dir.clone(),
            agents: settings.policy.agents.clone(),
        },
        &hooks.connections,
    );
    for p in &snap.problems {
        tracing::warn!(source = p.source.as_str(), reason = p.reason.as_str(), path = ?p.path, "{}", p.message);
    }
    let report = clawwatch_core::evaluate(&snap, now.timestamp_millis(), &settings.policy);
    let doctor = hooks.doctor.as_mut().map(|d| {
        d.run(
            &snap,
            &report,
            host,
            &settings.config,
            settings.config_path.as_deref(),
            now,
        )
    });
    drop(snap);
    if let (Some(d), Some(m)) = (&doctor, metrics.doctor_metrics()) {
        m.record(d);
    }
    let findings = doctor.map(|d| d.findings).unwrap_or_default();
    let exit_code = report.verdict.openclaw_code();
    if let Some(n) = hooks.notifier.as_deref_mut() {
        n.cycle(&report, &findings, now);
    }
    let finished = Utc::now();
    metrics.record_cycle(
        Some(&report),
        finished.timestamp_millis() as f64 / 1000.0,
        started.elapsed().as_secs_f64(),
    );
    let rendered = metrics.render(Some(&report));
    let textfile_error = settings.textfile.as_ref().and_then(|p| {
        crate::output::textfile::write_atomic(p, &rendered.text)
            .err()
            .map(|e| format!("cannot write textfile {}: {e}", p.display()))
    });
    if let Some(e) = &textfile_error {
        tracing::error!("{e}");
    }
    if let Some(n) = hooks.notifier.as_deref_mut() {
        n.heartbeat(exit_code);
    }
    tracing::info!(
        verdict = ?report.verdict,
        agents = report.agents.len(),
        problems = report.problems().count(),
        doctor_findings = findings.len(),
        duration_ms = started.elapsed().as_millis() as u64,
        "cycle done"
    );
    CycleResult {
        report,
        rendered,
        exit_code,
        textfile_error,
    }
}

// ---------------------------------------------------------------- scheduler

/// What the scheduler decides when its fire time is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// Start a cycle now.
    Fire,
    /// A cycle is still running: skip this tick (counted).
    Skip,
}

/// The pure scheduling state: next fire time and whether a cycle runs.
#[derive(Debug, Clone)]
pub struct Scheduler {
    schedule: Schedule,
    next: Option<DateTime<Utc>>,
    running: bool,
}

impl Scheduler {
    pub fn new(schedule: Schedule, now: DateTime<Utc>) -> Self {
        let next = schedule.next_after(now);
        Scheduler {
            schedule,
            next,
            running: false,
        }
    }

    pub fn next_fire(&self) -> Option<DateTime<Utc>> {
        self.next
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Mark a cycle started outside the schedule (the one at start-up).
    pub fn start_now(&mut self) -> bool {
        if self.running {
            return false;
        }
        self.running = true;
        true
    }

    /// The clock reached the fire time: decide, and move to the next one.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Tick {
        self.next = self.schedule.next_after(now);
        if self.running {
            Tick::Skip
        } else {
            self.running = true;
            Tick::Fire
        }
    }

    pub fn finished(&mut self) {
        self.running = false;
    }

    /// A new schedule (config reload): the next fire time follows it.
    pub fn reschedule(&mut self, schedule: Schedule, now: DateTime<Utc>) {
        self.next = schedule.next_after(now);
        self.schedule = schedule;
    }
}

// ---------------------------------------------------------------- daemon

/// The exposition as shared bytes: a scrape clones reference counts, not
/// the text. OpenMetrics is served as pieces, most of them slices of the
/// text's buffer (its sample lines), so the samples are held once.
#[derive(Clone, Default)]
struct Served {
    text: Bytes,
    openmetrics: Arc<[Bytes]>,
}

impl From<Rendered> for Served {
    fn from(r: Rendered) -> Self {
        use crate::output::metrics::Piece;
        let (text, own, pieces) = r.into_parts();
        let (text, own) = (Bytes::from(text), Bytes::from(own));
        let openmetrics = pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(range) => text.slice(range),
                Piece::Own(range) => own.slice(range),
            })
            .collect();
        Served { text, openmetrics }
    }
}

/// A response body of shared pieces, one frame each, with its exact length
/// (so it goes out with a Content-Length, as a single buffer would).
struct PiecesBody {
    pieces: Arc<[Bytes]>,
    next: usize,
    remaining: u64,
}

impl PiecesBody {
    fn new(pieces: Arc<[Bytes]>) -> Self {
        let remaining = pieces.iter().map(|b| b.len() as u64).sum();
        PiecesBody {
            pieces,
            next: 0,
            remaining,
        }
    }
}

impl http_body::Body for PiecesBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let piece = self.pieces.get(self.next).cloned();
        std::task::Poll::Ready(piece.map(|b| {
            self.next += 1;
            self.remaining -= b.len() as u64;
            Ok(http_body::Frame::data(b))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.next >= self.pieces.len()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

struct Shared {
    rendered: RwLock<Served>,
    alive: AtomicBool,
}

async fn metrics_handler(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let r = shared
        .rendered
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if crate::output::metrics::wants_openmetrics(accept) {
        (
            [(
                axum::http::header::CONTENT_TYPE,
                crate::output::metrics::OPENMETRICS_CONTENT_TYPE,
            )],
            axum::body::Body::new(PiecesBody::new(r.openmetrics)),
        )
            .into_response()
    } else {
        (
            [(
                axum::http::header::CONTENT_TYPE,
                crate::output::metrics::TEXT_CONTENT_TYPE,
            )],
            r.text,
        )
            .into_response()
    }
}

async fn healthz(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
) -> (axum::http::StatusCode, &'static str) {
    if shared.alive.load(Ordering::SeqCst) {
        (axum::http::StatusCode::OK, "ok\n")
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "scheduler stopped\n",
        )
    }
}

async fn index() -> axum::response::Html<&'static str> {
    axum::response::Html(concat!(
        "<!doctype html><html><head><title>clawwatch</title></head><body>",
        "<h1>clawwatch</h1><p>Health of OpenClaw's model credentials.</p>",
        "<ul><li><a href=\"metrics\">/metrics</a></li><li><a href=\"healthz\">/healthz</a></li></ul>",
        "</body></html>\n"
    ))
}

/// Reload the config file; None (and a logged reason) when it is invalid.
fn reload(
    current: &Settings,
    env: &std::collections::BTreeMap<String, String>,
    o: &Overrides,
) -> Option<Settings> {
    let loaded = crate::config::load(current.config_path.as_deref(), env)
        .map_err(|e| e.to_string())
        .and_then(|(cfg, path)| Settings::from_config(cfg, path, o));
    match loaded {
        Ok(s) => {
            if s.listen != current.listen {
                tracing::warn!(
                    "metrics.listen changed; the new address takes effect after a restart"
                );
            }
            tracing::info!(
                schedule = s.schedule.as_str(),
                timezone = %s.schedule.zone(),
                "configuration reloaded"
            );
            Some(s)
        }
        Err(e) => {
            tracing::error!("configuration reload failed, keeping the previous one: {e}");
            None
        }
    }
}

pub type NotifierBox = Box<dyn Notifier>;

/// The notifier a config asks for (alert channels and heartbeat), if any.
/// A config with neither gets none, so nothing writes alert state.
pub fn default_notifier(
    settings: &Settings,
    metrics: &Metrics,
    env: &std::collections::BTreeMap<String, String>,
) -> Option<NotifierBox> {
    let a = &settings.config.alert;
    let channels =
        a.email.len() + a.webhook.len() + a.ntfy.len() + a.alertmanager.len() + a.command.len();
    if channels == 0 && settings.config.heartbeat.url.trim().is_empty() {
        return None;
    }
    match crate::alert::Alerter::new(a, &settings.config.heartbeat, env, metrics.alert_metrics()) {
        Ok(alerter) => Some(Box::new(alerter)),
        Err(e) => {
            tracing::error!("alerts are off: {e}");
            None
        }
    }
}

/// The daemon. Returns the process exit code (0 on a signal).
pub fn run(settings: Settings, overrides: Overrides, host: HostEnv) -> anyhow::Result<i32> {
    malloc::tune_for_daemon();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let code = rt.block_on(daemon(settings, overrides, host));
    // Never wait on a cycle still reading a slow disk: exit promptly.
    rt.shutdown_timeout(std::time::Duration::from_millis(300));
    code
}

async fn daemon(settings: Settings, overrides: Overrides, host: HostEnv) -> anyhow::Result<i32> {
    use tokio::signal::unix::{SignalKind, signal};
    let metrics = Arc::new(Metrics::new());
    let shared = Arc::new(Shared {
        rendered: RwLock::new(metrics.render(None).into()),
        alive: AtomicBool::new(true),
    });
    let hooks: Arc<Mutex<Hooks>> = Arc::new(Mutex::new(Hooks::from_settings(
        &settings, &metrics, &host.vars,
    )));
    let host = Arc::new(host);
    let mut settings = Arc::new(settings);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = match settings.listen {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen on {addr}: {e} (set [metrics] listen, or \"\" to disable)"
                )
            })?;
            let local = listener.local_addr()?;
            tracing::info!(%local, "serving /metrics");
            let app = axum::Router::new()
                .route("/metrics", axum::routing::get(metrics_handler))
                .route("/healthz", axum::routing::get(healthz))
                .route("/", axum::routing::get(index))
                .with_state(shared.clone());
            let mut rx = stop_rx.clone();
            Some(tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = rx.wait_for(|s| *s).await;
                    })
                    .await;
            }))
        }
        None => None,
    };

    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<Rendered>();
    let mut sched = Scheduler::new(settings.schedule.clone(), Utc::now());

    let start_cycle = |settings: Arc<Settings>| {
        let (metrics, hooks, host, done_tx) = (
            metrics.clone(),
            hooks.clone(),
            host.clone(),
            done_tx.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let mut guard = hooks.lock().unwrap_or_else(|p| p.into_inner());
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run_cycle(&settings, &host, &metrics, &mut guard, Utc::now())
            }));
            let rendered = match result {
                Ok(r) => r.rendered,
                Err(_) => {
                    tracing::error!("check cycle failed unexpectedly; the daemon goes on");
                    metrics.record_cycle(None, Utc::now().timestamp_millis() as f64 / 1000.0, 0.0);
                    metrics.render(None)
                }
            };
            malloc::release_free_memory();
            let _ = done_tx.send(rendered);
        });
    };

    if overrides.bench_cycles > 0 {
        let (s, m, h, n) = (
            settings.clone(),
            metrics.clone(),
            host.clone(),
            overrides.bench_cycles,
        );
        let rendered = tokio::task::spawn_blocking(move || {
            // The daemon's cycle, doctor included; no alerts are sent.
            let mut hooks = Hooks {
                notifier: None,
                doctor: DoctorCycle::from_config(&s.config, &h.vars),
                connections: sources::Connections::keep(KEPT_CONNECTIONS),
            };
            let mut last = None;
            for i in 1..=n {
                last = Some(run_cycle(&s, &h, &m, &mut hooks, Utc::now()).rendered);
                malloc::release_free_memory();
                if i % 1000 == 0 || i == 200 || i == n {
                    let (rss, peak) = rss_kib();
                    tracing::warn!(cycles = i, rss_kib = rss, peak_kib = peak, "bench");
                }
            }
            last
        })
        .await?;
        if let Some(r) = rendered {
            *shared.rendered.write().unwrap_or_else(|p| p.into_inner()) = r.into();
        }
    }
    // A first cycle right away, so /metrics has data from the start.
    if sched.start_now() {
        start_cycle(settings.clone());
    }
    tracing::info!(
        schedule = sched.schedule().as_str(),
        timezone = %sched.schedule().zone(),
        next = ?sched.next_fire(),
        "scheduler started"
    );
    loop {
        let delay = sched
            .next_fire()
            .map(|t| (t - Utc::now()).to_std().unwrap_or_default())
            .unwrap_or(std::time::Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep(delay) => {
                if sched.next_fire().is_some_and(|t| Utc::now() < t) {
                    continue; // woke early (clock change): wait again
                }
                match sched.tick(Utc::now()) {
                    Tick::Fire => start_cycle(settings.clone()),
                    Tick::Skip => {
                        metrics.skipped();
                        tracing::warn!("previous check cycle still running; this tick is skipped");
                    }
                }
            }
            Some(rendered) = done_rx.recv() => {
                *shared.rendered.write().unwrap_or_else(|p| p.into_inner()) = rendered.into();
                sched.finished();
            }
            _ = hup.recv() => {
                if let Some(new) = reload(&settings, &host.vars, &overrides) {
                    sched.reschedule(new.schedule.clone(), Utc::now());
                    let fresh = Hooks::from_settings(&new, &metrics, &host.vars);
                    *hooks.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
                    settings = Arc::new(new);
                }
            }
            _ = term.recv() => { tracing::info!("SIGTERM: shutting down"); break; }
            _ = int.recv() => { tracing::info!("SIGINT: shutting down"); break; }
        }
    }
    shared.alive.store(false, Ordering::SeqCst);
    let _ = stop_tx.send(true);
    if let Some(s) = server {
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), s).await;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn ticks_follow_the_schedule_and_never_overlap() {
        let s = Schedule::parse("*/5 * * * *", "").unwrap();
        let mut sch = Scheduler::new(s, at("2026-11-25T10:01:00Z"));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:05:00Z")));
        assert_eq!(sch.tick(at("2026-11-25T10:05:00Z")), Tick::Fire);
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:10:00Z")));
        // The cycle is slow: the next tick is skipped, not run alongside.
        assert_eq!(sch.tick(at("2026-11-25T10:10:00Z")), Tick::Skip);
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:15:00Z")));
        sch.finished();
        assert_eq!(sch.tick(at("2026-11-25T10:15:00Z")), Tick::Fire);
        assert!(!sch.start_now(), "no manual cycle while one runs");
    }

    #[test]
    fn six_field_and_weekday_schedules() {
        let s = Schedule::parse("*/20 * * * * *", "").unwrap();
        let mut sch = Scheduler::new(s, at("2026-11-25T10:00:05Z"));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:00:20Z")));
        sch.tick(at("2026-11-25T10:00:20Z"));
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:00:40Z")));
        // Mondays 09:00 from a Wednesday.
        let mon = Schedule::parse("0 9 * * 1", "").unwrap();
        let sch = Scheduler::new(mon, at("2026-11-25T10:00:00Z"));
        assert_eq!(sch.next_fire(), Some(at("2026-11-30T09:00:00Z")));
    }

    #[test]
    fn reschedule_moves_the_next_fire() {
        let mut sch = Scheduler::new(
            Schedule::parse("0 * * * *", "").unwrap(),
            at("2026-11-25T10:01:00Z"),
        );
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T11:00:00Z")));
        sch.reschedule(
            Schedule::parse("*/5 * * * *", "").unwrap(),
            at("2026-11-25T10:01:00Z"),
        );
        assert_eq!(sch.next_fire(), Some(at("2026-11-25T10:05:00Z")));
    }

    #[test]
    fn openmetrics_is_served_whole_from_its_pieces() {
        let m = Metrics::new();
        m.record_cycle(None, 1_795_639_915.0, 0.01);
        let r = m.render(None);
        let want = r.openmetrics();
        let served = Served::from(r);
        // And pieces sharing one buffer, as a large home's are.
        let text = Bytes::from_static(b"0123456789");
        let shared: Arc<[Bytes]> =
            vec![text.slice(0..4), Bytes::from_static(b"-"), text.slice(4..)].into();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for (pieces, want) in [
            (served.openmetrics, want.as_bytes()),
            (shared, b"0123-456789".as_slice()),
        ] {
            let body = PiecesBody::new(pieces);
            assert_eq!(
                http_body::Body::size_hint(&body).exact(),
                Some(want.len() as u64)
            );
            let got = rt
                .block_on(axum::body::to_bytes(
                    axum::body::Body::new(body),
                    usize::MAX,
                ))
                .unwrap();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn a_broken_config_on_reload_keeps_the_old_settings() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[check]\nschedule = \"0 9 * * 1\"\n").unwrap();
        let env = std::collections::BTreeMap::new();
        let (cfg, path) = crate::config::load(Some(&p), &env).unwrap();
        let s = Settings::from_config(cfg, path, &Overrides::default()).unwrap();
        std::fs::write(&p, "[check]\nschedule = \"not cron\"\n").unwrap();
        assert!(reload(&s, &env, &Overrides::default()).is_none());
        std::fs::write(&p, "[check]\nschedule = \"*/10 * * * *\"\n").unwrap();
        let new = reload(&s, &env, &Overrides::default()).unwrap();
        assert_eq!(new.schedule.as_str(), "*/10 * * * *");
    }
}
