//! `--web.config.file`: the web configuration every Prometheus exporter
//! shares (exporter-toolkit's format): `tls_server_config` (certificate and
//! key, client CA and client auth type, TLS versions), `basic_auth_users`
//! (bcrypt hashes) and `http_server_config.headers`.
//!
//! [`super::websource`] reads it again when it changes.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What is wrong with the web config, naming the file and the field.
#[derive(Debug, Clone, thiserror::Error)]
#[error("web config {path}: {msg}")]
pub struct WebConfigError {
    pub path: PathBuf,
    pub msg: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    tls_server_config: Option<RawTls>,
    #[serde(default)]
    http_server_config: Option<RawHttp>,
    #[serde(default)]
    basic_auth_users: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert: Option<String>,
    key: Option<String>,
    client_ca: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    client_auth_type: Option<String>,
    client_ca_file: Option<String>,
    min_version: Option<String>,
    max_version: Option<String>,
    prefer_server_cipher_suites: Option<bool>,
    cipher_suites: Option<Vec<String>>,
    curve_preferences: Option<Vec<String>>,
    client_allowed_sans: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    http2: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
}

/// PEM text: from a file (read at each rebuild) or inline in the config.
#[derive(Clone, PartialEq, Eq)]
pub enum Pem {
    File(PathBuf),
    Inline(String),
}

/// Who must show a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    NoClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// `tls_server_config`, checked.
#[derive(Clone)]
pub struct TlsSettings {
    pub cert: Pem,
    pub key: Pem,
    pub client_ca: Option<Pem>,
    pub client_auth: ClientAuth,
    pub min_version: TlsVersion,
    pub max_version: TlsVersion,
}

/// The whole web config, checked. No `Debug`: it holds password hashes
/// and maybe an inline key.
#[derive(Clone, Default)]
pub struct WebConfig {
    pub tls: Option<TlsSettings>,
    /// user → bcrypt hash.
    pub users: BTreeMap<String, String>,
    /// Extra response headers (the ones exporter-toolkit allows).
    pub headers: Vec<(String, String)>,
}

impl WebConfig {
    /// Whether a scraper must authenticate (basic auth, or a verified
    /// client certificate).
    pub fn has_auth(&self) -> bool {
        !self.users.is_empty()
            || self
                .tls
                .as_ref()
                .is_some_and(|t| t.client_auth == ClientAuth::RequireAndVerifyClientCert)
    }
}

/// Headers exporter-toolkit lets a web config set, and their allowed values
/// (empty: any).
const HEADERS: &[(&str, &[&str])] = &[
    ("Strict-Transport-Security", &[]),
    ("X-Content-Type-Options", &["nosniff"]),
    ("X-Frame-Options", &["deny", "sameorigin"]),
    ("X-XSS-Protection", &[]),
    ("Content-Security-Policy", &[]),
];

/// Parse and check the web config text of `path` (relative file names are
/// relative to its directory, as in exporter-toolkit).
pub fn parse(path: &Path, text: &str) -> Result<WebConfig, WebConfigError> {
    let err = |msg: String| WebConfigError {
        path: path.to_path_buf(),
        msg,
    };
    let raw: RawConfig = if text.trim().is_empty() {
        RawConfig::default()
    } else {
        serde_yaml_ng::from_str(text)
            .map_err(|e| err(format!("invalid YAML: {}", redact_quoted(&e.to_string()))))?
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let tls = match raw.tls_server_config {
        Some(t) => tls_settings(t, dir).map_err(err)?,
        None => None,
    };
    let users = raw.basic_auth_users.unwrap_or_default();
    for (user, hash) in &users {
        if hash.parse::<bcrypt::HashParts>().is_err() {
            return Err(err(format!(
                "basic_auth_users.{user}: not a bcrypt hash (make one with `htpasswd -nBC 10 \"\" | tr -d ':'`)"
            )));
        }
    }
    let headers = headers(raw.http_server_config.unwrap_or_default()).map_err(err)?;
    Ok(WebConfig {
        tls,
        users,
        headers,
    })
}

/// serde's messages quote a misplaced string value (`invalid type: string
/// "…"`): that may be a password or a key, so quoted text is left out.
fn redact_quoted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut chars = msg.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' {
            continue;
        }
        out.push('…');
        while let Some(q) = chars.next() {
            match q {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                _ => {}
            }
        }
        out.push('"');
    }
    out
}

fn headers(h: RawHttp) -> Result<Vec<(String, String)>, String> {
    // http2 is accepted and ignored: clawwatch serves HTTP/1.1.
    let _ = h.http2;
    let mut out = Vec::new();
    for (k, v) in h.headers.unwrap_or_default() {
        let Some((_, allowed)) = HEADERS.iter().find(|(name, _)| *name == k) else {
            return Err(format!(
                "http_server_config.headers: {k:?} can not be configured"
            ));
        };
        if !allowed.is_empty() && !allowed.contains(&v.as_str()) {
            return Err(format!(
                "http_server_config.headers.{k}: expected one of {allowed:?}, got {v:?}"
            ));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn version(field: &str, v: Option<&str>, default: TlsVersion) -> Result<TlsVersion, String> {
    match v {
        None | Some("") => Ok(default),
        // rustls speaks TLS 1.2 and 1.3 only: a lower minimum allows 1.2.
        Some("TLS10" | "TLS11" | "TLS12") => Ok(TlsVersion::Tls12),
        Some("TLS13") => Ok(TlsVersion::Tls13),
        Some(other) => Err(format!(
            "tls_server_config.{field}: unknown TLS version {other:?} (TLS12 or TLS13)"
        )),
    }
}

fn pem(dir: &Path, file: Option<String>, inline: Option<String>) -> Option<Pem> {
    match (
        file.filter(|f| !f.is_empty()),
        inline.filter(|i| !i.is_empty()),
    ) {
        (Some(f), _) => Some(Pem::File(dir.join(f))),
        (None, Some(i)) => Some(Pem::Inline(i)),
        (None, None) => None,
    }
}

fn client_auth(s: Option<&str>) -> Result<ClientAuth, String> {
    match s.unwrap_or("") {
        "" | "NoClientCert" => Ok(ClientAuth::NoClientCert),
        "VerifyClientCertIfGiven" => Ok(ClientAuth::VerifyClientCertIfGiven),
        "RequireAndVerifyClientCert" => Ok(ClientAuth::RequireAndVerifyClientCert),
        t @ ("RequestClientCert" | "RequireAnyClientCert" | "RequireClientCert") => Err(format!(
            "tls_server_config.client_auth_type: {t} (an unverified client certificate) is not \
             supported; use VerifyClientCertIfGiven or RequireAndVerifyClientCert"
        )),
        t => Err(format!(
            "tls_server_config.client_auth_type: unknown value {t:?} (NoClientCert, \
             VerifyClientCertIfGiven or RequireAndVerifyClientCert)"
        )),
    }
}

fn tls_settings(t: RawTls, dir: &Path) -> Result<Option<TlsSettings>, String> {
    for (field, set) in [
        ("cipher_suites", t.cipher_suites.is_some()),
        ("curve_preferences", t.curve_preferences.is_some()),
        ("client_allowed_sans", t.client_allowed_sans.is_some()),
    ] {
        if set {
            return Err(format!(
                "tls_server_config.{field} is not supported by clawwatch (rustls picks safe \
                 defaults); remove it"
            ));
        }
    }
    let _ = t.prefer_server_cipher_suites;
    let auth = client_auth(t.client_auth_type.as_deref())?;
    let min_version = version("min_version", t.min_version.as_deref(), TlsVersion::Tls12)?;
    let max_version = version("max_version", t.max_version.as_deref(), TlsVersion::Tls13)?;
    let cert = pem(dir, t.cert_file, t.cert);
    let key = pem(dir, t.key_file, t.key);
    let client_ca = pem(dir, t.client_ca_file, t.client_ca);
    if cert.is_none()
        && key.is_none()
        && client_ca.is_none()
        && t.client_auth_type.is_none_or(|a| a.is_empty())
    {
        return Ok(None);
    }
    let cert = cert.ok_or("tls_server_config: missing one of cert or cert_file")?;
    let key = key.ok_or("tls_server_config: missing one of key or key_file")?;
    if min_version > max_version {
        return Err("tls_server_config: min_version is above max_version".into());
    }
    match (auth, &client_ca) {
        (ClientAuth::NoClientCert, Some(_)) => {
            return Err(
                "tls_server_config: client_ca_file is set without a client_auth_type \
                        (RequireAndVerifyClientCert or VerifyClientCertIfGiven)"
                    .into(),
            );
        }
        (ClientAuth::NoClientCert, None) | (_, Some(_)) => {}
        (_, None) => {
            return Err(
                "tls_server_config: client_auth_type needs client_ca_file (or client_ca)".into(),
            );
        }
    }
    Ok(Some(TlsSettings {
        cert,
        key,
        client_ca,
        client_auth: auth,
        min_version,
        max_version,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<WebConfig, WebConfigError> {
        parse(Path::new("/etc/clawwatch/web.yml"), text)
    }

    #[test]
    fn an_empty_file_is_no_tls_and_no_auth() {
        let c = p("").unwrap();
        assert!(c.tls.is_none() && c.users.is_empty() && !c.has_auth());
    }

    #[test]
    fn tls_and_users_are_read_and_relative_files_follow_the_config() {
        let c = p(concat!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: /k/server.key\n",
            "  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n",
            "  min_version: TLS13\n",
            "basic_auth_users:\n  prom: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n",
            "http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n",
        ))
        .unwrap();
        let t = c.tls.as_ref().unwrap();
        assert!(t.cert == Pem::File("/etc/clawwatch/server.crt".into()));
        assert!(t.key == Pem::File("/k/server.key".into()));
        assert_eq!(t.client_auth, ClientAuth::RequireAndVerifyClientCert);
        assert_eq!(t.min_version, TlsVersion::Tls13);
        assert_eq!(c.users.len(), 1);
        assert_eq!(c.headers, [("X-Frame-Options".into(), "deny".into())]);
        assert!(c.has_auth());
    }

    #[test]
    fn mistakes_name_the_field() {
        for (text, needle) in [
            ("tls_server_config:\n  cert_file: a\n", "key_file"),
            ("tls_server_config:\n  key_file: a\n", "cert_file"),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",
                "client_auth_type",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n",
                "client_ca_file",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Bogus\n",
                "client_auth_type",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS99\n",
                "min_version",
            ),
            (
                "basic_auth_users:\n  prom: hunter2\n",
                "basic_auth_users.prom",
            ),
            ("tls_server_config:\n  certfile: a\n", "certfile"),
            ("nope: 1\n", "nope"),
            ("http_server_config:\n  headers:\n    Server: x\n", "Server"),
            (": : :\n", "invalid YAML"),
            (
                "basic_auth_users:\n  a: \"x\\\"hunter2\"\n  b: 1\n",
                "basic_auth_users",
            ),
            ("basic_auth_users: hunter2\n", "basic_auth_users"),
            ("tls_server_config:\n  key: [hunter2]\n", "key"),
        ] {
            let e = p(text).err().unwrap_or_else(|| panic!("{text:?} accepted"));
            let msg = e.to_string();
            assert!(msg.contains(needle), "{text:?}: {msg}");
            assert!(msg.contains("/etc/clawwatch/web.yml"), "{msg}");
            assert!(!msg.contains("hunter2"), "the value is not echoed: {msg}");
        }
    }
}
