//! Reading a stored document back: the object streamed from the store and decrypted chunk by
//! chunk, each chunk handed out only once its tag checked.

use super::cipher::{Binding, HEADER_LEN, Header, Opener, SEALED_CHUNK_LEN};
use super::data_keys::DataKeys;
use super::error::VaultError;
use super::object_key::ObjectKey;
use bytes::Bytes;
use comply360_domain::TenantId;
use futures::stream::{BoxStream, Stream, StreamExt};
use object_store::{ObjectStore, ObjectStoreExt};
use std::sync::Arc;

/// What is needed to start reading.
pub(super) struct Request {
    pub store: Arc<dyn ObjectStore>,
    pub keys: DataKeys,
    pub tenant: TenantId,
    pub key: ObjectKey,
}

enum State {
    Start(Request),
    Reading {
        body: BoxStream<'static, object_store::Result<Bytes>>,
        /// Boxed: it holds the AES key schedule, a kilobyte the other states need not carry.
        opener: Box<Opener>,
        /// Received and not yet given to the opener.
        pending: Bytes,
    },
    Done,
}

/// The plaintext of the object, in pieces of up to one chunk. Ends after the last chunk
/// verified; an error ends it too, and then nothing read from it may be used.
pub(super) fn plaintext(request: Request) -> impl Stream<Item = Result<Bytes, VaultError>> + Send {
    futures::stream::unfold(State::Start(request), |state| async move {
        match step(state).await {
            Ok(Some((bytes, next))) => Some((Ok(bytes), next)),
            Ok(None) => None,
            Err(err) => Some((Err(err), State::Done)),
        }
    })
}

/// Reads until it has plaintext to hand out, or the end. Gives the opener at most one
/// chunk's worth of bytes at a time, so each piece handed out is one chunk, however large the
/// pieces the store sends.
async fn step(state: State) -> Result<Option<(Bytes, State)>, VaultError> {
    let (mut body, mut opener, mut pending) = match state {
        State::Done => return Ok(None),
        State::Start(request) => {
            let (body, opener, pending) = begin(request).await?;
            (body, Box::new(opener), pending)
        }
        State::Reading {
            body,
            opener,
            pending,
        } => (body, opener, pending),
    };
    let mut out = Vec::new();
    loop {
        while !pending.is_empty() {
            let next = pending.split_to(pending.len().min(SEALED_CHUNK_LEN));
            opener.push(&next, &mut out)?;
            if !out.is_empty() {
                let next = State::Reading {
                    body,
                    opener,
                    pending,
                };
                return Ok(Some((out.into(), next)));
            }
        }
        match body.next().await.transpose()? {
            Some(bytes) => pending = bytes,
            None => {
                opener.finish(&mut out)?;
                return Ok((!out.is_empty()).then(|| (out.into(), State::Done)));
            }
        }
    }
}

/// Fetches the object, reads its header and the data key it names; the body after the
/// header, the opener, and the first bytes of the body already received.
async fn begin(
    request: Request,
) -> Result<
    (
        BoxStream<'static, object_store::Result<Bytes>>,
        Opener,
        Bytes,
    ),
    VaultError,
> {
    let Request {
        store,
        keys,
        tenant,
        key,
    } = request;
    if key.tenant() != tenant {
        return Err(VaultError::OtherAgency);
    }
    let mut body = store.get(&key.path()).await?.into_stream();
    let mut head = Vec::with_capacity(HEADER_LEN);
    let mut rest = Bytes::new();
    while head.len() < HEADER_LEN {
        let mut bytes = body
            .next()
            .await
            .transpose()?
            .ok_or(VaultError::CannotOpen)?;
        let take = bytes.len().min(HEADER_LEN - head.len());
        head.extend_from_slice(&bytes.split_to(take));
        rest = bytes;
    }
    let header = Header::parse(&head)?;
    let data_key = keys.get(tenant, header.data_key_version).await?;
    let binding = Binding {
        tenant,
        object_key: key.as_str(),
    };
    Ok((body, Opener::new(&data_key, &header, &binding), rest))
}
