//! The mailbox directory: each email written as an RFC 5322 `.eml` file, named by its
//! message id (UUIDv7, so names sort by time). The embedded default, shown by the dev
//! mailbox page. Written to a temporary name and renamed, so a reader never sees half a
//! message, and a retried message replaces its own file rather than adding a second one.

use super::{EmailSender, OutgoingEmail, SendError, Sent, mime};
use async_trait::async_trait;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct MailboxWriter {
    dir: PathBuf,
}

impl MailboxWriter {
    pub fn new(dir: PathBuf) -> MailboxWriter {
        MailboxWriter { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Writes `bytes` as `dir/name` atomically: temporary file in the same directory, flushed,
/// then renamed over the final name.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[async_trait]
impl EmailSender for MailboxWriter {
    fn system(&self) -> &'static str {
        "mailbox"
    }

    async fn send(&self, email: &OutgoingEmail) -> Result<Sent, SendError> {
        let bytes = mime::build(email)?.formatted();
        let name = format!("{}.eml", email.message_id);
        let dir = self.dir.clone();
        let file = name.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &file, &bytes))
            .await
            .map_err(|e| SendError::retryable(format!("mailbox writer stopped: {e}")))?
            .map_err(|e| {
                SendError::retryable(format!("cannot write to {}: {e}", self.dir.display()))
            })?;
        Ok(Sent {
            provider_message_id: Some(name),
        })
    }
}
