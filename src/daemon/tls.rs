//! The TLS side of the web config: a rustls server config (ring provider)
//! from the certificate, key and client CA it names.

use super::webconfig::{ClientAuth, Pem, TlsSettings, TlsVersion};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// Certificates and keys are small; a bigger file is a mistake.
const MAX_PEM: u64 = 1 << 20;

fn read_pem(p: &Pem, field: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    match p {
        Pem::Inline(s) => Ok(s.as_bytes().to_vec()),
        Pem::File(f) => {
            let mut buf = Vec::new();
            std::fs::File::open(f)
                .and_then(|h| h.take(MAX_PEM).read_to_end(&mut buf))
                .map_err(|e| format!("tls_server_config.{field} {}: {e}", f.display()))?;
            Ok(buf)
        }
    }
}

fn versions(min: TlsVersion, max: TlsVersion) -> Vec<&'static rustls::SupportedProtocolVersion> {
    [
        (TlsVersion::Tls12, &rustls::version::TLS12),
        (TlsVersion::Tls13, &rustls::version::TLS13),
    ]
    .into_iter()
    .filter(|(v, _)| (min..=max).contains(v))
    .map(|(_, p)| p)
    .collect()
}

fn client_verifier(
    t: &TlsSettings,
    provider: &Arc<rustls::crypto::CryptoProvider>,
) -> Result<Option<Arc<dyn rustls::server::danger::ClientCertVerifier>>, String> {
    let Some(ca) = &t.client_ca else {
        return Ok(None);
    };
    if t.client_auth == ClientAuth::NoClientCert {
        return Ok(None);
    }
    let pem = read_pem(ca, "client_ca_file")?;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&pem) {
        let c = c.map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?;
        roots
            .add(c)
            .map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?;
    }
    let b = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    );
    let b = match t.client_auth {
        ClientAuth::VerifyClientCertIfGiven => b.allow_unauthenticated(),
        _ => b,
    };
    b.build()
        .map(Some)
        .map_err(|e| format!("tls_server_config.client_ca_file: {e}"))
}

/// The acceptor for `t`, reading its files now.
pub fn acceptor(t: &TlsSettings) -> Result<tokio_rustls::TlsAcceptor, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cert_pem = read_pem(&t.cert, "cert_file")?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("tls_server_config.cert_file: {e}"))?;
    if certs.is_empty() {
        return Err("tls_server_config.cert_file: no PEM certificate in it".into());
    }
    let key_pem = read_pem(&t.key, "key_file")?;
    // The key's parse error never shows its bytes.
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|_| "tls_server_config.key_file: no PEM private key in it".to_string())?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions(t.min_version, t.max_version))
        .map_err(|e| format!("tls_server_config.min_version/max_version: {e}"))?;
    let builder = match client_verifier(t, &provider)? {
        Some(v) => builder.with_client_cert_verifier(v),
        None => builder.with_no_client_auth(),
    };
    let mut cfg = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("tls_server_config: certificate and key do not match: {e}"))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(cfg)))
}
