//! `clawwatch run`: cycles on the cron schedule (never two at once), the
//! HTTP server, SIGHUP reloads (keeping the old config when the new one is
//! invalid), SIGTERM/SIGINT exit 0.

use super::alloc;
use super::cycle::run_cycle;
use super::hooks::Hooks;
use super::http::{Ctx, ReloadRequest, Shared};
use super::scheduler::{Scheduler, Tick};
use super::server;
use super::settings::{Overrides, Settings};
use super::websource::WebSource;
use crate::doctor::cycle::DoctorCycle;
use crate::output::metrics::{Metrics, Rendered};
use crate::sources::{Connections, HostEnv};
use chrono::Utc;
use clawwatch_core::model::Report;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedSender;

/// The daemon. Returns the process exit code (0 on a signal).
pub fn run(settings: Settings, overrides: Overrides, host: HostEnv) -> anyhow::Result<i32> {
    alloc::tune_for_daemon();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let code = rt.block_on(daemon(settings, overrides, host));
    // Never wait on a cycle still reading a slow disk: exit promptly.
    rt.shutdown_timeout(std::time::Duration::from_millis(300));
    code
}

/// What the event loop and the cycles it starts share.
struct Daemon {
    metrics: Arc<Metrics>,
    shared: Arc<Shared>,
    hooks: Arc<Mutex<Hooks>>,
    host: Arc<HostEnv>,
    settings: Arc<Settings>,
    overrides: Overrides,
    done: UnboundedSender<Finished>,
    /// `POST /-/reload` requests (with `--web.enable-lifecycle`).
    reload_rx: Option<tokio::sync::mpsc::UnboundedReceiver<ReloadRequest>>,
    /// Hooks of a reloaded config, taken by the next cycle (the event loop
    /// never waits on the lock a running cycle holds).
    pending: Arc<Mutex<Option<Hooks>>>,
    /// The last cycle's report, to render the skipped-ticks count with.
    last_report: Option<Arc<Report>>,
    /// A reload is under way; its outcome comes back on `reloaded`, and
    /// these `POST /-/reload` requests get it.
    reloading: bool,
    waiting: Vec<ReloadRequest>,
    reloaded: UnboundedSender<ReloadOutcome>,
}

/// A finished cycle: its exposition, and its report (None when it failed).
type Finished = (Rendered, Option<Arc<Report>>);

/// What a reload gives back: the new settings and hooks, or why the old
/// ones stay.
type ReloadOutcome = Result<(Settings, Hooks), String>;

/// A reload that takes longer than this (a config on a hung mount) is given
/// up; the previous configuration stays.
const RELOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The longest sleep between looks at the wall clock: a clock step is
/// noticed within this (see [`Scheduler::clock_check`]).
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(15);

impl Daemon {
    /// A cycle on the blocking pool; its exposition comes back on `done`.
    fn start_cycle(&self) {
        let (settings, metrics, hooks, host, done, pending) = (
            self.settings.clone(),
            self.metrics.clone(),
            self.hooks.clone(),
            self.host.clone(),
            self.done.clone(),
            self.pending.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let mut guard = hooks.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(fresh) = pending.lock().unwrap_or_else(|p| p.into_inner()).take() {
                *guard = fresh;
            }
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run_cycle(&settings, &host, &metrics, &mut guard, Utc::now())
            }));
            let finished = match result {
                Ok(r) => (r.rendered, Some(Arc::new(r.report))),
                Err(_) => {
                    tracing::error!("check cycle failed unexpectedly; the daemon goes on");
                    metrics.record_cycle(None, Utc::now().timestamp_millis() as f64 / 1000.0, 0.0);
                    (metrics.render(None), None)
                }
            };
            alloc::release_free_memory();
            let _ = done.send(finished);
        });
    }

    /// SIGHUP or `POST /-/reload` (`answer`): read the config on the
    /// blocking pool, bounded by [`RELOAD_TIMEOUT`], so a config that hangs
    /// (a FIFO, a dead mount) never keeps SIGTERM waiting. The outcome
    /// comes back on `reloaded`; a request during a reload gets its outcome.
    fn start_reload(&mut self, answer: Option<ReloadRequest>) {
        self.waiting.extend(answer);
        if self.reloading {
            tracing::warn!("reload requested while one is under way; it gets that one's outcome");
            return;
        }
        self.reloading = true;
        let (current, host, overrides, metrics, back) = (
            self.settings.clone(),
            self.host.clone(),
            self.overrides.clone(),
            self.metrics.clone(),
            self.reloaded.clone(),
        );
        tokio::spawn(async move {
            let work = tokio::task::spawn_blocking(move || {
                let new = reload(&current, &host.vars, &overrides)?;
                let fresh = Hooks::from_settings(&new, &metrics, &host.vars);
                Ok((new, fresh))
            });
            let outcome = match tokio::time::timeout(RELOAD_TIMEOUT, work).await {
                Ok(Ok(r)) => r,
                Ok(Err(_)) => Err("configuration reload failed; keeping the previous one".into()),
                Err(_) => {
                    let msg = format!(
                        "configuration reload took over {RELOAD_TIMEOUT:?}; keeping the previous one"
                    );
                    tracing::error!("{msg}");
                    Err(msg)
                }
            };
            let _ = back.send(outcome);
        });
    }

    /// A reload finished: a valid new config replaces the settings, and its
    /// hooks wait for the next cycle; waiting requests get the outcome.
    fn reloaded(&mut self, sched: &mut Scheduler, outcome: ReloadOutcome) {
        self.reloading = false;
        let answer = outcome.as_ref().map(|_| ()).map_err(Clone::clone);
        if let Ok((new, fresh)) = outcome {
            sched.reschedule(new.schedule.clone(), Utc::now());
            *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(fresh);
            self.settings = Arc::new(new);
        }
        for w in self.waiting.drain(..) {
            let _ = w.send(answer.clone());
        }
    }

    /// A tick was skipped: count it where scrapes see it now (not only
    /// after the stuck cycle ends), and report unhealthy until a cycle
    /// finishes again.
    fn skipped(&self) {
        self.metrics.skipped();
        self.shared
            .alive
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let (metrics, shared, report) = (
            self.metrics.clone(),
            self.shared.clone(),
            self.last_report.clone(),
        );
        tokio::task::spawn_blocking(move || shared.publish(metrics.render(report.as_deref())));
    }

    /// Benchmarks: `n` cycles back to back (doctor included, no alerts),
    /// logging the resident memory after 200 cycles and every 1,000.
    async fn bench(&self, n: u64) -> anyhow::Result<()> {
        let (s, m, h) = (
            self.settings.clone(),
            self.metrics.clone(),
            self.host.clone(),
        );
        let rendered = tokio::task::spawn_blocking(move || {
            let mut hooks = Hooks {
                notifier: None,
                doctor: DoctorCycle::from_config(&s.config, &h.vars),
                connections: Connections::keep(super::hooks::KEPT_CONNECTIONS),
            };
            let mut last = None;
            for i in 1..=n {
                last = Some(run_cycle(&s, &h, &m, &mut hooks, Utc::now()).rendered);
                alloc::release_free_memory();
                if i % 1000 == 0 || i == 200 || i == n {
                    let (rss, peak) = alloc::rss_kib();
                    tracing::warn!(cycles = i, rss_kib = rss, peak_kib = peak, "bench");
                }
            }
            last
        })
        .await?;
        if let Some(r) = rendered {
            self.shared.publish(r);
        }
        Ok(())
    }
}

/// Reload the config file; the (logged) reason when it is invalid.
fn reload(
    current: &Settings,
    env: &BTreeMap<String, String>,
    o: &Overrides,
) -> Result<Settings, String> {
    let loaded = crate::config::load(current.config_path.as_deref(), env)
        .map(|(cfg, path)| Settings::from_config(cfg, path, o));
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
            Ok(s)
        }
        Err(e) => {
            tracing::error!("configuration reload failed, keeping the previous one: {e}");
            Err(format!(
                "configuration reload failed, keeping the previous one: {e}"
            ))
        }
    }
}

/// The servers, one per listen address (none without one).
async fn serve(
    settings: &Settings,
    shared: &Arc<Shared>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<(
    Vec<tokio::task::JoinHandle<()>>,
    Option<tokio::sync::mpsc::UnboundedReceiver<ReloadRequest>>,
)> {
    if settings.listen.is_empty() {
        return Ok((Vec::new(), None));
    }
    let web = Arc::new(WebSource::new(settings.web_config.clone()));
    // A bad web config stops the start (exit 3), as exporter-toolkit does.
    let loaded = web.current()?;
    let mut listeners = Vec::new();
    for addr in &settings.listen {
        let listener = server::bind(*addr).await?;
        let local = listener.local_addr()?;
        let tls = loaded.tls.is_some();
        tracing::info!(%local, tls, basic_auth = !loaded.config.users.is_empty(), "serving /metrics");
        if exposed(local, &loaded.config) {
            tracing::warn!(
                %local,
                "listening beyond loopback without TLS or basic auth: anyone who reaches {local} \
                 reads the metrics; set --web.config.file (tls_server_config, basic_auth_users) or \
                 listen on 127.0.0.1"
            );
        }
        listeners.push(listener);
    }
    let (reload_tx, reload_rx) = tokio::sync::mpsc::unbounded_channel();
    let ctx = Arc::new(Ctx {
        shared: shared.clone(),
        web,
        auth: Default::default(),
        reload: settings.enable_lifecycle.then_some(reload_tx),
    });
    let rx = settings.enable_lifecycle.then_some(reload_rx);
    Ok((server::spawn(listeners, ctx, stop.clone()), rx))
}

/// Whether serving on `local` with `web` shows the metrics to anyone who
/// can reach the address: beyond loopback with neither TLS nor auth.
fn exposed(local: std::net::SocketAddr, web: &super::webconfig::WebConfig) -> bool {
    !local.ip().is_loopback() && web.tls.is_none() && !web.has_auth()
}

/// The start-up line: where, when and with what.
fn log_start(settings: &Settings) {
    let listen: Vec<String> = settings.listen.iter().map(|a| a.to_string()).collect();
    let config = settings
        .config_path
        .as_ref()
        .map_or("none (defaults)".to_string(), |p| p.display().to_string());
    tracing::info!(
        version = crate::version::VERSION,
        listen = %listen.join(","),
        web_config = %settings.web_config.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
        schedule = settings.schedule.as_str(),
        timezone = %settings.schedule.zone(),
        config = %config,
        "clawwatch starting"
    );
}

/// Let the daemon use as many descriptors as its hard limit allows (as Go
/// programs do), so a check cycle finds one even with the server busy.
fn raise_nofile() {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max {
            l.rlim_cur = l.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

async fn daemon(settings: Settings, overrides: Overrides, host: HostEnv) -> anyhow::Result<i32> {
    raise_nofile();
    log_start(&settings);
    let metrics = Arc::new(Metrics::new());
    // The hooks first: the alert channels' counters exist (at 0) in the
    // very first exposition, before the first cycle delivers anything.
    let hooks = Hooks::from_settings(&settings, &metrics, &host.vars);
    let shared = Shared::new(metrics.render(None));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (servers, reload_rx) = serve(&settings, &shared, &stop_rx).await?;
    let (done, done_rx) = tokio::sync::mpsc::unbounded_channel::<Finished>();
    let (reloaded, reloaded_rx) = tokio::sync::mpsc::unbounded_channel();
    let bench_cycles = overrides.bench_cycles;
    let mut d = Daemon {
        metrics,
        shared: shared.clone(),
        hooks: Arc::new(Mutex::new(hooks)),
        host: Arc::new(host),
        settings: Arc::new(settings),
        overrides,
        done,
        reload_rx,
        pending: Arc::new(Mutex::new(None)),
        last_report: None,
        reloading: false,
        waiting: Vec::new(),
        reloaded,
    };
    if bench_cycles > 0 {
        d.bench(bench_cycles).await?;
    }
    event_loop(&mut d, done_rx, reloaded_rx).await?;
    shared.stop();
    let _ = stop_tx.send(true);
    for s in servers {
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), s).await;
    }
    Ok(0)
}

/// Ticks, finished cycles and signals, until SIGTERM or SIGINT.
async fn event_loop(
    d: &mut Daemon,
    mut done: tokio::sync::mpsc::UnboundedReceiver<Finished>,
    mut reloaded: tokio::sync::mpsc::UnboundedReceiver<ReloadOutcome>,
) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut sched = Scheduler::new(d.settings.schedule.clone(), Utc::now());
    // A first cycle right away, so /metrics has data from the start.
    if sched.start_now() {
        d.start_cycle();
    }
    tracing::info!(
        schedule = sched.schedule().as_str(),
        timezone = %sched.schedule().zone(),
        next = %sched.next_fire().map(|t| t.to_rfc3339()).unwrap_or_default(),
        "scheduler started"
    );
    loop {
        let (wall, mono) = (Utc::now(), std::time::Instant::now());
        let delay = sched
            .next_fire()
            .map(|t| (t - wall).to_std().unwrap_or_default())
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP);
        tokio::select! {
            _ = tokio::time::sleep(delay) => {
                let expected = wall + chrono::TimeDelta::from_std(mono.elapsed()).unwrap_or_default();
                tick(d, &mut sched, expected);
            }
            Some((rendered, report)) = done.recv() => {
                d.shared.publish(rendered);
                d.shared.alive.store(true, std::sync::atomic::Ordering::SeqCst);
                d.last_report = report;
                sched.finished();
            }
            _ = hup.recv() => d.start_reload(None),
            Some(answer) = next_reload(&mut d.reload_rx) => d.start_reload(Some(answer)),
            Some(outcome) = reloaded.recv() => d.reloaded(&mut sched, outcome),
            _ = term.recv() => { tracing::info!("SIGTERM: shutting down"); return Ok(()); }
            _ = int.recv() => { tracing::info!("SIGINT: shutting down"); return Ok(()); }
        }
    }
}

/// The next `POST /-/reload`, or never (without the lifecycle flag).
async fn next_reload(
    rx: &mut Option<tokio::sync::mpsc::UnboundedReceiver<ReloadRequest>>,
) -> Option<ReloadRequest> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// A sleep ended (the fire time, or [`MAX_SLEEP`]); by the monotonic clock
/// the wall clock should read `expected`. Fire, skip, or wait again.
fn tick(d: &Daemon, sched: &mut Scheduler, expected: chrono::DateTime<Utc>) {
    let now = Utc::now();
    if sched.clock_check(expected, now) {
        tracing::warn!(
            jump_s = (now - expected).num_seconds(),
            next = %sched.next_fire().map(|t| t.to_rfc3339()).unwrap_or_default(),
            "the system clock was set; next check cycle recomputed"
        );
    }
    if sched.next_fire().is_some_and(|t| now < t) {
        return; // not yet: wait again
    }
    match sched.tick(now) {
        Tick::Fire => d.start_cycle(),
        Tick::Skip => {
            d.skipped();
            tracing::warn!(
                "previous check cycle still running; this tick is skipped (/healthz: unhealthy until a cycle finishes)"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_17_finding_11_listening_beyond_loopback_without_tls_or_auth_warns() {
        use crate::daemon::webconfig::parse;
        let p = std::path::Path::new("/etc/clawwatch/web.yml");
        let none = parse(p, "").unwrap();
        let auth = parse(
            p,
            "basic_auth_users:\n  prom: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n",
        )
        .unwrap();
        let tls = parse(p, "tls_server_config:\n  cert_file: a\n  key_file: b\n").unwrap();
        for a in ["0.0.0.0:9847", "[::]:9847", "192.0.2.7:9847"] {
            let a = a.parse().unwrap();
            assert!(exposed(a, &none), "{a}");
            assert!(!exposed(a, &auth) && !exposed(a, &tls), "{a}");
        }
        for a in ["127.0.0.1:9847", "[::1]:9847", "127.0.0.2:1"] {
            assert!(!exposed(a.parse().unwrap(), &none), "{a}");
        }
    }

    #[test]
    fn a_broken_config_on_reload_keeps_the_old_settings() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[check]\nschedule = \"0 9 * * 1\"\n").unwrap();
        let env = std::collections::BTreeMap::new();
        let (cfg, path) = crate::config::load(Some(&p), &env).unwrap();
        let s = Settings::from_config(cfg, path, &Overrides::default());
        std::fs::write(&p, "[check]\nschedule = \"not cron\"\n").unwrap();
        assert!(reload(&s, &env, &Overrides::default()).is_err());
        std::fs::write(&p, "[check]\nschedule = \"*/10 * * * *\"\n").unwrap();
        let new = reload(&s, &env, &Overrides::default()).unwrap();
        assert_eq!(new.schedule.as_str(), "*/10 * * * *");
    }
}
