//! The HTTP side of the daemon: `/metrics` (text or OpenMetrics, from the
//! exposition rendered at the end of the last cycle; a scrape never touches
//! the disk), `/healthz` and `/`.

use crate::output::metrics::Rendered;
use axum::body::Bytes;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// The exposition as shared bytes: a scrape clones reference counts, not
/// the text. OpenMetrics is served as pieces, most of them slices of the
/// text's buffer (its sample lines), so the samples are held once.
#[derive(Clone, Default)]
pub struct Served {
    text: Bytes,
    openmetrics: Arc<[Bytes]>,
}

impl From<Rendered> for Served {
    fn from(r: Rendered) -> Self {
        use crate::output::metrics::Piece;
        let (text, own, pieces) = r.into_parts();
        let (text, own) = (Bytes::from(text), Bytes::from(own));
        let openmetrics = pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(range) => text.slice(range),
                Piece::Own(range) => own.slice(range),
            })
            .collect();
        Served { text, openmetrics }
    }
}

/// A response body of shared pieces, one frame each, with its exact length
/// (so it goes out with a Content-Length, as a single buffer would).
struct PiecesBody {
    pieces: Arc<[Bytes]>,
    next: usize,
    remaining: u64,
}

impl PiecesBody {
    fn new(pieces: Arc<[Bytes]>) -> Self {
        let remaining = pieces.iter().map(|b| b.len() as u64).sum();
        PiecesBody {
            pieces,
            next: 0,
            remaining,
        }
    }
}

impl http_body::Body for PiecesBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let piece = self.pieces.get(self.next).cloned();
        std::task::Poll::Ready(piece.map(|b| {
            self.next += 1;
            self.remaining -= b.len() as u64;
            Ok(http_body::Frame::data(b))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.next >= self.pieces.len()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

/// What the handlers serve, shared with the daemon loop.
pub struct Shared {
    pub rendered: RwLock<Served>,
    pub alive: AtomicBool,
}

async fn metrics_handler(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let r = shared
        .rendered
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if crate::output::metrics::wants_openmetrics(accept) {
        (
            [(
                axum::http::header::CONTENT_TYPE,
                crate::output::metrics::OPENMETRICS_CONTENT_TYPE,
            )],
            axum::body::Body::new(PiecesBody::new(r.openmetrics)),
        )
            .into_response()
    } else {
        (
            [(
                axum::http::header::CONTENT_TYPE,
                crate::output::metrics::TEXT_CONTENT_TYPE,
            )],
            r.text,
        )
            .into_response()
    }
}

async fn healthz(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
) -> (axum::http::StatusCode, &'static str) {
    if shared.alive.load(Ordering::SeqCst) {
        (axum::http::StatusCode::OK, "ok\n")
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "scheduler stopped\n",
        )
    }
}

async fn index() -> axum::response::Html<&'static str> {
    axum::response::Html(concat!(
        "<!doctype html><html><head><title>clawwatch</title></head><body>",
        "<h1>clawwatch</h1><p>Health of OpenClaw's model credentials.</p>",
        "<ul><li><a href=\"metrics\">/metrics</a></li><li><a href=\"healthz\">/healthz</a></li></ul>",
        "</body></html>\n"
    ))
}

impl Shared {
    pub fn new(first: Rendered) -> Arc<Shared> {
        Arc::new(Shared {
            rendered: RwLock::new(first.into()),
            alive: AtomicBool::new(true),
        })
    }

    /// Serve `r` from now on.
    pub fn publish(&self, r: Rendered) {
        *self.rendered.write().unwrap_or_else(|p| p.into_inner()) = r.into();
    }

    /// The scheduler stopped: /healthz answers 503.
    pub fn stop(&self) {
        self.alive.store(false, Ordering::SeqCst);
    }
}

/// Bind `addr`; the error says which setting to change.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {addr}: {e} (set [metrics] listen, or \"\" to disable)")
    })
}

/// Serve until `stop` turns true.
pub fn spawn(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let app = axum::Router::new()
        .route("/metrics", axum::routing::get(metrics_handler))
        .route("/healthz", axum::routing::get(healthz))
        .route("/", axum::routing::get(index))
        .with_state(shared);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::metrics::Metrics;

    #[test]
    fn openmetrics_is_served_whole_from_its_pieces() {
        let m = Metrics::new();
        m.record_cycle(None, 1_795_639_915.0, 0.01);
        let r = m.render(None);
        let want = r.openmetrics();
        let served = Served::from(r);
        // And pieces sharing one buffer, as a large home's are.
        let text = Bytes::from_static(b"0123456789");
        let shared: Arc<[Bytes]> =
            vec![text.slice(0..4), Bytes::from_static(b"-"), text.slice(4..)].into();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for (pieces, want) in [
            (served.openmetrics, want.as_bytes()),
            (shared, b"0123-456789".as_slice()),
        ] {
            let body = PiecesBody::new(pieces);
            assert_eq!(
                http_body::Body::size_hint(&body).exact(),
                Some(want.len() as u64)
            );
            let got = rt
                .block_on(axum::body::to_bytes(
                    axum::body::Body::new(body),
                    usize::MAX,
                ))
                .unwrap();
            assert_eq!(got, want);
        }
    }
}
