//! ClamAV's daemon, over its socket protocol (`man clamd`): `zPING`, `zVERSION` and
//! `zINSTREAM`, each a NUL-terminated command on a fresh connection, each answer
//! NUL-terminated. `INSTREAM` sends the file as chunks, each prefixed with its length as 4
//! big-endian bytes, and a zero length to end; clamd answers `stream: OK`,
//! `stream: <signature> FOUND`, or `<reason> ERROR`.

use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::fmt;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest chunk sent; clamd accepts bigger ones but buffers each whole.
pub const MAX_CHUNK: usize = 1024 * 1024;
/// The longest answer read (a signature name is short).
const MAX_REPLY: u64 = 4096;

/// Where clamd listens (`TCPSocket`/`TCPAddr` or `LocalSocket` in clamd.conf).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClamdAddress {
    /// `host:port`.
    Tcp(String),
    Unix(PathBuf),
}

impl fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClamdAddress::Tcp(a) => write!(f, "tcp://{a}"),
            ClamdAddress::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

impl std::str::FromStr for ClamdAddress {
    type Err = std::convert::Infallible;

    /// `unix:/run/clamav/clamd.ctl` or an absolute path is a socket; `tcp://host:port` or
    /// `host:port` is TCP.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(if let Some(path) = s.strip_prefix("unix:") {
            ClamdAddress::Unix(path.into())
        } else if s.starts_with('/') {
            ClamdAddress::Unix(s.into())
        } else {
            ClamdAddress::Tcp(s.strip_prefix("tcp://").unwrap_or(s).to_owned())
        })
    }
}

/// What clamd found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanVerdict {
    Clean,
    Infected { signature: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ClamdError {
    #[error(
        "clamd at {address} cannot be reached ({source}); check that clamd is running and \
         listening there (TCPSocket/TCPAddr or LocalSocket in clamd.conf)"
    )]
    Unreachable { address: String, source: io::Error },
    #[error(
        "clamd at {address} did not answer within {after:?} while {during}; it may be loading \
         its signatures or overloaded: retry later, or raise the scan timeout"
    )]
    TimedOut {
        address: String,
        after: Duration,
        during: &'static str,
    },
    #[error("the connection to clamd at {address} broke while {during} ({source})")]
    Connection {
        address: String,
        during: &'static str,
        source: io::Error,
    },
    #[error(
        "the file is larger than clamd accepts (INSTREAM size limit exceeded); raise \
         StreamMaxLength (and MaxScanSize, MaxFileSize) in clamd.conf above the upload limit"
    )]
    SizeLimit,
    #[error("clamd could not scan the file: {message}")]
    Clamd { message: String },
    #[error(
        "clamd's answer was not understood: {reply:?}; check that the address is clamd's \
         (and not another service's)"
    )]
    Protocol { reply: String },
    #[error("reading the file to scan failed, so it was not scanned: {0}; upload it again")]
    Source(Box<dyn std::error::Error + Send + Sync>),
}

/// A clamd to ask, with the time allowed for each step (connecting, each chunk, the answer).
#[derive(Clone, Debug)]
pub struct Clamd {
    pub address: ClamdAddress,
    pub timeout: Duration,
}

trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

impl Clamd {
    pub fn new(address: ClamdAddress, timeout: Duration) -> Clamd {
        Clamd { address, timeout }
    }

    /// Whether clamd answers `PONG`.
    pub async fn ping(&self) -> Result<(), ClamdError> {
        let reply = self.command(b"zPING\0").await?;
        if reply == "PONG" {
            Ok(())
        } else {
            Err(ClamdError::Protocol { reply })
        }
    }

    /// clamd's version line, e.g. `ClamAV 1.4.6/27842/Fri Dec  4 08:00:00 2026`.
    pub async fn version(&self) -> Result<String, ClamdError> {
        self.command(b"zVERSION\0").await
    }

    /// Streams `chunks` to clamd (`INSTREAM`) and returns its verdict.
    pub async fn scan<S, E>(&self, chunks: S) -> Result<ScanVerdict, ClamdError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut conn = self.connect().await?;
        self.step("sending the command", conn.write_all(b"zINSTREAM\0"))
            .await?;
        let mut chunks = std::pin::pin!(chunks);
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| ClamdError::Source(e.into()))?;
            // An empty chunk yields no piece: a zero length would end the stream early.
            for piece in chunk.chunks(MAX_CHUNK) {
                let sent = self.send_chunk(&mut conn, piece).await;
                if let Err(e) = sent {
                    // clamd stops reading and answers when a limit is reached; its answer
                    // says why better than the broken pipe does.
                    return match self.reply(&mut conn).await {
                        Ok(reply) if !reply.is_empty() => verdict(&reply),
                        _ => Err(e),
                    };
                }
            }
        }
        self.step("ending the stream", conn.write_all(&[0, 0, 0, 0]))
            .await?;
        let reply = self.reply(&mut conn).await?;
        verdict(&reply)
    }

    async fn send_chunk(
        &self,
        conn: &mut Box<dyn Connection>,
        piece: &[u8],
    ) -> Result<(), ClamdError> {
        let len = u32::try_from(piece.len()).unwrap_or(u32::MAX).to_be_bytes();
        self.step("sending the file", conn.write_all(&len)).await?;
        self.step("sending the file", conn.write_all(piece)).await
    }

    async fn command(&self, command: &[u8]) -> Result<String, ClamdError> {
        let mut conn = self.connect().await?;
        self.step("sending the command", conn.write_all(command))
            .await?;
        self.reply(&mut conn).await
    }

    async fn connect(&self) -> Result<Box<dyn Connection>, ClamdError> {
        let connecting = async {
            Ok::<Box<dyn Connection>, io::Error>(match &self.address {
                ClamdAddress::Tcp(a) => Box::new(tokio::net::TcpStream::connect(a).await?),
                ClamdAddress::Unix(p) => Box::new(tokio::net::UnixStream::connect(p).await?),
            })
        };
        match tokio::time::timeout(self.timeout, connecting).await {
            Err(_) => Err(self.timed_out("connecting")),
            Ok(Err(source)) => Err(ClamdError::Unreachable {
                address: self.address.to_string(),
                source,
            }),
            Ok(Ok(conn)) => Ok(conn),
        }
    }

    /// The answer, up to its NUL (or the end of the connection), without it.
    async fn reply(&self, conn: &mut Box<dyn Connection>) -> Result<String, ClamdError> {
        let mut buf = Vec::new();
        let reading = async {
            let mut limited = conn.take(MAX_REPLY);
            let mut byte = [0u8; 256];
            loop {
                let n = limited.read(&mut byte).await?;
                buf.extend_from_slice(&byte[..n]);
                if n == 0 || buf.contains(&0) {
                    return Ok::<(), io::Error>(());
                }
            }
        };
        self.step("waiting for the answer", reading).await?;
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        Ok(String::from_utf8_lossy(&buf[..end]).trim().to_owned())
    }

    async fn step<T>(
        &self,
        during: &'static str,
        fut: impl Future<Output = io::Result<T>>,
    ) -> Result<T, ClamdError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Err(_) => Err(self.timed_out(during)),
            Ok(Err(source)) => Err(ClamdError::Connection {
                address: self.address.to_string(),
                during,
                source,
            }),
            Ok(Ok(v)) => Ok(v),
        }
    }

    fn timed_out(&self, during: &'static str) -> ClamdError {
        ClamdError::TimedOut {
            address: self.address.to_string(),
            after: self.timeout,
            during,
        }
    }
}

/// The verdict in an `INSTREAM` answer.
fn verdict(reply: &str) -> Result<ScanVerdict, ClamdError> {
    if reply.contains("size limit exceeded") {
        return Err(ClamdError::SizeLimit);
    }
    if let Some(reason) = reply.strip_suffix("ERROR") {
        let reason = reason.trim().trim_end_matches(['.', ':']);
        return Err(ClamdError::Clamd {
            message: reason
                .strip_prefix("stream:")
                .unwrap_or(reason)
                .trim()
                .to_owned(),
        });
    }
    let Some(rest) = reply.strip_prefix("stream:").map(str::trim) else {
        return Err(ClamdError::Protocol {
            reply: reply.to_owned(),
        });
    };
    if rest == "OK" {
        Ok(ScanVerdict::Clean)
    } else if let Some(signature) = rest.strip_suffix("FOUND") {
        Ok(ScanVerdict::Infected {
            signature: signature.trim().to_owned(),
        })
    } else {
        Err(ClamdError::Protocol {
            reply: reply.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read() {
        assert_eq!(verdict("stream: OK").unwrap(), ScanVerdict::Clean);
        assert_eq!(
            verdict("stream: Test.EICAR.UNOFFICIAL FOUND").unwrap(),
            ScanVerdict::Infected {
                signature: "Test.EICAR.UNOFFICIAL".into()
            }
        );
        assert!(matches!(
            verdict("INSTREAM size limit exceeded. ERROR"),
            Err(ClamdError::SizeLimit)
        ));
        match verdict("stream: Can't allocate memory ERROR") {
            Err(ClamdError::Clamd { message }) => assert_eq!(message, "Can't allocate memory"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(verdict("PONG"), Err(ClamdError::Protocol { .. })));
    }

    #[test]
    fn addresses_parse() {
        assert_eq!(
            "unix:/run/clamav/clamd.ctl"
                .parse::<ClamdAddress>()
                .unwrap(),
            ClamdAddress::Unix("/run/clamav/clamd.ctl".into())
        );
        assert_eq!(
            "tcp://127.0.0.1:3310".parse::<ClamdAddress>().unwrap(),
            ClamdAddress::Tcp("127.0.0.1:3310".into())
        );
    }
}
