//! The listeners and their connections: HTTP/1.1 (TLS when the web config
//! says so, its files read again when they change), a deadline for the
//! first request head (the TLS handshake included), an idle timeout between
//! requests, and at most [`conns::MAX_CONNECTIONS`] open at once (see
//! [`super::conns`]).

use super::conns::{self, Conns, Registered};
use super::http::{Ctx, handle};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// From accept to a whole first request head, TLS handshake included.
pub const FIRST_REQUEST: Duration = Duration::from_secs(10);

/// A kept-alive connection with no request (or a later request head still
/// incomplete) for this long is closed.
pub const IDLE: Duration = Duration::from_secs(60);

/// Bind `addr`; the error says which setting to change.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {addr}: {e} (set --web.listen-address or [metrics] listen, or \"\" to disable)"
        )
    })
}

/// Serve `listeners` until `stop` turns true.
pub fn spawn(
    listeners: Vec<tokio::net::TcpListener>,
    ctx: Arc<Ctx>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let conns = Conns::new(conns::MAX_CONNECTIONS);
    listeners
        .into_iter()
        .map(|l| tokio::spawn(accept_loop(l, ctx.clone(), conns.clone(), stop.clone())))
        .collect()
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    ctx: Arc<Ctx>,
    conns: Arc<Conns>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.wait_for(|s| *s) => return,
        };
        match accepted {
            Ok((sock, _peer)) => match conns.register() {
                // Over the cap with every connection busy: closed now.
                None => drop(sock),
                Some(reg) => {
                    let _ = sock.set_nodelay(true);
                    tokio::spawn(connection(sock, reg, ctx.clone()));
                }
            },
            Err(e) => {
                // Out of descriptors or the like: back off instead of
                // spinning (the connection stays in the backlog).
                tracing::warn!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One connection: TLS if configured now, then HTTP/1.1.
async fn connection(sock: tokio::net::TcpStream, reg: Registered, ctx: Arc<Ctx>) {
    let deadline = tokio::time::Instant::now() + FIRST_REQUEST;
    let loaded = match ctx.web.current() {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("{e}; refusing connections until it is fixed");
            return;
        }
    };
    match &loaded.tls {
        None => http(TokioIo::new(sock), reg, ctx, deadline).await,
        Some(acceptor) => {
            let tls = tokio::select! {
                t = tokio::time::timeout_at(deadline, acceptor.accept(sock)) => t,
                _ = reg.slot.kill.notified() => return,
            };
            match tls {
                Ok(Ok(stream)) => http(TokioIo::new(stream), reg, ctx, deadline).await,
                Ok(Err(e)) => tracing::debug!("TLS handshake failed: {e}"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        }
    }
}

async fn http<I>(io: TokioIo<I>, reg: Registered, ctx: Arc<Ctx>, deadline: tokio::time::Instant)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let slot = reg.slot.clone();
    let svc = hyper::service::service_fn(move |req| {
        let (ctx, busy) = (ctx.clone(), slot.begin());
        async move {
            let resp = handle(req, ctx).await;
            // Busy until the body is sent (or dropped).
            Ok::<_, std::convert::Infallible>(resp.map(|b| axum::body::Body::new(Tracked(b, busy))))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(IDLE)
        .keep_alive(true)
        .serve_connection(io, svc);
    tokio::pin!(conn);
    let first = tokio::time::sleep_until(deadline);
    tokio::pin!(first);
    let mut first_done = false;
    loop {
        tokio::select! {
            _ = &mut conn => return,
            _ = reg.slot.kill.notified() => return,
            _ = &mut first, if !first_done => {
                first_done = true;
                if reg.slot.requests() == 0 {
                    return; // no whole request head in time
                }
            }
        }
    }
}

/// A body that keeps its connection marked busy until it is done.
struct Tracked(axum::body::Body, #[allow(dead_code)] super::conns::Busy);

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.0).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.0.size_hint()
    }
}
