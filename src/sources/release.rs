//! What names the OpenClaw release that will read a home, read cheaply
//! (no Node is run): the `openclaw` package the gateway's systemd unit
//! starts, the one on PATH, the one under the npm global prefix (each by
//! its package.json), and `meta.lastTouchedVersion` of openclaw.json. The
//! decision between them is the core's (`openclaw::release::decide`).

use super::HostEnv;
use super::state_dir;
use clawwatch_core::openclaw::release::InstalledCli;
use std::path::{Path, PathBuf};

/// package.json, .npmrc and unit files are a few KB.
const MAX_SMALL_FILE: u64 = 256 * 1024;

/// A small regular file as text, None when absent or unreadable.
fn small_text(path: &Path) -> Option<String> {
    text_up_to(path, MAX_SMALL_FILE)
}

/// A regular file of at most `limit` bytes as text (a FIFO, a device or a
/// larger file is None: see [`crate::fsutil::read_bounded`]).
fn text_up_to(path: &Path, limit: u64) -> Option<String> {
    crate::fsutil::read_bounded_string(path, limit).ok()
}

/// `meta.lastTouchedVersion` of openclaw.json's text (JSON5), when it is
/// a string.
pub fn home_meta_version(text: &str) -> Option<String> {
    if !text.contains("lastTouchedVersion") {
        return None;
    }
    // OpenClaw writes plain JSON (fast to parse); a hand-edited file may be JSON5.
    let v: serde_json::Value = serde_json::from_str(text)
        .ok()
        .or_else(|| json5::from_str(text).ok())?;
    v.get("meta")?
        .get("lastTouchedVersion")?
        .as_str()
        .map(str::to_string)
}

/// The installed `openclaw` packages, the gateway unit's first, then
/// PATH's, then the npm global prefix's (duplicates dropped).
pub fn installed(host: &HostEnv) -> Vec<InstalledCli> {
    let home = state_dir::os_home(host);
    let mut found: Vec<(PathBuf, &str)> = Vec::new();
    found.extend(gateway_unit(host, &home).map(|p| (p, "gateway unit")));
    found.extend(on_path(host).map(|p| (p, "PATH")));
    found.extend(npm_prefixes(host, &home).map(|p| (p, "npm prefix")));
    let mut seen = Vec::new();
    found
        .into_iter()
        .filter_map(|(pkg, via)| {
            let real = std::fs::canonicalize(&pkg).unwrap_or(pkg);
            if seen.contains(&real) {
                return None;
            }
            seen.push(real.clone());
            let version = package_version(&real)?;
            Some(InstalledCli {
                version,
                package_json: clawwatch_core::openclaw::paths::display_path(&real, &home),
                found_via: via.to_string(),
            })
        })
        .collect()
}

/// The `version` of an `openclaw` package.json.
fn package_version(pkg: &Path) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&small_text(pkg)?).ok()?;
    if v.get("name")?.as_str()? != "openclaw" {
        return None;
    }
    v.get("version")?.as_str().map(str::to_string)
}

/// `…/node_modules/openclaw/package.json` above a file of the package
/// (the bin symlink's target, `dist/index.js`, …).
fn package_json_above(file: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(file).ok()?;
    real.ancestors()
        .find(|d| {
            d.file_name().is_some_and(|n| n == "openclaw")
                && d.parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "node_modules")
        })
        .map(|d| d.join("package.json"))
}

/// `openclaw` on PATH, resolved through its symlink.
fn on_path(host: &HostEnv) -> Option<PathBuf> {
    let path = host.vars.get("PATH")?;
    std::env::split_paths(path)
        .map(|d| d.join("openclaw"))
        .find(|p| p.is_file())
        .and_then(|p| package_json_above(&p))
}

/// `<prefix>/lib/node_modules/openclaw/package.json` for the npm global
/// prefixes named without running npm: `NPM_CONFIG_PREFIX`, `prefix=` in
/// `~/.npmrc`, and the prefix of the `node` on PATH.
fn npm_prefixes(host: &HostEnv, home: &Path) -> impl Iterator<Item = PathBuf> {
    let mut prefixes: Vec<PathBuf> = Vec::new();
    let env = host
        .non_blank("NPM_CONFIG_PREFIX")
        .or(host.non_blank("npm_config_prefix"));
    prefixes.extend(env.map(|p| state_dir::expand(p, home, &host.cwd)));
    let npmrc = small_text(&home.join(".npmrc")).unwrap_or_default();
    for line in npmrc.lines() {
        if let Some((k, v)) = line.split_once('=')
            && k.trim() == "prefix"
        {
            prefixes.push(state_dir::expand(v.trim(), home, &host.cwd));
        }
    }
    let node = host.vars.get("PATH").and_then(|p| {
        std::env::split_paths(p)
            .map(|d| d.join("node"))
            .find(|n| n.is_file())
    });
    let node_prefix = node
        .and_then(|n| std::fs::canonicalize(n).ok())
        .and_then(|n| n.parent()?.parent().map(Path::to_path_buf));
    prefixes.extend(node_prefix);
    prefixes
        .into_iter()
        .map(|p| p.join("lib/node_modules/openclaw/package.json"))
        .filter(|p| p.is_file())
}

/// The package the gateway's systemd user unit starts: an `ExecStart=`
/// argument inside `node_modules/openclaw/`, or an `openclaw` executable.
fn gateway_unit(host: &HostEnv, home: &Path) -> Option<PathBuf> {
    let config = host
        .non_blank("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".config"));
    let unit = small_text(&config.join("systemd/user/openclaw-gateway.service"))?;
    let exec = unit
        .lines()
        .filter_map(|l| l.trim().strip_prefix("ExecStart="))
        .next_back()?;
    exec.split_whitespace()
        .map(|a| a.trim_matches('"').trim_start_matches(['-', '@', '+', '!']))
        .filter(|a| a.starts_with('/'))
        .find_map(|a| {
            let p = Path::new(a);
            let named = p.file_name().is_some_and(|n| n == "openclaw");
            (named || a.contains("/node_modules/openclaw/"))
                .then(|| package_json_above(p))
                .flatten()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(home: &Path, path: &str) -> HostEnv {
        let mut h = HostEnv {
            cwd: home.to_path_buf(),
            ..HostEnv::default()
        };
        h.vars.insert("HOME".into(), home.display().to_string());
        h.vars.insert("PATH".into(), path.into());
        h
    }

    fn package(dir: &Path, version: &str) -> PathBuf {
        let pkg = dir.join("lib/node_modules/openclaw");
        std::fs::create_dir_all(pkg.join("dist")).unwrap();
        let text = format!(r#"{{"name":"openclaw","version":"{version}"}}"#);
        std::fs::write(pkg.join("package.json"), text).unwrap();
        std::fs::write(pkg.join("dist/index.js"), "").unwrap();
        pkg
    }

    #[test]
    fn finds_the_unit_path_and_prefix_packages_in_order() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path();
        let a = package(&home.join("a"), "2026.7.35");
        let b = package(&home.join("b"), "2026.9.6");
        let c = package(&home.join("c"), "2026.5.28");
        std::fs::create_dir_all(home.join("b/bin")).unwrap();
        std::os::unix::fs::symlink(b.join("dist/index.js"), home.join("b/bin/openclaw")).unwrap();
        let unit = home.join(".config/systemd/user");
        std::fs::create_dir_all(&unit).unwrap();
        let exec = format!(
            "[Service]\nExecStart=/usr/bin/node {} gateway --port 18789\n",
            a.join("dist/index.js").display()
        );
        std::fs::write(unit.join("openclaw-gateway.service"), exec).unwrap();
        std::fs::write(
            home.join(".npmrc"),
            format!("prefix={}\n", home.join("c").display()),
        )
        .unwrap();
        let _ = c;
        let path = format!("{}:/usr/bin:/bin", home.join("b/bin").display());
        let found = installed(&host(home, &path));
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|c| (c.version.as_str(), c.found_via.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("2026.7.35", "gateway unit"),
                ("2026.9.6", "PATH"),
                ("2026.5.28", "npm prefix")
            ]
        );
    }

    #[test]
    fn reads_last_touched_version_and_ignores_junk() {
        let t = tempfile::tempdir().unwrap();
        let json5 = "{meta: {lastTouchedVersion: '2026.6.6'}, // json5\n}";
        assert_eq!(home_meta_version(json5).as_deref(), Some("2026.6.6"));
        assert_eq!(
            home_meta_version(r#"{"meta":{"lastTouchedVersion":7}}"#),
            None
        );
        assert_eq!(home_meta_version("{not json"), None);
        assert!(installed(&host(t.path(), "/nonexistent")).is_empty());
    }
}
