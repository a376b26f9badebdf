//! glibc's allocator, set up for a daemon whose cycles allocate a few MB
//! and free them again. By default glibc gives each thread that allocates
//! (tokio workers, the blocking pool, `par`'s threads) an arena of its own,
//! keeps up to its dynamic trim threshold of freed memory at the top of
//! each, and, once a large buffer (the 1.5 MB exposition) has been freed,
//! serves the next ones from those arenas instead of mmap; freed memory
//! then stays resident in every arena. Other allocators (musl, Android's)
//! return memory on their own and are left alone.

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

/// Resident set size now and at its peak (VmRSS, VmHWM) in KiB, from
/// Linux /proc, for the benchmark log.
pub fn rss_kib() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
