//! A TCP relay on 127.0.0.1 between a browser and the server that a test can take
//! offline, to lose a connection the way a dropped Wi-Fi link does: bytes stop flowing
//! both ways with no FIN, no RST and no close frame, and new connections open at the
//! TCP level but never answer. Only the client's own liveness checks can notice.
//!
//! DevTools' offline emulation would be simpler, but Chromium applies it to new
//! WebSocket connections only: an open one keeps receiving frames.

use anyhow::Context;
use std::net::SocketAddr;
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// Connections relayed at once; a bound on what one test can open through it.
const CONNECTIONS_MAX: usize = 64;

pub struct Relay {
    pub address: SocketAddr,
    online: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl Relay {
    /// Starts relaying connections on a fresh port to `target`, online.
    pub async fn start(target: SocketAddr) -> anyhow::Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("binding the relay")?;
        let address = listener.local_addr()?;
        let (online, _) = watch::channel(true);
        let watcher = online.clone();
        let accept = tokio::spawn(async move {
            // Dropping the set (when the relay is dropped) ends every connection.
            let mut connections = JoinSet::new();
            while let Ok((inbound, _)) = listener.accept().await {
                while connections.try_join_next().is_some() {}
                if connections.len() >= CONNECTIONS_MAX {
                    continue;
                }
                connections.spawn(relay(inbound, target, watcher.subscribe()));
            }
        });
        Ok(Relay { address, online, accept })
    }

    /// Takes the link down (`false`) or brings it back (`true`). Connections that
    /// were open when it went down stay silent for good, as after a real outage; new
    /// ones relay normally once it is back.
    pub fn set_online(&self, online: bool) {
        self.online.send_replace(online);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Relays one connection until the link goes down, then holds both sockets open
/// without moving a byte.
async fn relay(mut inbound: TcpStream, target: SocketAddr, mut online: watch::Receiver<bool>) {
    if !*online.borrow_and_update() {
        return hold().await;
    }
    let Ok(mut upstream) = TcpStream::connect(target).await else {
        return;
    };
    let went_offline = tokio::select! {
        _ = copy_bidirectional(&mut inbound, &mut upstream) => false,
        changed = online.wait_for(|online| !online) => changed.is_ok(),
    };
    if went_offline {
        hold().await;
    }
}

/// Never returns; the caller's sockets stay open (and silent) until its task is dropped.
async fn hold() {
    std::future::pending::<()>().await;
}
