//! `process_*` metrics as the Prometheus client libraries define them
//! (resident and virtual memory, CPU time, open and maximum descriptors,
//! start time), read from Linux /proc at each scrape and written in the
//! same plain style as the rest of the exposition. Off Linux (or without
//! /proc) the families are left out.

use std::fmt::Write;

/// One reading of /proc/self.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Process {
    pub cpu_seconds: f64,
    pub resident_bytes: f64,
    pub virtual_bytes: f64,
    pub start_time_seconds: f64,
    pub open_fds: Option<f64>,
    pub max_fds: Option<f64>,
}

fn sysconf(name: libc::c_int) -> Option<f64> {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(name) };
    (v > 0).then_some(v as f64)
}

/// /proc/self/stat's fields after the command name (which may hold spaces
/// and parentheses, so the split is at the last `)`).
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_ascii_whitespace().collect())
}

/// Parse /proc/self/stat with the boot time (from /proc/stat), clock ticks
/// and page size.
pub fn parse_stat(stat: &str, boot_time: f64, ticks: f64, page: f64) -> Option<Process> {
    let f = stat_fields(stat)?;
    // Fields counted from 1 at the pid: utime 14, stime 15, starttime 22,
    // vsize 23, rss 24; `f` starts at field 3 (state).
    let num = |i: usize| f.get(i - 3)?.parse::<f64>().ok();
    Some(Process {
        cpu_seconds: (num(14)? + num(15)?) / ticks,
        start_time_seconds: boot_time + num(22)? / ticks,
        virtual_bytes: num(23)?,
        resident_bytes: num(24)? * page,
        open_fds: None,
        max_fds: None,
    })
}

/// The soft "Max open files" of /proc/self/limits.
pub fn parse_max_fds(limits: &str) -> Option<f64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The boot time: /proc/stat's `btime`, or (where the unit's
/// `ProcSubset=pid` hides /proc/stat) the clock minus the time since boot.
fn boot_time() -> Option<f64> {
    let from_stat = std::fs::read_to_string("/proc/stat").ok().and_then(|stat| {
        stat.lines()
            .find_map(|l| l.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()
    });
    from_stat.or_else(|| {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes the local timespec.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut t) };
        let up = t.tv_sec as f64 + t.tv_nsec as f64 / 1e9;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs_f64();
        (rc == 0).then(|| (now - up).round())
    })
}

/// Read /proc/self now.
pub fn read() -> Option<Process> {
    static BOOT: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    let boot = (*BOOT.get_or_init(boot_time))?;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let mut p = parse_stat(
        &stat,
        boot,
        sysconf(libc::_SC_CLK_TCK)?,
        sysconf(libc::_SC_PAGESIZE)?,
    )?;
    // The directory handle itself is one of the entries.
    p.open_fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|d| d.count().saturating_sub(1) as f64);
    p.max_fds = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| parse_max_fds(&l));
    Some(p)
}

const FAMILIES: &[(&str, &str, &str)] = &[
    (
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
    ),
    (
        "process_max_fds",
        "gauge",
        "Maximum number of open file descriptors.",
    ),
    (
        "process_open_fds",
        "gauge",
        "Number of open file descriptors.",
    ),
    (
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
    ),
    (
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
    ),
    (
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
    ),
];

impl Process {
    fn value(&self, name: &str) -> Option<f64> {
        match name {
            "process_cpu_seconds_total" => Some(self.cpu_seconds),
            "process_max_fds" => self.max_fds,
            "process_open_fds" => self.open_fds,
            "process_resident_memory_bytes" => Some(self.resident_bytes),
            "process_start_time_seconds" => Some(self.start_time_seconds),
            "process_virtual_memory_bytes" => Some(self.virtual_bytes),
            _ => None,
        }
    }

    /// The families in the text format (0.0.4), or OpenMetrics (whose
    /// counter headers name the family without `_total`).
    pub fn write(&self, out: &mut String, openmetrics: bool) {
        for (name, ty, help) in FAMILIES {
            let Some(v) = self.value(name) else { continue };
            let family = match (openmetrics, *ty) {
                (true, "counter") => name.strip_suffix("_total").unwrap_or(name),
                _ => name,
            };
            let _ = writeln!(out, "# HELP {family} {help}");
            let _ = writeln!(out, "# TYPE {family} {ty}");
            let _ = writeln!(out, "{name} {v}");
        }
    }
}

/// The process families now, in either format ("" without /proc).
pub fn exposition(openmetrics: bool) -> String {
    let mut out = String::new();
    if let Some(p) = read() {
        p.write(&mut out, openmetrics);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (claw watch) (x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 3 0 1000 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

    #[test]
    fn stat_is_read_past_a_command_name_with_parentheses() {
        let p = parse_stat(STAT, 1_795_000_000.0, 100.0, 4096.0).unwrap();
        assert_eq!(p.cpu_seconds, 3.0);
        assert_eq!(p.start_time_seconds, 1_795_000_010.0);
        assert_eq!(p.virtual_bytes, 104_857_600.0);
        assert_eq!(p.resident_bytes, 2560.0 * 4096.0);
        assert_eq!(parse_stat("garbage", 0.0, 100.0, 4096.0), None);
    }

    #[test]
    fn max_fds_is_the_soft_limit() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_max_fds(limits), Some(1024.0));
    }

    #[test]
    fn this_process_is_read_and_written_in_both_formats() {
        let p = read().expect("/proc/self");
        assert!(p.resident_bytes > 0.0 && p.open_fds.unwrap() >= 3.0);
        let mut text = String::new();
        p.write(&mut text, false);
        assert!(
            text.contains("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ")
        );
        let mut om = String::new();
        p.write(&mut om, true);
        assert!(om.contains("# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total "));
        assert!(om.contains("process_start_time_seconds "));
    }
}
