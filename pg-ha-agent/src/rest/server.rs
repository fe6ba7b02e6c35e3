//! `RestServer`: accepts connections (plain or TLS), reads each request in full, routes it
//! and writes the reply. hyper 1.x, HTTP/1.

use super::allowlist::resolve_entries;
use super::auth::Access;
use super::request::parse_query;
use super::tls::acceptor;
use super::{router, Control, Ctx, Reply, Req, RestError, RestSettings, ViewSource};
use crate::config::ServerTokens;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use pg_ha_core::member_report::PATRONI_COMPAT_VERSION;
use pg_ha_core::time::Clock;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, PoisonError, RwLock};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// What every connection shares.
struct Shared {
    /// The settings now and what is built from them; a reload replaces them (connections
    /// take the current ones when they are accepted).
    live: RwLock<Arc<Live>>,
    view: ViewSource,
    control: Arc<dyn Control>,
    clock: Arc<dyn Clock>,
}

impl Shared {
    fn live(&self) -> Arc<Live> {
        Arc::clone(&self.live.read().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The settings and what is built from them: the access rules (allowlist resolved), the
/// TLS acceptor (certificate files read), the `Server` header.
struct Live {
    settings: Arc<RestSettings>,
    access: Arc<Access>,
    tls: Option<TlsAcceptor>,
    server_header: String,
}

impl Live {
    async fn build(settings: RestSettings) -> Result<Live, RestError> {
        let tls = settings.tls.as_ref().map(acceptor).transpose()?;
        let allowlist = resolve_entries(&settings.allowlist).await;
        Ok(Live {
            access: Arc::new(Access::new(&settings, allowlist)),
            server_header: server_header(settings.server_tokens),
            settings: Arc::new(settings),
            tls,
        })
    }
}

/// Applies a reloaded `restapi` section to a running server (SIGHUP, `POST /reload`):
/// authentication, the allowlist, TLS certificates (read again), headers and limits take
/// effect for the next connection. The listen address and `max_connections` stay as they
/// were until a restart.
#[derive(Clone)]
pub struct RestReloader {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for RestReloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestReloader").finish_non_exhaustive()
    }
}

impl RestReloader {
    /// Replaces the settings; on an error (unreadable TLS material) the server keeps the
    /// ones it has.
    pub async fn reload(&self, settings: RestSettings) -> Result<(), RestError> {
        let before = self.shared.live();
        if settings.listen != before.settings.listen {
            tracing::warn!(
                "restapi.listen changed to {}: takes effect at the next restart",
                settings.listen
            );
        }
        let live = Live::build(settings).await?;
        *self
            .shared
            .live
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(live);
        tracing::info!("REST API settings reloaded");
        Ok(())
    }
}

/// A running REST API server. Dropping it leaves the server running; call
/// [`RestServer::stop`] to end it.
#[derive(Debug)]
pub struct RestServer {
    local_addr: SocketAddr,
    tls: bool,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    reloader: RestReloader,
}

impl RestServer {
    /// Binds `settings.listen` and serves on the current tokio runtime. Read endpoints use
    /// the current value of `view`; mutations go to `control`; times come from `clock`
    /// (the clock the view's monotonic times are on).
    pub async fn start(
        settings: RestSettings,
        view: ViewSource,
        control: Arc<dyn Control>,
        clock: Arc<dyn Clock>,
    ) -> Result<RestServer, RestError> {
        let live = Live::build(settings).await?;
        let listener = bind(&live.settings).await?;
        let local_addr = listener.local_addr().map_err(|source| RestError::Bind {
            addr: live.settings.listen.to_string(),
            source,
        })?;
        let tls = live.tls.is_some();
        let shared = Arc::new(Shared {
            live: RwLock::new(Arc::new(live)),
            view,
            control,
            clock,
        });
        let reloader = RestReloader {
            shared: Arc::clone(&shared),
        };
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, shared, stopped));
        tracing::info!("REST API listening on {local_addr}");
        Ok(RestServer {
            local_addr,
            tls,
            stop,
            task,
            reloader,
        })
    }

    /// A handle that applies reloaded settings to this server.
    pub fn reloader(&self) -> RestReloader {
        self.reloader.clone()
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http(s)://<local address>`.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.local_addr)
    }

    /// Stops accepting connections and waits for the accept loop to end (connections in
    /// progress finish on their own).
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

fn server_header(tokens: ServerTokens) -> String {
    match tokens {
        ServerTokens::Original => format!(
            "Patroni/{PATRONI_COMPAT_VERSION} pg-ha/{}",
            env!("CARGO_PKG_VERSION")
        ),
        ServerTokens::Minimal => format!("Patroni/{PATRONI_COMPAT_VERSION}"),
        ServerTokens::ProductOnly => "Patroni".to_string(),
    }
}

async fn bind(settings: &RestSettings) -> Result<TcpListener, RestError> {
    let listen = &settings.listen;
    let host = match listen.host.as_str() {
        "" | "*" => "0.0.0.0",
        host => host,
    };
    let addr = tokio::net::lookup_host((host, listen.port))
        .await
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| RestError::Resolve(listen.to_string()))?;
    TcpListener::bind(addr)
        .await
        .map_err(|source| RestError::Bind {
            addr: addr.to_string(),
            source,
        })
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let permits = Arc::new(Semaphore::new(
        shared.live().settings.max_connections.max(1),
    ));
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => permit,
            _ = &mut stop => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    serve_connection(stream, peer, shared).await;
                    drop(permit);
                });
            }
            Err(e) => {
                tracing::warn!("REST API accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

async fn serve_connection(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let live = shared.live();
    let Some(tls) = live.tls.clone() else {
        return serve_http(stream, peer.ip(), false, shared, live).await;
    };
    let timeout = live.settings.request_timeout;
    match tokio::time::timeout(timeout, tls.accept(stream)).await {
        Ok(Ok(stream)) => {
            let cert = stream
                .get_ref()
                .1
                .peer_certificates()
                .is_some_and(|certs| !certs.is_empty());
            serve_http(stream, peer.ip(), cert, shared, live).await
        }
        Ok(Err(e)) => tracing::debug!("REST API TLS handshake with {peer} failed: {e}"),
        Err(_) => tracing::debug!("REST API TLS handshake with {peer} timed out"),
    }
}

async fn serve_http<S>(stream: S, peer: IpAddr, cert: bool, shared: Arc<Shared>, live: Arc<Live>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let timeout = live.settings.request_timeout;
    let service = service_fn(move |request: Request<Incoming>| {
        let shared = Arc::clone(&shared);
        let live = Arc::clone(&live);
        async move { Ok::<_, Infallible>(handle(&shared, &live, request, peer, cert).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeout);
    if let Err(e) = builder
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!("REST API connection from {peer}: {e}");
    }
}

async fn handle(
    shared: &Shared,
    live: &Live,
    request: Request<Incoming>,
    peer: IpAddr,
    cert: bool,
) -> Response<Full<Bytes>> {
    let reply = match read_request(live, request, peer, cert).await {
        Ok(req) => {
            let ctx = Ctx {
                view: shared.view.fresh().await,
                control: Arc::clone(&shared.control),
                clock: Arc::clone(&shared.clock),
                settings: Arc::clone(&live.settings),
                access: Arc::clone(&live.access),
            };
            let reply = router::route(&ctx, &req).await;
            tracing::debug!(
                "REST {} {} from {peer}: {}",
                req.method,
                req.path,
                reply.status
            );
            reply
        }
        Err(reply) => reply,
    };
    reply.into_response(&live.server_header, &live.settings.extra_headers)
}

/// The request with its body read in full (bounded by `max_body_bytes`: 413 beyond).
async fn read_request(
    live: &Live,
    request: Request<Incoming>,
    peer: IpAddr,
    cert: bool,
) -> Result<Req, Reply> {
    let (parts, body) = request.into_parts();
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &hyper::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let content_length = parts
        .headers
        .get(CONTENT_LENGTH)
        .map(|v| v.to_str().ok().and_then(|s| s.trim().parse::<usize>().ok()));
    let authorization = header(AUTHORIZATION);
    let body = Limited::new(body, live.settings.max_body_bytes)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                Reply::error(413, Some("request body too large"))
            } else {
                Reply::error(400, Some(&format!("cannot read the request body: {e}")))
            }
        })?
        .to_bytes();
    Ok(Req {
        method: parts.method.as_str().to_ascii_uppercase(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(parse_query).unwrap_or_default(),
        content_length,
        authorization,
        body,
        peer,
        client_cert: cert,
    })
}
