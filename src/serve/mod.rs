//! Serve: the ingestion gate over HTTP/JSON (axum on tokio).
//!
//! | route | answer |
//! |---|---|
//! | `POST /check` | verdict JSON for the article in the body; never modifies the index |
//! | `POST /admit` | verdict JSON; admits the article if the policy says so |
//! | `GET /documents/{id}` | `{"id":…,"text":…}` of an admitted article, or 404 |
//! | `GET /stats` | the index's counts, as `reprint index stats --format json` gives them |
//! | `GET /health` | `{"status":"ok","documents":N}`; 503 `{"status":"fault","error":…}` while the index is faulted |
//! | `GET /metrics` | Prometheus text: requests, verdicts, latency histogram, index size |
//!
//! With a token configured, every route but `/health` and `/metrics` needs
//! `Authorization: Bearer <token>` (401 otherwise; compared in constant
//! time); with `open_reads`, only `/admit` does. Request bodies are one
//! article, `{"id":…,"text":…}` (field names as for JSONL input), sent as
//! `Content-Type: application/json` (415 otherwise), at most `max_body`
//! bytes (413 beyond); malformed JSON is a 400 with `{"error":…}`. Checks run on the runtime's worker threads: redb
//! gives them a snapshot that never waits for the writer. Admits and
//! document reads run as blocking tasks: redb serializes admits, whose
//! verdicts are computed inside their write transaction.
//! After an I/O error (a full disk) the index is closed and reopened
//! until writes go through again (`serve/slot.rs`): meanwhile requests that need
//! it get 503 and `/health` reports the fault; no restart is needed.
//! SIGTERM or Ctrl-C stops accepting connections and lets in-flight
//! requests (admits included) finish before the process exits, for at
//! most [`DRAIN_DEADLINE`].
//!
//! No client can hold the service: a connection must send a request's
//! headers within `header_timeout` of opening or of its last response
//! (hyper's header-read timer, which also closes idle keep-alive
//! connections), and a whole request must be answered within
//! `request_timeout` (408 otherwise: a body trickled in byte by byte);
//! at most `max_connections` are served at once, further ones wait in
//! the listen backlog until one closes, so `/health` keeps answering
//! while thousands of idle sockets are open.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::error::Error;
use crate::index::{Index, Policy, Verdict, VerdictKind};
use crate::read::{Document, ReadOptions};
use crate::report::{index_stats_json, verdict_json};

mod slot;
pub use slot::Reopen;
use slot::{Access, IndexSlot, SlotError};

/// How the service runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on (loopback by default in the CLI).
    pub addr: SocketAddr,
    /// Bearer token the routes that read or change the index require, if
    /// any.
    pub token: Option<String>,
    /// With a token: `/check`, `/documents` and `/stats` answer without it
    /// (only `/admit` needs it).
    pub open_reads: bool,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// What `/admit` admits.
    pub policy: Policy,
    /// Field names of the request body.
    pub fields: ReadOptions,
    /// How long a connection may take to send a request's headers, from
    /// its opening or its last response.
    pub header_timeout: Duration,
    /// How long a request may take, body included, before a 408.
    pub request_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

/// How long SIGTERM waits for in-flight requests before exiting anyway.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(10);

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 11] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
];
const ENDPOINTS: [&str; 6] = ["check", "admit", "documents", "stats", "health", "metrics"];

#[derive(Default)]
struct Metrics {
    requests: [AtomicU64; ENDPOINTS.len()],
    verdicts: [AtomicU64; 3],
    errors: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_micros: AtomicU64,
    latency_count: AtomicU64,
}

impl Metrics {
    fn observe(&self, started: Instant) {
        let secs = started.elapsed().as_secs_f64();
        for (bound, count) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_micros
            .fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }
}

struct App {
    index: IndexSlot,
    opts: ServeOptions,
    metrics: Metrics,
}

type Shared = Arc<App>;

/// Serves `index` until SIGTERM or Ctrl-C; `ready` is called with the bound
/// address once the socket listens (the CLI prints it). After an I/O error
/// the index is closed and opened again with `reopen` (`serve/slot.rs`).
/// Errors: the socket cannot be bound, or the runtime cannot start.
///
/// ```no_run
/// use std::path::PathBuf;
/// use std::time::Duration;
/// use reprint::index::{Index, Policy};
/// use reprint::read::ReadOptions;
/// use reprint::serve::{serve, Reopen, ServeOptions};
///
/// let path = PathBuf::from("news.redb");
/// let index = Index::open(&path)?;
/// let reopen: Reopen = Box::new(move || Index::open(&path));
/// let opts = ServeOptions {
///     addr: "127.0.0.1:7878".parse()?,
///     token: Some("s3cret".into()),
///     open_reads: false,
///     header_timeout: Duration::from_secs(10),
///     request_timeout: Duration::from_secs(60),
///     max_connections: 1024,
///     max_body: 8 << 20,
///     policy: Policy::default(),
///     fields: ReadOptions::default(),
/// };
/// serve(index, reopen, opts, |addr| eprintln!("listening on http://{addr}"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn serve(
    index: Index,
    reopen: Reopen,
    opts: ServeOptions,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Serve(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .map_err(|e| Error::Serve(format!("cannot listen on {}: {e}", opts.addr)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Serve(e.to_string()))?;
        let (max_body, request_timeout) = (opts.max_body, opts.request_timeout);
        let (header_timeout, max_connections) = (opts.header_timeout, opts.max_connections);
        let app = Arc::new(App {
            index: IndexSlot::new(index, reopen),
            opts,
            metrics: Metrics::default(),
        });
        let router = Router::new()
            .route("/check", post(check))
            .route("/admit", post(admit))
            .route("/documents/{id}", get(document))
            .route("/stats", get(stats))
            .route("/health", get(health))
            .route("/metrics", get(metrics))
            .layer(DefaultBodyLimit::max(max_body))
            .layer(axum::middleware::from_fn(
                move |req: axum::extract::Request, next: axum::middleware::Next| async move {
                    match tokio::time::timeout(request_timeout, next.run(req)).await {
                        Ok(response) => response,
                        Err(_) => json_response(
                            StatusCode::REQUEST_TIMEOUT,
                            serde_json::json!({
                                "error": format!("the request took longer than {request_timeout:?}")
                            })
                            .to_string(),
                        ),
                    }
                },
            ))
            .with_state(app);
        ready(addr);
        accept(listener, router, header_timeout, max_connections).await;
        Ok(())
    })
}

/// Serves connections from `listener` until SIGTERM or Ctrl-C, then lets
/// open ones finish for at most [`DRAIN_DEADLINE`].
async fn accept(
    listener: tokio::net::TcpListener,
    router: Router,
    header_timeout: Duration,
    max_connections: usize,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let stop = shutdown();
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut stop => break,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it
                // was accepted: not the service's end.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN_DEADLINE, graceful.shutdown()).await;
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn error(app: &App, status: StatusCode, message: &str) -> Response {
    app.metrics.errors.fetch_add(1, Ordering::Relaxed);
    json_response(status, serde_json::json!({ "error": message }).to_string())
}

fn count(app: &App, endpoint: &str) {
    if let Some(i) = ENDPOINTS.iter().position(|e| *e == endpoint) {
        app.metrics.requests[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// The 401 to send when the request may not use a route, if so. `read`:
/// the route only reads the index (open to all with `open_reads`).
fn unauthorized(app: &App, headers: &HeaderMap, read: bool) -> Option<Response> {
    let token = app.opts.token.as_ref()?;
    if read && app.opts.open_reads {
        return None;
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    (!same_secret(given.as_bytes(), token.as_bytes())).then(|| {
        error(
            app,
            StatusCode::UNAUTHORIZED,
            "this route needs Authorization: Bearer <token> (the serve --token-file)",
        )
    })
}

/// `a == b` in a time that depends on their lengths only, not on where
/// they first differ: a client timing its guesses learns nothing of the
/// token but its length.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, &x) in a.iter().enumerate() {
        diff |= x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0);
    }
    // Keep the loop from being cut short by the optimiser.
    std::hint::black_box(diff) == 0
}

/// The 415 to send when a request body is not declared as JSON, if so.
fn not_json(app: &App, headers: &HeaderMap) -> Option<Response> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = declared.split(';').next().unwrap_or("").trim();
    (!essence.eq_ignore_ascii_case("application/json")).then(|| {
        error(
            app,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("the body must be sent as Content-Type: application/json (got {declared:?})"),
        )
    })
}

/// The article in a request body.
fn article(app: &App, body: &[u8], need_id: bool) -> Result<Document, String> {
    request_article(body, &app.opts.fields, need_id)
}

/// The article in a `/check` or `/admit` request body (`fields` names its
/// JSON fields; `need_id`: an admit must name its article), or the reason
/// it is refused (a 400's message). Never panics, whatever the bytes.
pub fn request_article(
    body: &[u8],
    fields: &ReadOptions,
    need_id: bool,
) -> Result<Document, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("malformed JSON: {e}"))?;
    let serde_json::Value::Object(mut object) = value else {
        return Err("the body must be a JSON object with the article's id and text".into());
    };
    let text = match object.remove(&fields.text_field) {
        Some(serde_json::Value::String(t)) => t,
        _ => return Err(format!("no string field \"{}\"", fields.text_field)),
    };
    if text.trim().is_empty() {
        return Err(format!(
            "the field \"{}\" is empty: no article to check or admit",
            fields.text_field
        ));
    }
    let id = match object.remove(&fields.id_field) {
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
            return Err(format!(
                "the field \"{}\" is empty: an article needs an id it can be fetched by",
                fields.id_field
            ))
        }
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ if need_id => {
            return Err(format!(
                "no field \"{}\" (the article's id)",
                fields.id_field
            ))
        }
        _ => "-".into(),
    };
    // A date that is not one leaves the article undated (judged by the
    // time of the request under `--window`), as in a JSONL feed.
    let date = match object.remove(&fields.date_field) {
        Some(serde_json::Value::String(d)) => crate::read::parse_date(&d),
        _ => None,
    };
    Ok(Document {
        id,
        text,
        line: None,
        title: None,
        date,
        source: None,
    })
}

/// The response for an operation the index slot did not answer.
fn slot_error(app: &App, e: SlotError) -> Response {
    match e {
        SlotError::Unavailable(message) => error(
            app,
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the index is unavailable: {message}"),
        ),
        SlotError::Failed(e @ Error::IdConflict { .. }) => {
            error(app, StatusCode::CONFLICT, &e.to_string())
        }
        SlotError::Failed(e) => error(app, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

fn verdict_response(app: &App, result: Result<Result<Verdict, SlotError>, String>) -> Response {
    match result {
        Ok(Ok(v)) => {
            let k = match v.kind {
                VerdictKind::New => 0,
                VerdictKind::Duplicate => 1,
                VerdictKind::Reposts => 2,
            };
            app.metrics.verdicts[k].fetch_add(1, Ordering::Relaxed);
            json_response(StatusCode::OK, verdict_json(&v))
        }
        Ok(Err(e)) => slot_error(app, e),
        Err(e) => error(app, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn check(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    count(&app, "check");
    if let Some(refused) = unauthorized(&app, &headers, true).or_else(|| not_json(&app, &headers)) {
        return refused;
    }
    let doc = match article(&app, &body, false) {
        Ok(doc) => doc,
        Err(msg) => return error(&app, StatusCode::BAD_REQUEST, &msg),
    };
    // A check runs right here, on the runtime's worker thread (one per
    // core): it is CPU work of about a millisecond that never waits for
    // the writer, so handing it to another pool only added two thread
    // wake-ups per request (measured at a million articles: 5–17% more
    // checks/s inline than on rayon's pool). The same few threads keep
    // their scratch memory (hit tallies, tokenizer buffers) warm, where
    // `block_in_place` or the blocking pool hand checks to ever-changing
    // threads that fault in fresh memory (a third more CPU per check).
    // While every worker is in a check, new requests wait for one to
    // finish: a queue, not a stall.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        app.index.with(Access::Read, |i| i.check(&doc))
    }))
    .map_err(|_| "the check panicked".to_owned());
    let response = verdict_response(&app, result);
    app.metrics.observe(started);
    response
}

async fn admit(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    count(&app, "admit");
    if let Some(refused) = unauthorized(&app, &headers, false).or_else(|| not_json(&app, &headers))
    {
        return refused;
    }
    let doc = match article(&app, &body, true) {
        Ok(doc) => doc,
        Err(msg) => return error(&app, StatusCode::BAD_REQUEST, &msg),
    };
    let worker = app.clone();
    let policy = app.opts.policy;
    let result = tokio::task::spawn_blocking(move || {
        worker.index.with(Access::Write, |i| i.admit(&doc, policy))
    })
    .await
    .map_err(|e| e.to_string());
    let response = verdict_response(&app, result);
    app.metrics.observe(started);
    response
}

async fn document(
    State(app): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    count(&app, "documents");
    if let Some(refused) = unauthorized(&app, &headers, true) {
        return refused;
    }
    let worker = app.clone();
    let lookup = id.clone();
    match tokio::task::spawn_blocking(move || worker.index.with(Access::Read, |i| i.get(&lookup)))
        .await
    {
        Ok(Ok(Some(text))) => json_response(
            StatusCode::OK,
            serde_json::json!({ "id": id, "text": text }).to_string(),
        ),
        Ok(Ok(None)) => error(
            &app,
            StatusCode::NOT_FOUND,
            &format!("{id}: not in the index"),
        ),
        Ok(Err(e)) => slot_error(&app, e),
        Err(e) => error(&app, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// The index's counts, read from a snapshot while the service runs (the
/// file is locked by the service, so `reprint index stats` cannot open it).
async fn stats(State(app): State<Shared>, headers: HeaderMap) -> Response {
    count(&app, "stats");
    if let Some(refused) = unauthorized(&app, &headers, true) {
        return refused;
    }
    let worker = app.clone();
    match tokio::task::spawn_blocking(move || worker.index.with(Access::Read, |i| i.stats())).await
    {
        Ok(Ok(s)) => json_response(StatusCode::OK, index_stats_json(&s)),
        Ok(Err(e)) => slot_error(&app, e),
        Err(e) => error(&app, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn health(State(app): State<Shared>) -> Response {
    count(&app, "health");
    if let Some(fault) = app.index.fault() {
        app.metrics.errors.fetch_add(1, Ordering::Relaxed);
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "fault", "error": fault }).to_string(),
        );
    }
    match app.index.with(Access::Read, |i| i.len()) {
        Ok(n) => json_response(
            StatusCode::OK,
            serde_json::json!({ "status": "ok", "documents": n }).to_string(),
        ),
        Err(SlotError::Unavailable(message)) => {
            app.metrics.errors.fetch_add(1, Ordering::Relaxed);
            json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "status": "fault", "error": message }).to_string(),
            )
        }
        Err(SlotError::Failed(e)) => error(&app, StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

async fn metrics(State(app): State<Shared>) -> Response {
    count(&app, "metrics");
    let m = &app.metrics;
    let mut out = String::new();
    out.push_str("# HELP reprint_requests_total Requests by endpoint.\n# TYPE reprint_requests_total counter\n");
    for (name, c) in ENDPOINTS.iter().zip(&m.requests) {
        out.push_str(&format!(
            "reprint_requests_total{{endpoint=\"{name}\"}} {}\n",
            c.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP reprint_verdicts_total Verdicts given by /check and /admit.\n# TYPE reprint_verdicts_total counter\n");
    for (name, c) in ["new", "duplicate", "reposts"].iter().zip(&m.verdicts) {
        out.push_str(&format!(
            "reprint_verdicts_total{{verdict=\"{name}\"}} {}\n",
            c.load(Ordering::Relaxed)
        ));
    }
    out.push_str(&format!(
        "# HELP reprint_errors_total Requests answered with an error.\n# TYPE reprint_errors_total counter\nreprint_errors_total {}\n",
        m.errors.load(Ordering::Relaxed)
    ));
    out.push_str("# HELP reprint_request_duration_seconds Latency of /check and /admit.\n# TYPE reprint_request_duration_seconds histogram\n");
    for (bound, c) in BUCKETS.iter().zip(&m.buckets) {
        out.push_str(&format!(
            "reprint_request_duration_seconds_bucket{{le=\"{bound}\"}} {}\n",
            c.load(Ordering::Relaxed)
        ));
    }
    let n = m.latency_count.load(Ordering::Relaxed);
    out.push_str(&format!(
        "reprint_request_duration_seconds_bucket{{le=\"+Inf\"}} {n}\nreprint_request_duration_seconds_sum {}\nreprint_request_duration_seconds_count {n}\n",
        m.latency_micros.load(Ordering::Relaxed) as f64 / 1e6
    ));
    out.push_str(&format!(
        "# HELP reprint_index_documents Admitted documents.\n# TYPE reprint_index_documents gauge\nreprint_index_documents {}\n",
        app.index.with(Access::Read, |i| i.len()).unwrap_or(0)
    ));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        for other in [&b"s3cre"[..], b"s3cret!", b"S3cret", b"", b"s3cres"] {
            assert!(!same_secret(other, b"s3cret"), "{other:?}");
        }
        assert!(same_secret(b"", b""));
    }
}
