//! A loopback TCP proxy in front of one server. `partition()` cuts every connection and
//! refuses new ones (the client is cut off; the server sees no more heartbeats), `heal()`
//! lets connections through again.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A running proxy; stops on drop.
pub(crate) struct Proxy {
    address: SocketAddr,
    cut: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub(crate) async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let cut = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let acceptor = tokio::spawn(accept(listener, upstream, cut.clone(), links.clone()));
        Proxy {
            address,
            cut,
            links,
            acceptor,
        }
    }

    /// `127.0.0.1:<port>` of the proxy.
    pub(crate) fn address(&self) -> String {
        self.address.to_string()
    }

    /// Cuts every connection and refuses new ones.
    pub(crate) fn partition(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    /// Lets new connections through again.
    pub(crate) fn heal(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.partition();
        self.acceptor.abort();
    }
}

async fn accept(
    listener: TcpListener,
    upstream: SocketAddr,
    cut: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    while let Ok((client, _)) = listener.accept().await {
        if cut.load(Ordering::SeqCst) {
            drop(client);
            continue;
        }
        let link = tokio::spawn(forward(client, upstream));
        links.lock().expect("links").push(link);
    }
}

async fn forward(mut client: TcpStream, upstream: SocketAddr) {
    if let Ok(mut server) = TcpStream::connect(upstream).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}
