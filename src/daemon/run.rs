//! `clawwatch run`: cycles on the cron schedule (never two at once), the
//! HTTP server, SIGHUP reloads (keeping the old config when the new one is
//! invalid), SIGTERM/SIGINT exit 0.

use super::alloc;
use super::cycle::run_cycle;
use super::hooks::Hooks;
use super::http::{self, Shared};
use super::scheduler::{Scheduler, Tick};
use super::settings::{Overrides, Settings};
use crate::doctor::cycle::DoctorCycle;
use crate::output::metrics::{Metrics, Rendered};
use crate::sources::{Connections, HostEnv};
use chrono::Utc;
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
    done: UnboundedSender<Rendered>,
}

impl Daemon {
    /// A cycle on the blocking pool; its exposition comes back on `done`.
    fn start_cycle(&self) {
        let (settings, metrics, hooks, host, done) = (
            self.settings.clone(),
            self.metrics.clone(),
            self.hooks.clone(),
            self.host.clone(),
            self.done.clone(),
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
            alloc::release_free_memory();
            let _ = done.send(rendered);
        });
    }

    /// SIGHUP: a valid new config replaces the settings and the hooks.
    fn reload(&mut self, sched: &mut Scheduler) {
        if let Some(new) = reload(&self.settings, &self.host.vars, &self.overrides) {
            sched.reschedule(new.schedule.clone(), Utc::now());
            let fresh = Hooks::from_settings(&new, &self.metrics, &self.host.vars);
            *self.hooks.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
            self.settings = Arc::new(new);
        }
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

/// Reload the config file; None (and a logged reason) when it is invalid.
fn reload(current: &Settings, env: &BTreeMap<String, String>, o: &Overrides) -> Option<Settings> {
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
            Some(s)
        }
        Err(e) => {
            tracing::error!("configuration reload failed, keeping the previous one: {e}");
            None
        }
    }
}

/// The server, when the settings name an address.
async fn serve(
    settings: &Settings,
    shared: &Arc<Shared>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(addr) = settings.listen else {
        return Ok(None);
    };
    let listener = http::bind(addr).await?;
    let local = listener.local_addr()?;
    tracing::info!(%local, "serving /metrics");
    Ok(Some(http::spawn(listener, shared.clone(), stop.clone())))
}

async fn daemon(settings: Settings, overrides: Overrides, host: HostEnv) -> anyhow::Result<i32> {
    let metrics = Arc::new(Metrics::new());
    // The hooks first: the alert channels' counters exist (at 0) in the
    // very first exposition, before the first cycle delivers anything.
    let hooks = Hooks::from_settings(&settings, &metrics, &host.vars);
    let shared = Shared::new(metrics.render(None));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = serve(&settings, &shared, &stop_rx).await?;
    let (done, done_rx) = tokio::sync::mpsc::unbounded_channel::<Rendered>();
    let bench_cycles = overrides.bench_cycles;
    let mut d = Daemon {
        metrics,
        shared: shared.clone(),
        hooks: Arc::new(Mutex::new(hooks)),
        host: Arc::new(host),
        settings: Arc::new(settings),
        overrides,
        done,
    };
    if bench_cycles > 0 {
        d.bench(bench_cycles).await?;
    }
    event_loop(&mut d, done_rx).await?;
    shared.stop();
    let _ = stop_tx.send(true);
    if let Some(s) = server {
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), s).await;
    }
    Ok(0)
}

/// Ticks, finished cycles and signals, until SIGTERM or SIGINT.
async fn event_loop(
    d: &mut Daemon,
    mut done: tokio::sync::mpsc::UnboundedReceiver<Rendered>,
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
        next = ?sched.next_fire(),
        "scheduler started"
    );
    loop {
        let delay = sched
            .next_fire()
            .map(|t| (t - Utc::now()).to_std().unwrap_or_default())
            .unwrap_or(std::time::Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep(delay) => tick(d, &mut sched),
            Some(rendered) = done.recv() => {
                d.shared.publish(rendered);
                sched.finished();
            }
            _ = hup.recv() => d.reload(&mut sched),
            _ = term.recv() => { tracing::info!("SIGTERM: shutting down"); return Ok(()); }
            _ = int.recv() => { tracing::info!("SIGINT: shutting down"); return Ok(()); }
        }
    }
}

/// The sleep until the fire time ended: fire, skip, or wait again.
fn tick(d: &Daemon, sched: &mut Scheduler) {
    if sched.next_fire().is_some_and(|t| Utc::now() < t) {
        return; // woke early (clock change): wait again
    }
    match sched.tick(Utc::now()) {
        Tick::Fire => d.start_cycle(),
        Tick::Skip => {
            d.metrics.skipped();
            tracing::warn!("previous check cycle still running; this tick is skipped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_config_on_reload_keeps_the_old_settings() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[check]\nschedule = \"0 9 * * 1\"\n").unwrap();
        let env = std::collections::BTreeMap::new();
        let (cfg, path) = crate::config::load(Some(&p), &env).unwrap();
        let s = Settings::from_config(cfg, path, &Overrides::default());
        std::fs::write(&p, "[check]\nschedule = \"not cron\"\n").unwrap();
        assert!(reload(&s, &env, &Overrides::default()).is_none());
        std::fs::write(&p, "[check]\nschedule = \"*/10 * * * *\"\n").unwrap();
        let new = reload(&s, &env, &Overrides::default()).unwrap();
        assert_eq!(new.schedule.as_str(), "*/10 * * * *");
    }
}
