//! Provider ids as OpenClaw compares them, and what its plugin manifests
//! say about each provider (2026.9.6).

use std::borrow::Cow;

/// `setup.providers[].envVars` from OpenClaw 2026.9.6's plugin manifests:
/// the first non-blank one is the provider's env credential.
pub const PROVIDER_ENV_VARS: &[(&str, &[&str])] = &[
    (
        "alibaba",
        &["MODELSTUDIO_API_KEY", "DASHSCOPE_API_KEY", "QWEN_API_KEY"],
    ),
    ("anthropic", &["ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY"]),
    ("clawrouter", &["CLAWROUTER_API_KEY"]),
    ("github-copilot", &["COPILOT_GITHUB_TOKEN"]),
    ("google", &["GEMINI_API_KEY", "GOOGLE_API_KEY"]),
    ("google-vertex", &["GOOGLE_CLOUD_API_KEY"]),
    ("huggingface", &["HUGGINGFACE_HUB_TOKEN", "HF_TOKEN"]),
    ("litellm", &["LITELLM_API_KEY"]),
    ("lmstudio", &["LM_API_TOKEN"]),
    ("microsoft-foundry", &["AZURE_OPENAI_API_KEY"]),
    (
        "minimax",
        &[
            "MINIMAX_CODE_PLAN_KEY",
            "MINIMAX_CODING_API_KEY",
            "MINIMAX_API_KEY",
        ],
    ),
    (
        "minimax-portal",
        &["MINIMAX_OAUTH_TOKEN", "MINIMAX_API_KEY"],
    ),
    ("nvidia", &["NVIDIA_API_KEY"]),
    ("ollama", &["OLLAMA_API_KEY"]),
    ("ollama-cloud", &["OLLAMA_API_KEY"]),
    ("openai", &["OPENAI_API_KEY"]),
    ("opencode-go", &["OPENCODE_API_KEY", "OPENCODE_ZEN_API_KEY"]),
    ("openrouter", &["OPENROUTER_API_KEY"]),
    ("sglang", &["SGLANG_API_KEY"]),
    ("together", &["TOGETHER_API_KEY"]),
    ("vllm", &["VLLM_API_KEY"]),
    ("xai", &["XAI_API_KEY"]),
];

/// Providers whose plugin declares synthetic auth: with nothing configured,
/// OpenClaw calls their routes "indeterminate" rather than "missing".
pub const SYNTHETIC_AUTH_PROVIDERS: &[&str] =
    &["anthropic", "apple-fm", "lmstudio", "ollama", "xai"];

/// Whether a provider's plugin declares synthetic auth.
pub fn has_synthetic_auth(provider: &str) -> bool {
    SYNTHETIC_AUTH_PROVIDERS.contains(&provider)
}

/// A provider id as written, trimmed and lowercased (borrowed when it
/// already is).
pub fn normalize(p: &str) -> Cow<'_, str> {
    if p.trim().len() == p.len() && p.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(p)
    } else {
        Cow::Owned(p.trim().to_lowercase())
    }
}

/// Manifest auth aliases (`providerAuthAliases`) of a normalised id.
pub fn auth_alias(provider: &str) -> &str {
    match provider {
        "x-ai" => "xai",
        "minimax-cn" => "minimax",
        "minimax-portal-cn" => "minimax-portal",
        other => other,
    }
}

/// The provider id OpenClaw's auth lookups use: normalised, then
/// alias-resolved. Borrows when the id is already normal (the hot path:
/// stored profiles).
pub fn auth_key(p: &str) -> Cow<'_, str> {
    match normalize(p) {
        Cow::Borrowed(b) => Cow::Borrowed(auth_alias(b)),
        Cow::Owned(o) => Cow::Owned(auth_alias(&o).to_string()),
    }
}

/// The provider's manifest env variables, in the order `models status`
/// tries them.
pub fn manifest_vars(provider: &str) -> &'static [&'static str] {
    PROVIDER_ENV_VARS
        .iter()
        .find(|(p, _)| *p == auth_alias(provider))
        .map(|(_, v)| *v)
        .unwrap_or(&[])
}

/// The provider's API-key variable as documentation names it (the last
/// manifest variable).
pub fn key_var(provider: &str) -> Option<&'static str> {
    manifest_vars(provider).last().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_normalise_and_resolve_aliases() {
        assert!(matches!(normalize("anthropic"), Cow::Borrowed(_)));
        assert_eq!(normalize(" Anthropic "), "anthropic");
        assert_eq!(auth_key(" X-AI"), "xai");
        assert_eq!(auth_key("minimax-cn"), "minimax");
        assert_eq!(manifest_vars("x-ai"), &["XAI_API_KEY"]);
        assert_eq!(key_var("anthropic"), Some("ANTHROPIC_API_KEY"));
        assert_eq!(key_var("nobody"), None);
    }
}
