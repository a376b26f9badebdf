//! Every configured channel's counters (and every source-error label set)
//! are in the daemon's exposition at 0 before the first delivery, so
//! Prometheus' increase() sees the first one (a series born at 1 shows an
//! increase of 0).

use crate::common::daemon::{Daemon, metric};
use crate::common::{self, H, NOW_MS};
use crate::support::HttpSink;

const CHANNELS: [&str; 5] = ["ops-mail", "hook", "phone", "am", "cmd"];

#[test]
fn every_channel_counts_from_zero_before_the_first_delivery() {
    let home = common::Home::new();
    home.config_anthropic();
    crate::support::set_token(&home, "anthropic:manual", NOW_MS - H);
    let topic = home.write("topic", "cw-topic-FAKE-000");
    // The webhook holds its answer: the first cycle cannot finish, so what
    // /metrics shows is what the daemon exported before any delivery.
    let hook = HttpSink::start();
    hook.hold(true);
    let closed = crate::support::free_port();
    let state = home.path().join("alert-state.json");
    let cfg = format!(
        r#"[check]
schedule = "0 0 30 2 *"

[alert]
state_file = {state:?}
host = "box"

[[alert.email]]
name = "ops-mail"
smtp_host = "127.0.0.1"
smtp_port = {closed}
tls = "none"
from = "clawwatch@example.org"
to = ["ops@example.org"]

[[alert.webhook]]
name = "hook"
url = "{hook}/hook"
timeout = "10m"

[[alert.ntfy]]
name = "phone"
url = "http://127.0.0.1:{closed}"
topic_file = {topic:?}

[[alert.alertmanager]]
name = "am"
url = "http://127.0.0.1:{closed}"

[[alert.command]]
name = "cmd"
argv = ["/bin/true"]
"#,
        state = state.display().to_string(),
        hook = hook.url,
        topic = topic.display().to_string(),
    );
    let d = Daemon::start(&home, &cfg);
    // The first cycle is under way (its webhook notice arrived).
    assert!(
        crate::support::wait_until(common::daemon::WAIT, || !hook.held().is_empty()),
        "{}",
        d.logs()
    );
    let body = d.metrics();
    for ch in CHANNELS {
        for sev in ["warning", "critical"] {
            let s = format!("clawwatch_alerts_sent_total{{channel=\"{ch}\",severity=\"{sev}\"}}");
            assert_eq!(metric(&body, &s), Some(0.0), "{s} in\n{body}");
        }
        let f = format!("clawwatch_alert_failures_total{{channel=\"{ch}\"}}");
        assert_eq!(metric(&body, &f), Some(0.0), "{f} in\n{body}");
    }
    for source in clawwatch_core::model::SourceName::ALL {
        for reason in clawwatch_core::model::ReadReason::ALL {
            let s = format!(
                "openclaw_auth_source_errors_total{{reason=\"{}\",source=\"{}\"}}",
                reason.as_str(),
                source.as_str()
            );
            assert_eq!(metric(&body, &s), Some(0.0), "{s} in\n{body}");
        }
    }
    assert_eq!(metric(&body, "openclaw_auth_check_runs_total"), Some(0.0));
    d.kill9();
}
