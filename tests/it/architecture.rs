//! The shape of the code, checked: a pure core, imports that run downhill,
//! no import cycle between modules, short functions, few test binaries.
//! Each rule reads the sources as text (comments, strings and test modules
//! left out), so a violation fails here with the file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Skip a char literal at `i` (`'x'`, `'\n'`, `'\u{..}'`); a lifetime is
/// left alone. Returns the index after it, or None.
fn char_literal(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i + 1) == Some(&b'\\') {
        let close = b[i + 2..].iter().take(12).position(|c| *c == b'\'')?;
        return Some(i + 3 + close);
    }
    let len = b.get(i + 1..)?.iter().take(5).position(|c| *c == b'\'')?;
    let inner = std::str::from_utf8(&b[i + 1..i + 1 + len]).ok()?;
    (inner.chars().count() == 1).then_some(i + 2 + len)
}

/// The source with comments and the contents of string and char literals
/// blanked (newlines kept, so line numbers stay right).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let blank = |out: &mut Vec<u8>, s: &[u8]| {
        out.extend(s.iter().map(|c| if *c == b'\n' { b'\n' } else { b' ' }))
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let end = if rest.starts_with(b"//") {
            i + rest.iter().position(|c| *c == b'\n').unwrap_or(rest.len())
        } else if rest.starts_with(b"/*") {
            i + 2
                + rest[2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(rest.len() - 2, |p| p + 2)
        } else if rest.starts_with(b"r#\"") || rest.starts_with(b"r\"") {
            let hashes = rest[1..].iter().take_while(|c| **c == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let body = 2 + hashes;
            i + body
                + rest[body..]
                    .windows(close.len())
                    .position(|w| w == close)
                    .map_or(rest.len() - body, |p| p + close.len())
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            i + (j + 1).min(rest.len())
        } else if rest[0] == b'\''
            && let Some(e) = char_literal(b, i)
        {
            e
        } else {
            out.push(b[i]);
            i += 1;
            continue;
        };
        blank(&mut out, &b[i..end]);
        i = end;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The code without `#[cfg(test)]` items (a test module, a test function).
fn without_tests(code: &str) -> String {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            let indent = lines[i].len() - lines[i].trim_start().len();
            let mut depth = 0i32;
            let mut opened = false;
            while i < lines.len() {
                depth +=
                    lines[i].matches('{').count() as i32 - lines[i].matches('}').count() as i32;
                opened |= lines[i].contains('{');
                out.push("");
                i += 1;
                if (opened && depth <= 0)
                    || (!opened
                        && i > 0
                        && lines[i - 1].trim_end().ends_with(';')
                        && lines[i - 1].len() > indent)
                {
                    break;
                }
            }
            continue;
        }
        out.push(lines[i]);
        i += 1;
    }
    out.join("\n")
}

struct Source {
    file: PathBuf,
    /// Module path within its crate (`["daemon", "http"]`; `[]` = root).
    module: Vec<String>,
    /// Code without comments, literals or tests.
    code: String,
}

fn module_of(src_dir: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src_dir).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// Test-only files (`mod tests;` / `mod testkit;` under `#[cfg(test)]`).
fn is_test_file(file: &Path) -> bool {
    file.file_stem()
        .is_some_and(|s| s == "tests" || s == "testkit")
}

fn sources(src_dir: &Path) -> Vec<Source> {
    rust_files(src_dir)
        .into_iter()
        .filter(|f| !is_test_file(f))
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("read source");
            Source {
                module: module_of(src_dir, &file),
                code: without_tests(&code_only(&text)),
                file,
            }
        })
        .collect()
}

fn shown(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// Where `needle` occurs as a whole path segment start: (line, text).
fn occurrences<'a>(code: &'a str, needle: &str) -> Vec<(usize, &'a str)> {
    code.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.match_indices(needle).any(|(i, _)| {
                !l[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
            })
        })
        .map(|(n, l)| (n + 1, l.trim()))
        .collect()
}

#[test]
fn the_core_does_no_io_and_depends_on_no_io_crate() {
    let core = root().join("crates/core");
    let manifest = std::fs::read_to_string(core.join("Cargo.toml")).expect("core manifest");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("[dependencies]")
        .split("\n[")
        .next()
        .unwrap_or("");
    let allowed = ["chrono", "humantime", "serde", "serde_json", "thiserror"];
    let mut bad = Vec::new();
    for line in deps
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let name = line.split(['=', ' ']).next().unwrap_or("");
        if !allowed.contains(&name) {
            bad.push(format!(
                "crates/core/Cargo.toml: dependency {name} is not one of {allowed:?}"
            ));
        }
    }
    assert!(
        !manifest.contains("\"clock\"") && !manifest.contains("\"now\""),
        "chrono's clock feature in core"
    );
    let forbidden = [
        "std::fs",
        "std::env",
        "std::net",
        "std::process",
        "std::thread",
        "SystemTime::now",
        "Utc::now",
        "Local::now",
        "Instant::now",
        "rusqlite",
        "tokio",
        "axum",
        "ureq",
        "lettre",
        "libc",
        "toml",
        "clap",
        "croner",
        "chrono_tz",
    ];
    for s in sources(&core.join("src")) {
        for f in forbidden {
            for (n, l) in occurrences(&s.code, f) {
                bad.push(format!("{}:{n}: {f} in the core: {l}", shown(&s.file)));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "the core must do no I/O:\n{}",
        bad.join("\n")
    );
}

/// Every module path a file refers to (`crate::a::b`, `super::x`,
/// `self::y`, `use` trees expanded), made absolute within the crate.
fn references(s: &Source) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    let code = expand_use_trees(&s.code);
    let b = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(start) {
            if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b':') {
                continue;
            }
            let path: Vec<&str> = code[i..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or("")
                .split("::")
                .filter(|p| !p.is_empty())
                .collect();
            let mut abs: Vec<String> = match path.first() {
                Some(&"crate") => vec![],
                _ => s.module.clone(),
            };
            for seg in &path {
                match *seg {
                    "crate" | "self" => {}
                    "super" => {
                        abs.pop();
                    }
                    seg => abs.push(seg.to_string()),
                }
            }
            out.insert(abs);
        }
    }
    out
}

/// `use a::{b, c::{d, e}};` as `use a::b; use a::c::d; use a::c::e;`.
fn expand_use_trees(code: &str) -> String {
    let mut out = String::new();
    for stmt in code.split(';') {
        let t = stmt.trim_start();
        let body = t
            .strip_prefix("pub use ")
            .or_else(|| t.strip_prefix("pub(crate) use "))
            .or_else(|| t.strip_prefix("use "));
        match body {
            Some(body) if body.contains('{') => {
                for p in expand(body.split_whitespace().collect::<String>().as_str()) {
                    out.push_str(&format!(" use {p};"));
                }
            }
            _ => {
                out.push_str(stmt);
                out.push(';');
            }
        }
    }
    out
}

fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut last) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[last..i]);
                last = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[last..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// The module graph of one crate: file → files it refers to (the longest
/// module prefix of each reference), self-references left out.
fn graph(srcs: &[Source]) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let modules: BTreeSet<Vec<String>> = srcs.iter().map(|s| s.module.clone()).collect();
    let mut g = BTreeMap::new();
    for s in srcs {
        let edges = g.entry(s.module.clone()).or_insert_with(BTreeSet::new);
        for r in references(s) {
            let target = (0..=r.len())
                .rev()
                .map(|n| r[..n].to_vec())
                .find(|p| modules.contains(p));
            if let Some(t) = target.filter(|t| *t != s.module && !t.is_empty()) {
                edges.insert(t);
            }
        }
    }
    g
}

/// A cycle in the graph, if there is one.
fn find_cycle(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<String>> {
    fn visit(
        n: &Vec<String>,
        g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        done: &mut BTreeSet<Vec<String>>,
        path: &mut Vec<Vec<String>>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            return Some(path[i..].iter().chain([n]).map(|p| p.join("::")).collect());
        }
        if !done.insert(n.clone()) {
            return None;
        }
        path.push(n.clone());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, done, path) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|n| visit(n, g, &mut done, &mut vec![]))
}

#[test]
fn no_import_cycle_between_modules() {
    for dir in ["src", "crates/core/src"] {
        let g = graph(&sources(&root().join(dir)));
        if let Some(c) = find_cycle(&g) {
            panic!(
                "{dir}: modules import each other in a cycle: {}",
                c.join(" -> ")
            );
        }
    }
}

#[test]
fn imports_run_downhill() {
    // (modules, what they must never refer to)
    let rules: [(&[&str], &[&str]); 4] = [
        (
            &[
                "sources", "output", "config", "check", "exit", "fsutil", "par", "schedule",
            ],
            &["alert", "doctor", "daemon", "app"],
        ),
        (&["alert", "doctor"], &["daemon", "app"]),
        (&["daemon"], &["app"]),
        (&["sources", "output"], &["check"]),
    ];
    let srcs = sources(&root().join("src"));
    let mut bad = Vec::new();
    for s in &srcs {
        let Some(top) = s.module.first() else {
            continue;
        };
        for r in references(s) {
            let Some(target) = r.first() else { continue };
            for (from, never) in rules {
                if from.contains(&top.as_str()) && never.contains(&target.as_str()) {
                    bad.push(format!(
                        "{}: {top} refers to crate::{}",
                        shown(&s.file),
                        r.join("::")
                    ));
                }
            }
        }
        let is_cli = s.module == ["app", "cli"];
        for (n, l) in occurrences(&s.code, "clap::")
            .into_iter()
            .chain(occurrences(&s.code, "use clap"))
        {
            if !is_cli {
                bad.push(format!(
                    "{}:{n}: clap outside src/app/cli.rs: {l}",
                    shown(&s.file)
                ));
            }
        }
    }
    bad.sort();
    bad.dedup();
    assert!(
        bad.is_empty(),
        "imports must run downhill:\n{}",
        bad.join("\n")
    );
}

/// (file, line, name, length) of every function longer than `limit` lines.
fn long_functions(srcs: &[Source], limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    for s in srcs {
        let lines: Vec<&str> = s.code.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim_start();
            let is_fn = [
                "fn ",
                "pub fn ",
                "pub(crate) fn ",
                "async fn ",
                "pub async fn ",
                "const fn ",
                "pub const fn ",
                "unsafe fn ",
            ]
            .iter()
            .any(|p| t.starts_with(p));
            if !is_fn || t.trim_end().ends_with(';') {
                continue;
            }
            let indent = l.len() - t.len();
            let end = lines[i + 1..].iter().position(|m| {
                m.len() > indent && m[..indent].trim().is_empty() && m[indent..].starts_with('}')
            });
            let n = end.map_or(1, |e| e + 2);
            if n > limit {
                let name = t
                    .split("fn ")
                    .nth(1)
                    .and_then(|r| r.split(['(', '<']).next())
                    .unwrap_or("");
                out.push(format!(
                    "{}:{}: fn {name} is {n} lines",
                    shown(&s.file),
                    i + 1
                ));
            }
        }
    }
    out
}

#[test]
fn no_function_over_100_lines() {
    let mut srcs = sources(&root().join("src"));
    srcs.extend(sources(&root().join("crates/core/src")));
    let long = long_functions(&srcs, 100);
    assert!(
        long.is_empty(),
        "functions over 100 lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn at_most_three_integration_test_binaries() {
    let tests = root().join("tests");
    let mut bins: Vec<String> = std::fs::read_dir(&tests)
        .expect("tests dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            (p.is_file() && p.extension().is_some_and(|x| x == "rs")) || p.join("main.rs").is_file()
        })
        .map(|p| shown(&p))
        .collect();
    bins.sort();
    assert!(
        bins.len() <= 3,
        "{} integration-test binaries: {bins:?}",
        bins.len()
    );
}

#[test]
fn the_checker_sees_what_it_should() {
    let code = code_only("let a = \"std::fs\"; // std::env\nlet c = '\"'; use std::net::X;\n");
    assert!(!code.contains("std::fs") && !code.contains("std::env") && code.contains("std::net"));
    assert_eq!(
        expand("a::{b, c::{d, e}}"),
        ["a::b", "a::c::d", "a::c::e"].map(String::from)
    );
    let s = Source {
        file: PathBuf::from("x.rs"),
        module: vec!["daemon".into(), "run".into()],
        code: expand_use_trees(
            "use super::{cycle::run_cycle, hooks};\nlet x = crate::output::metrics::Metrics::new();",
        ),
    };
    let refs = references(&s);
    assert!(refs.contains(&vec![
        "daemon".to_string(),
        "cycle".into(),
        "run_cycle".into()
    ]));
    assert!(refs.contains(&vec![
        "output".to_string(),
        "metrics".into(),
        "Metrics".into(),
        "new".into()
    ]));
    let g: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = [
        (
            vec!["a".to_string()],
            BTreeSet::from([vec!["b".to_string()]]),
        ),
        (
            vec!["b".to_string()],
            BTreeSet::from([vec!["a".to_string()]]),
        ),
    ]
    .into();
    assert!(find_cycle(&g).is_some());
}
