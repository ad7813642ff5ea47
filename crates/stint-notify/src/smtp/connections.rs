//! The SMTP connections a [`Mailer`](super::Mailer) keeps open: at most [`SMTP_CONNECTIONS`] at
//! once, reused while they answer, each with Nagle's algorithm off.
//!
//! lettre's own pool leaves Nagle on, and lettre writes a mail's body and its closing `.` in two
//! writes: Nagle then holds the `.` until the server acknowledges the body, which a Linux server
//! delays by 40 ms — 40 ms a mail, whatever the server's speed (lettre's pull request #1159 fixes it,
//! unreleased as of 0.11.23). So the connections are opened here, with `TCP_NODELAY`, and lettre
//! speaks SMTP over them. Go back to lettre's pool once a release sets it: `smtps://` needs
//! lettre's `AsyncNetworkStream`, which lettre deprecates as "not meant to be public", for its TLS.
#![allow(deprecated)]

use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::io::{AsyncRead as FuturesRead, AsyncWrite as FuturesWrite};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncNetworkStream, AsyncSmtpConnection, AsyncTokioStream, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::{SmtpSecurity, SmtpSettings};
use crate::error::chain;
use crate::DeliveryError;

/// The most connections kept open to the SMTP server, and so the most mails sent at once: a burst
/// is spread over them, well below what servers allow one client (Postfix: 50).
pub const SMTP_CONNECTIONS: usize = 16;

/// How long an unused connection is kept: servers close idle ones after a few minutes (RFC 5321
/// asks them to wait 5), so this stays below.
const IDLE_FOR: Duration = Duration::from_secs(60);

/// Open connections to one SMTP server.
pub(super) struct Connections {
    settings: SmtpSettings,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    permits: Semaphore,
    connect_timeout: Duration,
}

impl Connections {
    pub(super) fn new(settings: SmtpSettings, connect_timeout: Duration) -> Connections {
        Connections {
            settings,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(SMTP_CONNECTIONS),
            connect_timeout,
        }
    }

    /// Sends one message over an idle connection that still answers, or a new one. A connection
    /// that failed is closed, never reused.
    pub(super) async fn send(
        &self,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), DeliveryError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| DeliveryError::transient("the mailer is shutting down"))?;
        let mut connection = match self.reusable().await {
            Some(connection) => connection,
            None => self.open().await?,
        };
        match connection.send(envelope, message).await {
            Ok(_) if !connection.has_broken() => {
                self.lock().push((connection, Instant::now()));
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(error) => {
                connection.abort().await;
                Err(super::mailer::refusal(&error))
            }
        }
    }

    /// The most recently used idle connection that still answers a `NOOP`; stale ones are closed.
    async fn reusable(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut connection, since) = self.lock().pop()?;
            if since.elapsed() < IDLE_FOR && connection.test_connected().await {
                return Some(connection);
            }
            connection.abort().await;
        }
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, DeliveryError> {
        let settings = &self.settings;
        let host = settings.host();
        let address = (host, settings.port());
        let tcp =
            match tokio::time::timeout(self.connect_timeout, TcpStream::connect(address)).await {
                Ok(Ok(tcp)) => tcp,
                Ok(Err(error)) => {
                    return Err(DeliveryError::transient(format!(
                        "the SMTP server cannot be reached: {error}"
                    )))
                }
                Err(_) => {
                    return Err(DeliveryError::transient(
                        "the SMTP server did not accept a connection in time",
                    ))
                }
            };
        tcp.set_nodelay(true).map_err(|error| {
            DeliveryError::transient(format!("a socket option failed: {error}"))
        })?;
        let tls = || {
            TlsParameters::new(host.to_owned()).map_err(|error| {
                DeliveryError::permanent(format!(
                    "TLS for the SMTP server cannot be set up: {}",
                    chain(&error)
                ))
            })
        };
        let stream: Box<dyn AsyncTokioStream> = match settings.security() {
            SmtpSecurity::Tls => {
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                stream
                    .upgrade_tls(tls()?)
                    .await
                    .map_err(|error| super::mailer::refusal(&error))?;
                Box::new(Encrypted(stream))
            }
            SmtpSecurity::None | SmtpSecurity::StartTls => Box::new(tcp),
        };
        let refused = |error: lettre::transport::smtp::Error| super::mailer::refusal(&error);
        let mut connection = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(refused)?;
        if settings.security() == SmtpSecurity::StartTls {
            connection
                .starttls(tls()?, &self.hello)
                .await
                .map_err(refused)?;
        }
        if let Some(credentials) = settings.credentials() {
            let credentials =
                Credentials::new(credentials.user.clone(), credentials.password.clone());
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .await
                .map_err(refused)?;
        }
        Ok(connection)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(AsyncSmtpConnection, Instant)>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection encrypted from its first byte (`smtps://`), read and written through lettre's TLS
/// stream, whose traits are the `futures` ones.
#[derive(Debug)]
struct Encrypted(AsyncNetworkStream);

impl AsyncTokioStream for Encrypted {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.peer_addr()
    }
}

impl AsyncRead for Encrypted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        match Pin::new(&mut self.0).poll_read(cx, unfilled) {
            Poll::Ready(Ok(read)) => {
                buf.advance(read);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for Encrypted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}
