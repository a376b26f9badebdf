//! `clawwatch alert test`: one test notice through the configured channels.

use super::alerter::Alerter;
use std::collections::BTreeMap;
use std::path::Path;

const NO_CHANNELS: &str = "no alert channels configured (add [[alert.email]], [[alert.webhook]], [[alert.ntfy]], [[alert.alertmanager]] or [[alert.command]])\n";

/// `clawwatch alert test [--channel NAME] [--config FILE]`: (stdout text,
/// exit code): 0 when every channel tried accepted the notice, 1 otherwise
/// (also when none is configured). A config or channel setup problem is an
/// `Err` (clawwatch's own failure, exit 3).
pub fn test_command(
    config: Option<&Path>,
    channel: Option<&str>,
    env: &BTreeMap<String, String>,
) -> anyhow::Result<(String, i32)> {
    let (cfg, _) = crate::config::load(config, env)?;
    let alerter = Alerter::new(&cfg.alert, &cfg.heartbeat, env, None)?;
    let kinds: BTreeMap<String, &str> = alerter.channels().into_iter().collect();
    let results = alerter.test(channel);
    if results.is_empty() {
        return Ok((NO_CHANNELS.into(), 1));
    }
    let mut text = String::new();
    let mut code = 0;
    for (name, r) in &results {
        let kind = kinds.get(name).copied().unwrap_or("?");
        match r {
            Ok(()) => text.push_str(&format!("ok    {name} ({kind})\n")),
            Err(e) => {
                code = 1;
                text.push_str(&format!("FAIL  {name} ({kind}): {e}\n"));
            }
        }
    }
    Ok((text, code))
}
