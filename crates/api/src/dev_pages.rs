//! Pages for a developer's own machine: the mailbox of the `mailbox` email transport.
//!
//! The mailbox shows every agency's emails, password-reset and invitation links included, so
//! whoever reads it can take over any account. It is therefore served only
//! * by a server listening on a loopback address (anything else is reachable from other
//!   machines: the pages are not mounted at all), and
//! * to requests whose `Host` is a loopback name (`localhost`, `127.x.y.z`, `[::1]`) that
//!   name no agency and carry no `X-Tenant`, and that came through no proxy (no
//!   `X-Forwarded-*` or `Forwarded` header). A page opened on `<agency>.localhost`, a
//!   public name sent through a reverse proxy on the same machine, or a DNS-rebound name
//!   all get the ordinary 404.

use crate::problem::Problem;
use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

/// Whether the developer pages are served, and if not why: `serve` prints it.
pub enum DevPages {
    Served(Router),
    Withheld { reason: String },
}

/// The developer pages `pages` for a server listening on `listen`.
pub fn dev_pages(listen: SocketAddr, pages: Router) -> DevPages {
    if !listen.ip().is_loopback() {
        return DevPages::Withheld {
            reason: format!(
                "the server listens on {listen}, which is not a loopback address, and the mailbox shows every agency's emails"
            ),
        };
    }
    DevPages::Served(pages.layer(axum::middleware::from_fn(loopback_hosts_only)))
}

async fn loopback_hosts_only(req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host());
    let proxied = ["x-forwarded-for", "x-forwarded-host", "forwarded"]
        .iter()
        .any(|name| headers.contains_key(*name));
    if proxied || headers.contains_key("x-tenant") || !host.is_some_and(is_loopback_name) {
        return Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such route; the API lives under /api/v1",
        )
        .into_response();
    }
    next.run(req).await
}

/// `localhost`, a loopback IP literal, with or without a port. `acme.localhost` is an
/// agency's host, not a loopback name.
fn is_loopback_name(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(ip, _)| ip),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.');
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names() {
        for host in [
            "localhost",
            "localhost:8080",
            "LOCALHOST.",
            "127.0.0.1",
            "127.1.2.3:9",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(is_loopback_name(host), "{host}");
        }
        for host in [
            "acme.localhost",
            "acme.localhost:8080",
            "admin.localhost",
            "10.0.0.1",
            "192.168.1.2:8080",
            "comply360.example",
            "localhost.evil.example",
            "[::2]:80",
            "",
        ] {
            assert!(!is_loopback_name(host), "{host}");
        }
    }

    #[test]
    fn only_loopback_listeners_serve_them() {
        for (listen, served) in [
            ("127.0.0.1:8080", true),
            ("[::1]:8080", true),
            ("0.0.0.0:8080", false),
            ("[::]:8080", false),
            ("10.1.2.3:8080", false),
        ] {
            let listen: SocketAddr = listen.parse().unwrap_or_else(|_| unreachable!());
            let got = matches!(dev_pages(listen, Router::new()), DevPages::Served(_));
            assert_eq!(got, served, "{listen}");
        }
    }
}
