//! Where a credential may travel: https anywhere, plain http only to this
//! machine (issue 17, finding 11).

/// Plain `http://` to a host that is not loopback (`localhost`,
/// `127.0.0.0/8`, `::1`): a credential sent there crosses the network in
/// clear. Anything else (https, loopback, unparsable) is false; the URL's
/// own validation reports the unparsable.
pub fn plain_http_off_host(url: &str) -> bool {
    let Ok(uri) = url.trim().parse::<ureq::http::Uri>() else {
        return false;
    };
    if !uri
        .scheme_str()
        .is_some_and(|s| s.eq_ignore_ascii_case("http"))
    {
        return false;
    }
    let host = uri.host().unwrap_or("");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !loopback
}

/// The error for [`plain_http_off_host`], naming the setting.
pub fn require_https(setting: &str, url: &str, what: &str) -> Result<(), String> {
    if plain_http_off_host(url) {
        return Err(format!(
            "{setting} {:?} must be https:// ({what}; plain http:// only to a loopback address)",
            url.trim()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_11_only_loopback_may_be_plain_http() {
        for off in [
            "http://example.org/x",
            "HTTP://10.0.0.1:80",
            "http://[2001:db8::1]/",
        ] {
            assert!(plain_http_off_host(off), "{off}");
        }
        for ok in [
            "https://example.org",
            "http://127.0.0.1:9/x",
            "http://127.8.0.1",
            "http://localhost:8080",
            "http://[::1]:9093",
            "not a url",
        ] {
            assert!(!plain_http_off_host(ok), "{ok}");
        }
    }
}
