//! What packagers and shells get from the binary: man pages kept in sync
//! with the clap definitions, completion scripts that complete, a version
//! that names the build.

use crate::common::bin;
use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("read page"))
        })
        .collect();
    out.sort();
    out
}

/// contrib/man is what `clawwatch manpages` writes today: a changed flag or
/// help text fails here until the pages are regenerated with
/// `cargo run -- manpages contrib/man`.
#[test]
fn committed_man_pages_match_the_cli() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = Command::new(bin())
        .arg("manpages")
        .arg(tmp.path())
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fresh = files_in(tmp.path());
    let committed = files_in(&repo().join("contrib/man"));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&committed),
        names(&fresh),
        "regenerate: cargo run -- manpages contrib/man"
    );
    for ((name, a), (_, b)) in committed.iter().zip(&fresh) {
        assert!(
            a == b,
            "contrib/man/{name} is stale: cargo run -- manpages contrib/man"
        );
    }
    assert!(fresh.iter().any(|(n, _)| n == "clawwatch-check.1"));
}

/// What bash offers for `clawwatch <word><TAB>`, from the script
/// `clawwatch completions bash` prints: the completion function called as
/// bash's `complete -F` calls it (command, current word, previous word).
pub fn bash_completes(script: &Path, words: &str) -> Vec<String> {
    let prog = format!(
        "source {script}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); \
         COMP_LINE=\"{words}\"; COMP_POINT=${{#COMP_LINE}}; \
         _clawwatch clawwatch \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script = script.display()
    );
    let o = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &prog])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("bash");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completion_completes_commands_and_flags() {
    let tmp = tempfile::tempdir().expect("tmp");
    let script = tmp.path().join("clawwatch.bash");
    let o = Command::new(bin())
        .args(["completions", "bash"])
        .output()
        .expect("run");
    assert!(o.status.success());
    std::fs::write(&script, &o.stdout).expect("write");
    assert_eq!(bash_completes(&script, "clawwatch st"), ["status"]);
    let flags = bash_completes(&script, "clawwatch check --all");
    assert_eq!(flags, ["--all-agents"]);
}

#[test]
fn every_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = Command::new(bin())
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(o.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("clawwatch") && text.contains("status"),
            "{shell}"
        );
    }
    let o = Command::new(bin())
        .args(["completions", "tcsh"])
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(3),
        "an unknown shell is a usage error"
    );
}

/// `--version` names the version, the commit (or "unknown" outside git),
/// the target and the profile; build_info carries the same.
#[test]
fn version_names_the_build() {
    let o = Command::new(bin()).arg("--version").output().expect("run");
    let line = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let rest = line
        .strip_prefix(concat!(
            "clawwatch ",
            env!("CARGO_PKG_VERSION"),
            " (revision "
        ))
        .unwrap_or_else(|| panic!("{line}"));
    let (rev, rest) = rest.split_once(", ").expect("revision, target");
    assert!(
        rev == "unknown" || (rev.len() == 12 && rev.bytes().all(|b| b.is_ascii_hexdigit())),
        "{line}"
    );
    let (target, profile) = rest
        .trim_end_matches(')')
        .split_once(", ")
        .expect("target, profile");
    assert!(target.contains("-linux-") || target.contains('-'), "{line}");
    assert!(["debug", "release"].contains(&profile), "{line}");
}
