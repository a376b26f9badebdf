//! The HTTP side of the daemon: `/metrics` (text or OpenMetrics, from the
//! exposition rendered at the end of the last cycle, with the process
//! metrics of the moment; gzip when asked; a scrape never reads the OpenClaw
//! home), `/healthz`, `/-/healthy`, `/-/ready`, `POST /-/reload` (with
//! `--web.enable-lifecycle`) and `/`, behind the web config's basic auth.
//! The connections themselves are [`super::server`]'s.

use super::basic_auth::Verifier;
use super::gzip::{self, Prefix};
use super::websource::WebSource;
use crate::output::metrics::Rendered;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// The exposition as shared bytes: a scrape clones reference counts, not
/// the text. OpenMetrics is served as pieces, most of them slices of the
/// text's buffer (its sample lines), so the samples are held once.
/// OpenMetrics is kept without its final `# EOF` (the process metrics go
/// before it at each scrape). The gzip prefixes are made at the first gzip
/// scrape of each format.
#[derive(Clone, Default)]
pub struct Served {
    text: Bytes,
    openmetrics: Arc<[Bytes]>,
    gz_text: Arc<OnceLock<Prefix>>,
    gz_openmetrics: Arc<OnceLock<Prefix>>,
}

const EOF: &[u8] = b"# EOF\n";

impl From<Rendered> for Served {
    fn from(r: Rendered) -> Self {
        use crate::output::metrics::Piece;
        let (text, own, pieces) = r.into_parts();
        let (text, own) = (Bytes::from(text), Bytes::from(own));
        let mut openmetrics: Vec<Bytes> = pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(range) => text.slice(range),
                Piece::Own(range) => own.slice(range),
            })
            .collect();
        if let Some(last) = openmetrics.last_mut()
            && last.ends_with(EOF)
        {
            *last = last.slice(..last.len() - EOF.len());
        }
        Served {
            text,
            openmetrics: openmetrics.into(),
            ..Served::default()
        }
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
    /// A cycle has finished (`/-/ready`).
    pub ready: AtomicBool,
}

impl Shared {
    pub fn new(first: Rendered) -> Arc<Shared> {
        Arc::new(Shared {
            rendered: RwLock::new(first.into()),
            alive: AtomicBool::new(true),
            ready: AtomicBool::new(false),
        })
    }

    /// Serve `r`, a finished cycle's exposition, from now on.
    pub fn publish(&self, r: Rendered) {
        *self.rendered.write().unwrap_or_else(|p| p.into_inner()) = r.into();
        self.ready.store(true, Ordering::SeqCst);
    }

    /// The scheduler stopped: /healthz answers 503.
    pub fn stop(&self) {
        self.alive.store(false, Ordering::SeqCst);
    }
}

/// A `POST /-/reload`: the daemon loop reloads and answers on the sender.
pub type ReloadRequest = tokio::sync::oneshot::Sender<Result<(), String>>;

/// Everything a request needs.
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub web: Arc<WebSource>,
    pub auth: Verifier,
    /// `--web.enable-lifecycle`: where `POST /-/reload` goes.
    pub reload: Option<tokio::sync::mpsc::UnboundedSender<ReloadRequest>>,
}

fn plain(status: StatusCode, text: impl Into<Body>) -> Response<Body> {
    let mut r = Response::new(text.into());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn header_str(req: &Request<hyper::body::Incoming>, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `/metrics`: the last cycle's exposition, then the process metrics.
fn metrics(req: &Request<hyper::body::Incoming>, shared: &Shared) -> Response<Body> {
    let om = crate::output::metrics::wants_openmetrics(header_str(req, header::ACCEPT));
    let gz = gzip::accepts_gzip(header_str(req, header::ACCEPT_ENCODING));
    let r = shared
        .rendered
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let mut tail = crate::output::process::exposition(om).into_bytes();
    if om {
        tail.extend_from_slice(EOF);
    }
    let (base, cache, ty) = if om {
        (
            r.openmetrics.to_vec(),
            &r.gz_openmetrics,
            crate::output::metrics::OPENMETRICS_CONTENT_TYPE,
        )
    } else {
        (
            vec![r.text.clone()],
            &r.gz_text,
            crate::output::metrics::TEXT_CONTENT_TYPE,
        )
    };
    let pieces: Arc<[Bytes]> = if gz {
        cache
            .get_or_init(|| Prefix::new(&base))
            .finish(&tail)
            .into()
    } else {
        base.into_iter().chain([Bytes::from(tail)]).collect()
    };
    let mut resp = Response::new(Body::new(PiecesBody::new(pieces)));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if gz {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    resp
}

fn healthz(shared: &Shared) -> Response<Body> {
    if shared.alive.load(Ordering::SeqCst) {
        plain(StatusCode::OK, "ok\n")
    } else {
        plain(StatusCode::SERVICE_UNAVAILABLE, "scheduler stopped\n")
    }
}

fn ready(shared: &Shared) -> Response<Body> {
    if shared.ready.load(Ordering::SeqCst) {
        plain(StatusCode::OK, "clawwatch is Ready.\n")
    } else {
        plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "clawwatch is not ready: the first check cycle has not finished.\n",
        )
    }
}

fn index() -> Response<Body> {
    let mut r = plain(
        StatusCode::OK,
        concat!(
            "<!doctype html><html><head><title>clawwatch</title></head><body>",
            "<h1>clawwatch</h1><p>Health of OpenClaw's model credentials.</p>",
            "<ul><li><a href=\"metrics\">/metrics</a></li><li><a href=\"healthz\">/healthz</a></li>",
            "<li><a href=\"-/healthy\">/-/healthy</a></li><li><a href=\"-/ready\">/-/ready</a></li></ul>",
            "</body></html>\n"
        ),
    );
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// `POST /-/reload`: as SIGHUP; 200 once reloaded, 500 with the reason.
async fn reload(ctx: &Ctx, method: &Method) -> Response<Body> {
    let Some(tx) = &ctx.reload else {
        return plain(StatusCode::NOT_FOUND, "404 page not found\n");
    };
    if method != Method::POST && method != Method::PUT {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "This endpoint requires a POST request.\n",
        );
    }
    let (answer, result) = tokio::sync::oneshot::channel();
    if tx.send(answer).is_err() {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    match result.await {
        Ok(Ok(())) => plain(StatusCode::OK, "configuration reloaded\n"),
        Ok(Err(e)) => plain(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
        Err(_) => plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n"),
    }
}

async fn route(req: &Request<hyper::body::Incoming>, ctx: &Ctx) -> Response<Body> {
    let path = req.uri().path();
    if path == "/-/reload" {
        return reload(ctx, req.method()).await;
    }
    let known = matches!(
        path,
        "/metrics" | "/healthz" | "/-/healthy" | "/-/ready" | "/"
    );
    if !known {
        return plain(StatusCode::NOT_FOUND, "404 page not found\n");
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
    }
    match path {
        "/metrics" => metrics(req, &ctx.shared),
        "/healthz" => healthz(&ctx.shared),
        "/-/healthy" => plain(StatusCode::OK, "clawwatch is Healthy.\n"),
        "/-/ready" => ready(&ctx.shared),
        _ => index(),
    }
}

/// Whether the request passes the web config's basic auth (bcrypt runs on
/// the blocking pool).
async fn authorized(
    req: &Request<hyper::body::Incoming>,
    ctx: &Arc<Ctx>,
    loaded: &Arc<super::websource::Loaded>,
) -> bool {
    if loaded.config.users.is_empty() {
        return true;
    }
    let Some((user, password)) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| super::basic_auth::parse_header(v.as_bytes()))
    else {
        return false;
    };
    let (ctx, loaded) = (ctx.clone(), loaded.clone());
    tokio::task::spawn_blocking(move || ctx.auth.check(&loaded.config.users, &user, &password))
        .await
        .unwrap_or(false)
}

/// One request: the web config of the moment (re-read when it changed),
/// its basic auth and headers, then the route.
pub async fn handle(req: Request<hyper::body::Incoming>, ctx: Arc<Ctx>) -> Response<Body> {
    let loaded = match ctx.web.current() {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("{e}; refusing requests until it is fixed");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n");
        }
    };
    let mut resp = if authorized(&req, &ctx, &loaded).await {
        route(&req, &ctx).await
    } else {
        let mut r = plain(StatusCode::UNAUTHORIZED, "Unauthorized\n");
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        r
    };
    for (k, v) in &loaded.config.headers {
        if let (Ok(k), Ok(v)) = (
            header::HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
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
            (
                served.openmetrics,
                want.strip_suffix("# EOF\n").unwrap().as_bytes(),
            ),
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
