//! The state file's text: parse any version, write the current one.

use super::alert_state::{AlertState, STATE_VERSION};
use super::v1::migrate_v1;

/// Why a state file's text cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{0}")]
    Json(serde_json::Error),
    #[error("no \"version\" field")]
    NoVersion,
    #[error("version 1 state: {0}")]
    V1(serde_json::Error),
    #[error("version 2 state: {0}")]
    V2(serde_json::Error),
    #[error("version {found} is newer than this clawwatch understands ({STATE_VERSION})")]
    Newer { found: u64 },
}

/// Parse a state file's text, migrating older versions.
pub fn parse(text: &str) -> Result<AlertState, StateError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(StateError::Json)?;
    let version = v
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or(StateError::NoVersion)?;
    match version {
        1 => migrate_v1(v).map_err(StateError::V1),
        2 => serde_json::from_value(v).map_err(StateError::V2),
        found => Err(StateError::Newer { found }),
    }
}

/// The text of a state file: pretty JSON and a final newline.
pub fn to_json(state: &AlertState) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec_pretty(state)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::state::alert_state::ChannelState;

    #[test]
    fn round_trip() {
        let mut st = AlertState {
            next_id: 7,
            ..Default::default()
        };
        st.channels.insert(
            "mail".into(),
            ChannelState {
                failures: 2,
                next_try_ms: Some(5),
                ..Default::default()
            },
        );
        let text = String::from_utf8(to_json(&st).unwrap()).unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
        assert!(text.ends_with("}\n"));
        assert_eq!(parse(&text).unwrap(), st);
    }

    #[test]
    fn unusable_texts_say_why() {
        assert!(matches!(parse("{not json"), Err(StateError::Json(_))));
        assert!(matches!(parse("{}"), Err(StateError::NoVersion)));
        assert!(matches!(
            parse("{\"version\":99}"),
            Err(StateError::Newer { found: 99 })
        ));
        assert_eq!(
            parse("{\"version\":99}").unwrap_err().to_string(),
            "version 99 is newer than this clawwatch understands (2)"
        );
        assert!(matches!(
            parse("{\"version\":2,\"next_id\":\"x\"}"),
            Err(StateError::V2(_))
        ));
        assert!(matches!(
            parse("{\"version\":1,\"alerts\":[]}"),
            Err(StateError::V1(_))
        ));
    }
}
