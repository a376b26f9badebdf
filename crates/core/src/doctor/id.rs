//! Every finding id doctor reports: stable, kebab-case words (a metrics
//! label, an alert key and the `id` of `doctor --json`).

use crate::model::words;

/// What a finding is about. Its word never changes once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingId {
    // OpenClaw's state dir and config
    StateDirMissing,
    ConfigMissing,
    ConfigUnparseable,
    ConfigEnvKeyOutsideVars,
    ConfigInvalid,
    OpenclawReleaseMismatch,
    // legacy JSON files
    LegacyAuthProfilesJson,
    LegacyAuthJson,
    LegacyOauthJson,
    LegacyAuthStateJson,
    // stores, read problems, file modes
    InvalidSharedStore,
    StoreUnreadable,
    ProfileDropped,
    DotenvUnreadable,
    ClaudeCodeCredsInvalid,
    CredentialFilePermissions,
    // agents, routes and profiles
    AgentUnresolved,
    RouteRuntimeUnavailable,
    RouteWithoutCredential,
    ProfileExpired,
    ProfileExpiring,
    ProfileCooldown,
    ProfileDisabled,
    ProfileUnusable,
    AuthOrderUnknownProfile,
    // env variables, the gateway service, Claude Code
    SetupTokenInApiKeyVar,
    RotationWithoutBaseKey,
    RotationListVarIgnored,
    KeyOnlyInShellProfile,
    ClaudeCodeExpiryMismatch,
    ClaudeCodeCredsUnused,
    // clawwatch's own deployment
    ClawwatchConfigInvalid,
    ClawwatchStateDirUnwritable,
    ClawwatchTextfileDirUnwritable,
    MetricsPortOurs,
    MetricsPortInUse,
    AlertChannelIncomplete,
    ProbeSmtpOk,
    ProbeSmtpFailed,
    // the live provider probe
    ProbeUnsupported,
    ProbeSkipped,
    ProbeOk,
    ProbeUnauthorized,
    ProbeRateLimited,
    ProbeFailed,
}

words!(FindingId {
    StateDirMissing => "state-dir-missing",
    ConfigMissing => "config-missing",
    ConfigUnparseable => "config-unparseable",
    ConfigEnvKeyOutsideVars => "config-env-key-outside-vars",
    ConfigInvalid => "config-invalid",
    OpenclawReleaseMismatch => "openclaw-release-mismatch",
    LegacyAuthProfilesJson => "legacy-auth-profiles-json",
    LegacyAuthJson => "legacy-auth-json",
    LegacyOauthJson => "legacy-oauth-json",
    LegacyAuthStateJson => "legacy-auth-state-json",
    InvalidSharedStore => "invalid-shared-store",
    StoreUnreadable => "store-unreadable",
    ProfileDropped => "profile-dropped",
    DotenvUnreadable => "dotenv-unreadable",
    ClaudeCodeCredsInvalid => "claude-code-creds-invalid",
    CredentialFilePermissions => "credential-file-permissions",
    AgentUnresolved => "agent-unresolved",
    RouteRuntimeUnavailable => "route-runtime-unavailable",
    RouteWithoutCredential => "route-without-credential",
    ProfileExpired => "profile-expired",
    ProfileExpiring => "profile-expiring",
    ProfileCooldown => "profile-cooldown",
    ProfileDisabled => "profile-disabled",
    ProfileUnusable => "profile-unusable",
    AuthOrderUnknownProfile => "auth-order-unknown-profile",
    SetupTokenInApiKeyVar => "setup-token-in-api-key-var",
    RotationWithoutBaseKey => "rotation-without-base-key",
    RotationListVarIgnored => "rotation-list-var-ignored",
    KeyOnlyInShellProfile => "key-only-in-shell-profile",
    ClaudeCodeExpiryMismatch => "claude-code-expiry-mismatch",
    ClaudeCodeCredsUnused => "claude-code-creds-unused",
    ClawwatchConfigInvalid => "clawwatch-config-invalid",
    ClawwatchStateDirUnwritable => "clawwatch-state-dir-unwritable",
    ClawwatchTextfileDirUnwritable => "clawwatch-textfile-dir-unwritable",
    MetricsPortOurs => "metrics-port-ours",
    MetricsPortInUse => "metrics-port-in-use",
    AlertChannelIncomplete => "alert-channel-incomplete",
    ProbeSmtpOk => "probe-smtp-ok",
    ProbeSmtpFailed => "probe-smtp-failed",
    ProbeUnsupported => "probe-unsupported",
    ProbeSkipped => "probe-skipped",
    ProbeOk => "probe-ok",
    ProbeUnauthorized => "probe-unauthorized",
    ProbeRateLimited => "probe-rate-limited",
    ProbeFailed => "probe-failed",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_kebab_case_unique_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for id in FindingId::ALL {
            let w = id.as_str();
            assert!(
                w.split('-')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase())),
                "{w}"
            );
            assert!(seen.insert(w), "{w} twice");
            assert_eq!(FindingId::from_word(w), Some(*id));
            assert_eq!(serde_json::to_value(id).unwrap(), w);
        }
    }
}
