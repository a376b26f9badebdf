//! gzip for `/metrics`: the large exposition of a cycle is deflated once
//! (at its first gzip scrape) and kept; each scrape deflates only the small
//! tail written then (the process metrics, `# EOF`) and joins the two into
//! one gzip member: the kept part ends on a sync flush (byte-aligned, no
//! final block), the tail is a fresh deflate stream that ends the member,
//! and the CRC-32 is carried over. Any gzip reader (curl, Go's, Python's)
//! reads it as one stream.

use axum::body::Bytes;
use flate2::{Compress, Compression, FlushCompress};

/// A deflated prefix: raw deflate up to a sync flush, its CRC and length.
#[derive(Clone)]
pub struct Prefix {
    deflated: Bytes,
    crc: crc32fast::Hasher,
    len: u64,
}

fn deflate(input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut c = Compress::new(Compression::fast(), false);
    let mut out = Vec::with_capacity(input.len() / 4 + 64);
    let mut pos = 0;
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.len().max(4096));
        }
        let before = c.total_in();
        let status = c.compress_vec(&input[pos..], &mut out, flush);
        pos += (c.total_in() - before) as usize;
        match status {
            Ok(flate2::Status::StreamEnd) => break,
            Ok(_) if pos == input.len() && out.len() < out.capacity() => {
                if matches!(flush, FlushCompress::Sync) {
                    break;
                }
            }
            Ok(_) => {}
            // Only on misuse of the stream, which this function does not do.
            Err(_) => break,
        }
    }
    out
}

impl Prefix {
    /// Deflate `pieces` (in order) up to a sync flush.
    pub fn new(pieces: &[Bytes]) -> Prefix {
        let mut all = Vec::with_capacity(pieces.iter().map(|p| p.len()).sum());
        let mut crc = crc32fast::Hasher::new();
        for p in pieces {
            all.extend_from_slice(p);
            crc.update(p);
        }
        Prefix {
            deflated: deflate(&all, FlushCompress::Sync).into(),
            crc,
            len: all.len() as u64,
        }
    }

    /// The whole gzip member: the prefix, then `tail`.
    pub fn finish(&self, tail: &[u8]) -> Vec<Bytes> {
        const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        let mut crc = self.crc.clone();
        crc.update(tail);
        let mut end = deflate(tail, FlushCompress::Finish);
        end.extend_from_slice(&crc.finalize().to_le_bytes());
        end.extend_from_slice(&((self.len + tail.len() as u64) as u32).to_le_bytes());
        vec![
            Bytes::from_static(&HEADER),
            self.deflated.clone(),
            Bytes::from(end),
        ]
    }
}

/// Whether `Accept-Encoding` allows gzip (`gzip` or `*`, not at q=0).
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    accept_encoding.is_some_and(|v| {
        v.split(',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q_zero = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f64>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn prefix_and_tail_make_one_gzip_member() {
        let big: String = (0..20_000).map(|i| format!("m{{i=\"{i}\"}} 1\n")).collect();
        let prefix = Prefix::new(&[Bytes::from(big.clone()), Bytes::from_static(b"x 2\n")]);
        for tail in ["", "process_open_fds 7\n# EOF\n"] {
            let gz: Vec<u8> = prefix.finish(tail.as_bytes()).concat();
            let mut d = flate2::read::GzDecoder::new(&gz[..]);
            let mut out = String::new();
            d.read_to_string(&mut out).unwrap();
            assert_eq!(out, format!("{big}x 2\n{tail}"));
            assert!(gz.len() < big.len() / 4, "compressed");
        }
    }

    #[test]
    fn accept_encoding() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, gzip;q=1.0, *;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(None));
    }
}
