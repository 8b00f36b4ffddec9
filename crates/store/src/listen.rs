//! LISTEN with reconnection: the one loop behind the catalog cache, the job workers' wake-ups
//! and the ended-session list.
//!
//! A [`Listener`] connects directly with the options it is given (LISTEN needs a session of its
//! own, so never through PgBouncer in transaction mode), listens on its channels, and hands out
//! what it hears one at a time. When the connection cannot be made or is lost it tries again
//! with backoff, and says [`Heard::Connected`] each time it is listening again: notifications
//! sent while it was not are gone, so the caller catches up (reloads, sweeps, forgets its
//! cache). It stops when its token is cancelled, closing its connection first.

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// What a [`Listener`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    /// Listening (again) on every channel: whatever was sent before may have been missed.
    Connected,
    /// The connection was lost; a reconnect follows (with [`Heard::Connected`] once done).
    Lost,
    /// A notification on one of the channels.
    Notification { channel: String, payload: String },
}

struct Session {
    pool: PgPool,
    listener: PgListener,
}

/// A reconnecting LISTEN on a set of channels; see the module comment.
pub struct Listener {
    options: PgConnectOptions,
    channels: Vec<String>,
    stop: CancellationToken,
    /// Names the listener in logs ("catalog listener").
    what: &'static str,
    backoff: Duration,
    /// Wait this long before the next connect (set after a failure or a [`Listener::reset`]).
    wait: Option<Duration>,
    session: Option<Session>,
}

impl Listener {
    /// Nothing connects until the first [`Listener::next`].
    pub fn new(
        what: &'static str,
        options: PgConnectOptions,
        channels: &[&str],
        stop: CancellationToken,
    ) -> Listener {
        Listener {
            options,
            channels: channels.iter().map(|c| (*c).to_owned()).collect(),
            stop,
            what,
            backoff: FIRST_BACKOFF,
            wait: None,
            session: None,
        }
    }

    /// The next thing heard, or `None` once the token is cancelled (the connection is closed
    /// by then). Connection trouble is logged and retried here, never returned.
    ///
    /// Cancel-safe: dropping the future (in a `select!`) loses nothing that was received; a
    /// connect in progress starts again on the next call.
    pub async fn next(&mut self) -> Option<Heard> {
        loop {
            if self.stop.is_cancelled() {
                self.close_session().await;
                return None;
            }
            if let Some(session) = &mut self.session {
                let received = tokio::select! {
                    _ = self.stop.cancelled() => continue,
                    received = session.listener.try_recv() => received,
                };
                match received {
                    Ok(Some(n)) => {
                        return Some(Heard::Notification {
                            channel: n.channel().to_owned(),
                            payload: n.payload().to_owned(),
                        });
                    }
                    // None: the connection was lost. We reconnect ourselves (rather than let
                    // the listener do it on the next call) so that `Connected` is reported
                    // once LISTEN is in place again.
                    Ok(None) => tracing::warn!("{} lost its connection; reconnecting", self.what),
                    Err(err) => {
                        tracing::warn!(error = %err, "{} lost its connection; reconnecting", self.what);
                    }
                }
                self.close_session().await;
                return Some(Heard::Lost);
            }
            if let Some(wait) = self.wait {
                tokio::select! {
                    _ = self.stop.cancelled() => continue,
                    _ = tokio::time::sleep(wait) => {}
                }
                self.wait = None;
            }
            let connected = tokio::select! {
                _ = self.stop.cancelled() => continue,
                connected = self.connect() => connected,
            };
            match connected {
                Ok(session) => {
                    self.session = Some(session);
                    self.backoff = FIRST_BACKOFF;
                    return Some(Heard::Connected);
                }
                Err(err) => {
                    tracing::warn!(error = %err, retry_in = ?self.backoff, "{} cannot listen; retrying", self.what);
                    self.wait = Some(self.backoff);
                    self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Drops the connection: the next [`Listener::next`] reconnects after the backoff and
    /// reports [`Heard::Connected`] again. For a caller whose catch-up failed and must be
    /// tried again.
    pub async fn reset(&mut self) {
        self.close_session().await;
        self.wait = Some(self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Closes the connection (also done by [`Listener::next`] once the token is cancelled).
    pub async fn close(mut self) {
        self.close_session().await;
    }

    async fn connect(&self) -> Result<Session, sqlx::Error> {
        let pool = crate::connect::pool_options()
            .max_connections(1)
            .connect_lazy_with(self.options.clone());
        let listen = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            let channels: Vec<&str> = self.channels.iter().map(String::as_str).collect();
            listener.listen_all(channels).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        match listen.await {
            Ok(listener) => Ok(Session { pool, listener }),
            Err(err) => {
                pool.close().await;
                Err(err)
            }
        }
    }

    async fn close_session(&mut self) {
        if let Some(session) = self.session.take() {
            drop(session.listener);
            session.pool.close().await;
        }
    }
}
