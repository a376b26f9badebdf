//! Basic auth against the web config's bcrypt hashes, as exporter-toolkit
//! checks it: an unknown user costs a bcrypt run too (no timing hint that
//! the name exists), bcrypt runs one at a time, and a verified (user, hash,
//! password) is remembered so a scrape every 15 s does not pay bcrypt each
//! time. The remembered entries are compared in constant time.

use base64::Engine;
use std::collections::BTreeMap;
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// A hash to check unknown users against (exporter-toolkit's).
const DUMMY_HASH: &str = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

/// How many verified credentials are remembered.
const CACHE: usize = 100;

#[derive(Default)]
pub struct Verifier {
    /// (user, hash) → passwords seen with their outcome.
    cache: Mutex<Vec<Entry>>,
    /// bcrypt one at a time.
    bcrypt: Mutex<()>,
}

struct Entry {
    user: String,
    hash: String,
    password: Vec<u8>,
    ok: bool,
}

/// `Authorization: Basic …` → (user, password).
pub fn parse_header(value: &[u8]) -> Option<(String, Vec<u8>)> {
    let v = std::str::from_utf8(value).ok()?.trim();
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let i = raw.iter().position(|b| *b == b':')?;
    let user = String::from_utf8(raw[..i].to_vec()).ok()?;
    Some((user, raw[i + 1..].to_vec()))
}

impl Verifier {
    /// Whether `user`/`password` matches `users` (blocking: may run bcrypt).
    pub fn check(&self, users: &BTreeMap<String, String>, user: &str, password: &[u8]) -> bool {
        let (hash, known) = match users.get(user) {
            Some(h) => (h.as_str(), true),
            None => (DUMMY_HASH, false),
        };
        if let Some(ok) = self.remembered(user, hash, password) {
            return ok && known;
        }
        let ok = {
            let _one = self.bcrypt.lock().unwrap_or_else(|p| p.into_inner());
            bcrypt::verify(password, hash).unwrap_or(false)
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE {
            cache.remove(0);
        }
        cache.push(Entry {
            user: user.to_string(),
            hash: hash.to_string(),
            password: password.to_vec(),
            ok,
        });
        ok && known
    }

    fn remembered(&self, user: &str, hash: &str, password: &[u8]) -> Option<bool> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .iter()
            .find(|e| {
                let same = e.user.as_bytes().ct_eq(user.as_bytes())
                    & e.hash.as_bytes().ct_eq(hash.as_bytes())
                    & e.password.as_slice().ct_eq(password);
                bool::from(same)
            })
            .map(|e| e.ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_parsing() {
        // "prom:s3:cret" — the password may hold colons.
        assert_eq!(
            parse_header(b"Basic cHJvbTpzMzpjcmV0"),
            Some(("prom".into(), b"s3:cret".to_vec()))
        );
        assert_eq!(parse_header(b"Bearer abc"), None);
        assert_eq!(parse_header(b"Basic !!!"), None);
        assert_eq!(parse_header(b"Basic bm9jb2xvbg=="), None);
    }

    #[test]
    fn bcrypt_hashes_are_checked_and_remembered() {
        let hash = bcrypt::hash("right", 4).unwrap();
        let users = BTreeMap::from([("prom".to_string(), hash)]);
        let v = Verifier::default();
        for _ in 0..2 {
            assert!(v.check(&users, "prom", b"right"));
            assert!(!v.check(&users, "prom", b"wrong"));
            assert!(!v.check(&users, "other", b"right"));
        }
        assert_eq!(v.cache.lock().unwrap().len(), 3);
    }
}
