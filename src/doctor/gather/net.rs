//! The network checks of clawwatch's deployment: can `run` listen on its
//! metrics address (a bind test; when taken, is it a clawwatch), and with
//! `--probe`, do the SMTP servers answer EHLO.

use clawwatch_core::doctor::{PortCheck, PortState};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Whether what serves /metrics at `addr` is a clawwatch (its metrics
/// names in the answer).
fn is_ours(addr: SocketAddr) -> bool {
    let mut target = addr;
    if target.ip().is_unspecified() {
        target.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let Ok(mut s) = TcpStream::connect_timeout(&target, Duration::from_millis(300)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(1)));
    if s.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = Vec::new();
    let _ = s.take(1024 * 1024).read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.contains("clawwatch_build_info") || text.contains("openclaw_auth_check_status")
}

/// Can `clawwatch run` listen on this address? A bind test (no file is
/// touched); when taken, ask whether a clawwatch already serves there.
pub fn check_port(addr: SocketAddr) -> Option<PortCheck> {
    if addr.port() == 0 {
        return None;
    }
    let state = match TcpListener::bind(addr) {
        Ok(l) => {
            drop(l);
            PortState::Free
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            if is_ours(addr) {
                PortState::Ours
            } else {
                PortState::InUse("the address is already in use by another program".into())
            }
        }
        Err(e) => PortState::InUse(e.to_string()),
    };
    Some(PortCheck {
        addr: addr.to_string(),
        state,
    })
}

/// One SMTP reply (multi-line replies read to their end): its first line.
fn smtp_reply(r: &mut BufReader<TcpStream>) -> Result<String, String> {
    let mut first = String::new();
    for _ in 0..100 {
        let mut line = String::new();
        let n = r
            .read_line(&mut line)
            .map_err(|e| format!("no answer: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        if first.is_empty() {
            first = line.trim().to_string();
        }
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return Ok(first);
        }
    }
    Err("endless multi-line reply".into())
}

/// `--probe`: does the SMTP server answer EHLO? (Plain SMTP up to EHLO;
/// with implicit TLS only the TCP connection is tested.)
pub fn smtp_ehlo(
    host: &str,
    port: u16,
    implicit_tls: bool,
    timeout: Duration,
) -> Result<String, String> {
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {host}"))?;
    let s =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("cannot connect: {e}"))?;
    if implicit_tls {
        return Ok("TCP connection accepted; implicit TLS not tested".into());
    }
    let _ = s.set_read_timeout(Some(timeout));
    let _ = s.set_write_timeout(Some(timeout));
    let mut w = s.try_clone().map_err(|e| e.to_string())?;
    let mut r = BufReader::new(s);
    let greeting = smtp_reply(&mut r)?;
    if !greeting.starts_with("220") {
        return Err(format!("greeting {greeting:?}"));
    }
    w.write_all(b"EHLO clawwatch-doctor\r\n")
        .map_err(|e| e.to_string())?;
    let ehlo = smtp_reply(&mut r)?;
    let _ = w.write_all(b"QUIT\r\n");
    if ehlo.starts_with("250") {
        Ok(ehlo)
    } else {
        Err(format!("EHLO answered {ehlo:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_check_sees_a_taken_port() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        // Nobody answers HTTP on it: not ours.
        std::thread::spawn(move || {
            if let Ok((s, _)) = l.accept() {
                drop(s);
            }
        });
        assert!(matches!(
            check_port(addr).unwrap().state,
            PortState::InUse(_)
        ));
        assert_eq!(check_port("127.0.0.1:0".parse().unwrap()), None);
    }
}
