//! One stored credential on its own: is it eligible, and how healthy is it
//! (OpenClaw's `resolveTokenExpiryState`,
//! `evaluateStoredCredentialEligibility`, `buildProfileHealth`).

use crate::model::{CredState, Credential, Expires, Profile};
use crate::secret::Secret;

/// OAuth access tokens closer than this to expiry are not "usable".
pub const OAUTH_REFRESH_MARGIN_MS: f64 = 300_000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryState {
    Missing,
    Invalid,
    Expired,
    Expiring,
    Valid,
}

/// `resolveTokenExpiryState`: epoch-ms validity and the expiring window.
pub fn expiry_state(e: &Expires, now: f64, within_ms: f64) -> ExpiryState {
    match e {
        Expires::Absent => ExpiryState::Missing,
        Expires::NotANumber(_) => ExpiryState::Invalid,
        Expires::Number(n) => {
            if e.valid_ms().is_none() {
                return ExpiryState::Invalid;
            }
            let remaining = n - now;
            if remaining <= 0.0 {
                ExpiryState::Expired
            } else if within_ms > 0.0 && remaining <= within_ms {
                ExpiryState::Expiring
            } else {
                ExpiryState::Valid
            }
        }
    }
}

/// Why OpenClaw will not use a stored credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    MalformedApiKey,
    MissingCredential,
    InvalidExpires,
    Expired,
    /// A secret reference OpenClaw resolves at run time (still eligible).
    UnresolvedRef,
}

impl Ineligible {
    /// The reason code OpenClaw reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Ineligible::MalformedApiKey => "malformed_api_key",
            Ineligible::MissingCredential => "missing_credential",
            Ineligible::InvalidExpires => "invalid_expires",
            Ineligible::Expired => "expired",
            Ineligible::UnresolvedRef => "unresolved_ref",
        }
    }
}

/// A pasted `openclaw onboard --auth-choice …` command line instead of a key.
fn is_malformed_key(key: &Secret) -> bool {
    let k = key.expose().trim().to_lowercase();
    let mut words = k.split_whitespace();
    words.next() == Some("openclaw")
        && words.next() == Some("onboard")
        && k.split_whitespace()
            .any(|w| w == "--auth-choice" || w.starts_with("--auth-choice="))
}

/// `evaluateStoredCredentialEligibility`.
pub fn eligibility(c: &Credential, now: f64) -> Result<(), Ineligible> {
    match c {
        Credential::ApiKey { key, key_ref } => {
            if key.as_ref().is_some_and(is_malformed_key) {
                return Err(Ineligible::MalformedApiKey);
            }
            if key.is_none() && !key_ref {
                return Err(Ineligible::MissingCredential);
            }
            Ok(())
        }
        Credential::Token {
            token,
            token_ref,
            expires,
        } => {
            if token.is_none() && !token_ref {
                return Err(Ineligible::MissingCredential);
            }
            match expiry_state(expires, now, 0.0) {
                ExpiryState::Invalid => Err(Ineligible::InvalidExpires),
                ExpiryState::Expired => Err(Ineligible::Expired),
                _ => Ok(()),
            }
        }
        Credential::OAuth {
            access,
            refresh,
            oauth_ref,
            refresh_fence,
            ..
        } => {
            if *refresh_fence {
                return Err(Ineligible::Expired);
            }
            if access.is_none() && refresh.is_none() {
                return Err(if *oauth_ref {
                    Ineligible::UnresolvedRef
                } else {
                    Ineligible::MissingCredential
                });
            }
            Ok(())
        }
    }
}

/// A profile's displayed health: state, valid expiry, reason code.
pub type Health = (CredState, Option<i64>, Option<&'static str>);

/// Displayed profile health (`buildProfileHealth`).
pub fn profile_health(p: &Profile, now: f64, warn_ms: f64) -> Health {
    if p.setup_inactive {
        return (CredState::Missing, None, Some("setup_inactive"));
    }
    let eligible = eligibility(&p.credential, now);
    let expires = match (&p.credential, eligible) {
        (Credential::ApiKey { .. }, Ok(())) => return (CredState::Static, None, None),
        (_, Err(Ineligible::Expired)) => {
            let at = p.credential.expires().and_then(Expires::valid_ms);
            return (CredState::Expired, at, Some("expired"));
        }
        (_, Err(r)) => return (CredState::Missing, None, Some(r.as_str())),
        (Credential::Token { expires, .. } | Credential::OAuth { expires, .. }, Ok(())) => expires,
    };
    let at = expires.valid_ms();
    if matches!(p.credential, Credential::Token { .. }) {
        return match expiry_state(expires, now, warn_ms) {
            ExpiryState::Missing => (CredState::Static, None, None),
            ExpiryState::Expiring => (CredState::Expiring, at, None),
            _ => (CredState::Ok, at, None),
        };
    }
    match expiry_state(expires, now, warn_ms.max(OAUTH_REFRESH_MARGIN_MS)) {
        ExpiryState::Missing => (CredState::Missing, None, Some("missing_expiry")),
        ExpiryState::Invalid => (CredState::Missing, None, Some("invalid_expires")),
        ExpiryState::Expired => (CredState::Expired, at, None),
        ExpiryState::Expiring => (CredState::Expiring, at, None),
        ExpiryState::Valid => (CredState::Ok, at, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(expires: Expires) -> Profile {
        Profile {
            id: "anthropic:manual".into(),
            provider: "anthropic".into(),
            credential: Credential::Token {
                token: Some(Secret::new("sk-ant-oat01-FAKE")),
                token_ref: false,
                expires,
            },
            setup_inactive: false,
            email: None,
        }
    }

    #[test]
    fn the_window_is_inclusive_and_expiry_exclusive() {
        let day = 86_400_000.0;
        assert_eq!(
            expiry_state(&Expires::Number(1000.0), 1000.0, day),
            ExpiryState::Expired
        );
        assert_eq!(
            expiry_state(&Expires::Number(1000.0 + day), 1000.0, day),
            ExpiryState::Expiring
        );
        assert_eq!(
            expiry_state(&Expires::Number(1001.0 + day), 1000.0, day),
            ExpiryState::Valid
        );
        assert_eq!(
            expiry_state(&Expires::Number(9e15), 0.0, day),
            ExpiryState::Invalid
        );
        assert_eq!(
            expiry_state(&Expires::NotANumber("string".into()), 0.0, day),
            ExpiryState::Invalid
        );
    }

    #[test]
    fn token_health() {
        let h = |e| profile_health(&token(e), 1000.0, 86_400_000.0);
        assert_eq!(h(Expires::Absent).0, CredState::Static);
        assert_eq!(
            h(Expires::Number(500.0)),
            (CredState::Expired, Some(500), Some("expired"))
        );
        assert_eq!(
            h(Expires::NotANumber("x".into())),
            (CredState::Missing, None, Some("invalid_expires"))
        );
        assert_eq!(h(Expires::Number(2000.0)).0, CredState::Expiring);
    }

    #[test]
    fn a_pasted_onboard_command_is_no_key() {
        let c = Credential::ApiKey {
            key: Some(Secret::new("openclaw onboard --auth-choice=apiKey")),
            key_ref: false,
        };
        assert_eq!(eligibility(&c, 0.0), Err(Ineligible::MalformedApiKey));
    }
}
