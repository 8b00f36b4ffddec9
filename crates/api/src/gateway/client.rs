//! Where a request comes from: the peer address (or, behind a trusted proxy, the first
//! address of `X-Forwarded-For`) and the user agent, for rate limits and the audit log.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use comply360_identity::ClientInfo;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

pub struct Client(pub ClientInfo);

pub fn client_info(parts: &Parts, trust_proxy: bool) -> ClientInfo {
    let forwarded = trust_proxy
        .then(|| {
            parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        })
        .flatten();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    ClientInfo {
        ip: forwarded.or(peer),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

impl FromRequestParts<AppState> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(client_info(parts, state.settings.trust_proxy)))
    }
}
