//! The HTTP server's connections: at most [`MAX_CONNECTIONS`] open at once,
//! so the server never holds more descriptors than that and a check cycle
//! always has its own. A connection over the cap takes the place of the
//! oldest one that is not answering a request (one that never sent a whole
//! request head, or sits idle, or is stuck sending one response for longer
//! than [`STUCK`]); when every connection is busy the new one is closed at
//! once. So a local user holding thousands of half-open connections cannot
//! keep a scraper out.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connections open at once (all listeners together).
pub const MAX_CONNECTIONS: usize = 256;

/// A response taking longer than this to send (a client that stopped
/// reading) makes its connection evictable.
pub const STUCK: Duration = Duration::from_secs(30);

/// One open connection.
pub struct Slot {
    id: u64,
    /// Answering a request.
    busy: AtomicBool,
    /// Requests it sent (whole heads).
    requests: AtomicU64,
    /// When the current request started (ms after the registry's start).
    since_ms: AtomicU64,
    /// Told to close (evicted).
    pub kill: tokio::sync::Notify,
    started: Instant,
}

impl Slot {
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// A request head arrived; until the guard drops it is being answered.
    pub fn begin(self: &Arc<Self>) -> Busy {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let ms = self.started.elapsed().as_millis() as u64;
        self.since_ms.store(ms, Ordering::SeqCst);
        self.busy.store(true, Ordering::SeqCst);
        Busy(self.clone())
    }

    fn evictable(&self) -> bool {
        if !self.busy.load(Ordering::SeqCst) {
            return true;
        }
        let now = self.started.elapsed().as_millis() as u64;
        now.saturating_sub(self.since_ms.load(Ordering::SeqCst)) > STUCK.as_millis() as u64
    }
}

/// The request is being answered while this lives (it goes with the body).
pub struct Busy(Arc<Slot>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::SeqCst);
    }
}

/// The open connections.
pub struct Conns {
    cap: usize,
    next: AtomicU64,
    open: Mutex<BTreeMap<u64, Arc<Slot>>>,
    refused: AtomicU64,
    evicted: AtomicU64,
}

/// Registered while the connection is open; dropping it unregisters.
pub struct Registered {
    pub slot: Arc<Slot>,
    conns: Arc<Conns>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut open = self.conns.open.lock().unwrap_or_else(|p| p.into_inner());
        open.remove(&self.slot.id);
    }
}

impl Conns {
    pub fn new(cap: usize) -> Arc<Conns> {
        Arc::new(Conns {
            cap,
            next: AtomicU64::new(0),
            open: Mutex::new(BTreeMap::new()),
            refused: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
        })
    }

    /// Room for a new connection (evicting the oldest evictable one when
    /// full), or None: refuse it.
    pub fn register(self: &Arc<Self>) -> Option<Registered> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.len() >= self.cap {
            let victim = open.values().find(|s| s.evictable()).map(|s| s.id);
            match victim.and_then(|id| open.remove(&id)) {
                Some(v) => {
                    v.kill.notify_one();
                    self.evicted.fetch_add(1, Ordering::Relaxed);
                }
                None => {
                    self.refused.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
            }
        }
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let slot = Arc::new(Slot {
            id,
            busy: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            since_ms: AtomicU64::new(0),
            kill: tokio::sync::Notify::new(),
            started: Instant::now(),
        });
        open.insert(id, slot.clone());
        Some(Registered {
            slot,
            conns: self.clone(),
        })
    }

    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// (refused, evicted) so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.refused.load(Ordering::Relaxed),
            self.evicted.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_idle_connection_makes_room_and_busy_ones_stay() {
        let c = Conns::new(2);
        let a = c.register().unwrap();
        let b = c.register().unwrap();
        let busy_b = b.slot.begin();
        // Full: `a` (idle, oldest) goes.
        let n = c.register().unwrap();
        assert_eq!(c.open(), 2);
        assert_eq!(c.counts(), (0, 1));
        let _busy_n = n.slot.begin();
        // Both busy: refused.
        assert!(c.register().is_none());
        assert_eq!(c.counts(), (1, 1));
        drop(busy_b);
        assert!(c.register().is_some(), "b is idle again");
        drop(a);
        assert_eq!(c.open(), 1, "an evicted slot is already gone");
    }
}
