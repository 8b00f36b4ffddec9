//! A ZIP archive streamed as it is written: the filing pack and the data-subject export.
//!
//! The writer runs on its own task into one end of an in-memory pipe; the answer reads the
//! other end, so an archive of any size holds a pipe's worth of bytes in memory. Entries are
//! Stored, not deflated: documents are PDFs and images, already compressed. ZIP64 records are
//! written when an archive needs them.
//!
//! A failure part-way ends the stream with an error, so an HTTP client sees a cut download
//! (the chunked body never terminates), never an archive that looks complete but is short.

use crate::error::DocumentError;
use async_zip::base::write::ZipFileWriter;
use async_zip::tokio::write::ZipFileWriter as TokioZipWriter;
use async_zip::{Compression, ZipEntryBuilder};
use bytes::Bytes;
use futures::io::AsyncWriteExt as _;
use futures::stream::{self, BoxStream, Stream, StreamExt as _};
use std::future::Future;
use tokio::io::DuplexStream;

/// How many bytes the pipe holds between the writer and the reader.
const PIPE_BYTES: usize = 64 * 1024;

/// The archive being written: entries are added one after another.
pub struct ZipOut {
    zip: TokioZipWriter<DuplexStream>,
}

impl ZipOut {
    /// Adds an entry named `name` holding the bytes of `body`, written as they arrive.
    pub async fn entry<S>(&mut self, name: &str, mut body: S) -> Result<(), DocumentError>
    where
        S: Stream<Item = Result<Bytes, DocumentError>> + Unpin,
    {
        let entry = ZipEntryBuilder::new(name.to_string().into(), Compression::Stored);
        let mut w = self.zip.write_entry_stream(entry).await.map_err(zip_err)?;
        while let Some(chunk) = body.next().await {
            w.write_all(&chunk?).await.map_err(io_err)?;
        }
        w.close().await.map_err(zip_err)
    }

    /// Adds an entry holding `bytes`.
    pub async fn bytes(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), DocumentError> {
        self.entry(name, stream::iter([Ok(Bytes::from(bytes))]))
            .await
    }
}

fn zip_err(e: async_zip::error::ZipError) -> DocumentError {
    DocumentError::Internal(format!("zip: {e}"))
}

fn io_err(e: std::io::Error) -> DocumentError {
    DocumentError::Internal(format!("zip: {e}"))
}

/// The bytes of the archive `write` fills. `write` runs on a spawned task; when it fails
/// (`what` names the archive in the log), the stream ends with an error after the bytes
/// written so far.
pub fn stream<F, Fut>(what: &'static str, write: F) -> BoxStream<'static, std::io::Result<Bytes>>
where
    F: FnOnce(ZipOut) -> Fut + Send + 'static,
    Fut: Future<Output = Result<ZipOut, DocumentError>> + Send + 'static,
{
    let (reader, writer) = tokio::io::duplex(PIPE_BYTES);
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<bool>();
    tokio::spawn(async move {
        let out = ZipOut {
            zip: ZipFileWriter::with_tokio(writer),
        };
        let result = match write(out).await {
            Ok(out) => out.zip.close().await.map(|_| ()).map_err(zip_err),
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            tracing::error!(archive = what, error = %e, "an archive failed part-way");
        }
        // The writer's end is dropped here (or was, on failure), so the reader sees its end
        // before it asks how the writing went.
        let _ = done_tx.send(result.is_ok());
    });
    let outcome = stream::once(async move {
        match done_rx.await {
            Ok(true) => None,
            _ => Some(Err(std::io::Error::other(format!(
                "the {what} failed part-way"
            )))),
        }
    })
    .filter_map(std::future::ready);
    tokio_util::io::ReaderStream::new(reader)
        .chain(outcome)
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(mut s: BoxStream<'static, std::io::Result<Bytes>>) -> (Vec<u8>, bool) {
        let mut bytes = Vec::new();
        while let Some(chunk) = s.next().await {
            match chunk {
                Ok(c) => bytes.extend_from_slice(&c),
                Err(_) => return (bytes, false),
            }
        }
        (bytes, true)
    }

    #[tokio::test]
    async fn a_whole_archive_ends_with_its_central_directory() {
        let big = vec![7u8; 3 * PIPE_BYTES];
        let s = stream("test", move |mut zip| async move {
            zip.bytes("a.txt", b"hello".to_vec()).await?;
            zip.bytes("b.bin", big).await?;
            Ok(zip)
        });
        let (bytes, ok) = collect(s).await;
        assert!(ok);
        assert!(bytes.starts_with(b"PK\x03\x04"));
        let eocd = bytes.len() - 22;
        assert_eq!(&bytes[eocd..eocd + 4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([bytes[eocd + 10], bytes[eocd + 11]]), 2);
    }

    #[tokio::test]
    async fn a_failure_part_way_ends_the_stream_with_an_error() {
        let s = stream("test", |mut zip| async move {
            zip.bytes("a.txt", b"hello".to_vec()).await?;
            let failing = stream::iter([
                Ok(Bytes::from_static(b"first")),
                Err(DocumentError::Internal("the vault went away".into())),
            ]);
            zip.entry("b.txt", failing).await?;
            Ok(zip)
        });
        let (bytes, ok) = collect(s).await;
        assert!(!ok, "the stream must end with an error");
        assert!(bytes.starts_with(b"PK\x03\x04"));
        assert!(!bytes.windows(4).any(|w| w == b"PK\x05\x06"));
    }
}
