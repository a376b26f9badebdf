//! The web config of the moment. As exporter-toolkit does, the file is read
//! again for each new connection (the TLS settings) and each request (the
//! users): an edit takes effect without a restart. Here a cheap `stat` of
//! the file and of the files it names decides whether to parse and build
//! again; an invalid file refuses connections and requests (it never falls
//! back to no TLS or no auth).

use super::webconfig::{Pem, WebConfig, WebConfigError, parse};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A web config with what serving it needs: the TLS acceptor built from it.
pub struct Loaded {
    pub config: WebConfig,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

/// What a file looked like when it was read: any change reloads.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp(Option<(u64, u64, u64, i64, i64, i64, i64)>);

fn stamp(p: &Path) -> Stamp {
    Stamp(std::fs::metadata(p).ok().map(|m| {
        (
            m.dev(),
            m.ino(),
            m.len(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
        )
    }))
}

struct Cached {
    stamps: Vec<(PathBuf, Stamp)>,
    loaded: Arc<Loaded>,
}

/// The web config file, re-read when it (or a file it names) changed.
pub struct WebSource {
    path: Option<PathBuf>,
    cache: Mutex<Option<Cached>>,
    /// Without a file: no TLS, no auth.
    empty: Arc<Loaded>,
}

/// Web config files are small; a bigger file is a mistake.
const MAX_WEB_CONFIG: u64 = 1 << 20;

impl WebSource {
    pub fn new(path: Option<PathBuf>) -> WebSource {
        WebSource {
            path,
            cache: Mutex::new(None),
            empty: Arc::new(Loaded {
                config: WebConfig::default(),
                tls: None,
            }),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The web config now: the cached one unless a file changed.
    pub fn current(&self) -> Result<Arc<Loaded>, WebConfigError> {
        let Some(path) = &self.path else {
            return Ok(self.empty.clone());
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.as_ref()
            && c.stamps.iter().all(|(p, s)| stamp(p) == *s)
        {
            return Ok(c.loaded.clone());
        }
        let first = stamp(path);
        let config = read(path)?;
        let mut stamps = vec![(path.clone(), first)];
        if let Some(t) = &config.tls {
            for p in [Some(&t.cert), Some(&t.key), t.client_ca.as_ref()]
                .into_iter()
                .flatten()
            {
                if let Pem::File(f) = p {
                    stamps.push((f.clone(), stamp(f)));
                }
            }
        }
        let tls = match &config.tls {
            Some(t) => Some(super::tls::acceptor(t).map_err(|msg| WebConfigError {
                path: path.clone(),
                msg,
            })?),
            None => None,
        };
        let loaded = Arc::new(Loaded { config, tls });
        *cache = Some(Cached {
            stamps,
            loaded: loaded.clone(),
        });
        Ok(loaded)
    }
}

/// Read and parse the web config file (bounded in size).
fn read(path: &Path) -> Result<WebConfig, WebConfigError> {
    use std::io::Read;
    let err = |msg: String| WebConfigError {
        path: path.to_path_buf(),
        msg,
    };
    let f = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let meta = f.metadata().map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err("not a regular file".into()));
    }
    let mut text = String::new();
    f.take(MAX_WEB_CONFIG + 1)
        .read_to_string(&mut text)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if text.len() as u64 > MAX_WEB_CONFIG {
        return Err(err("larger than 1 MiB".into()));
    }
    parse(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_is_seen_at_the_next_look_and_a_broken_file_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("web.yml");
        let hash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
        std::fs::write(&p, format!("basic_auth_users:\n  a: {hash}\n")).unwrap();
        let src = WebSource::new(Some(p.clone()));
        let first = src.current().unwrap();
        assert!(first.config.users.contains_key("a"));
        assert!(
            Arc::ptr_eq(&first, &src.current().unwrap()),
            "unchanged: cached"
        );
        std::fs::write(&p, format!("basic_auth_users:\n  bb: {hash}\n")).unwrap();
        assert!(src.current().unwrap().config.users.contains_key("bb"));
        std::fs::write(&p, "basic_auth_users: [\n").unwrap();
        assert!(src.current().is_err(), "broken: refused, no fallback");
        std::fs::write(
            &p,
            "tls_server_config:\n  cert_file: none.crt\n  key_file: none.key\n",
        )
        .unwrap();
        let e = src.current().err().unwrap().to_string();
        assert!(e.contains("none.crt"), "{e}");
        assert!(
            WebSource::new(None)
                .current()
                .unwrap()
                .config
                .users
                .is_empty()
        );
    }
}
