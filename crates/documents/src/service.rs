//! [`Documents`]: the process's handle on storage, scanning and extraction, built once at
//! start-up and shared by the API, the portal and the jobs.

use crate::extract::Extractor;
use crate::links::LinkSigner;
use crate::scan::clamd::Clamd;
use crate::vault::Vault;
use std::sync::Arc;
use std::time::Duration;

/// The documents settings (README: "Documents").
#[derive(Clone, Debug)]
pub struct DocumentSettings {
    /// The largest file accepted, in bytes (default 20 MB).
    pub max_upload_bytes: u64,
    /// How long a signed link works (default 10 minutes).
    pub link_ttl: Duration,
}

impl Default for DocumentSettings {
    fn default() -> Self {
        DocumentSettings {
            max_upload_bytes: 20 * 1024 * 1024,
            link_ttl: Duration::from_secs(600),
        }
    }
}

#[derive(Clone)]
pub struct Documents {
    inner: Arc<Inner>,
}

struct Inner {
    vault: Vault,
    extractor: Extractor,
    clamd: Option<Clamd>,
    links: LinkSigner,
    settings: DocumentSettings,
}

impl Documents {
    pub fn new(
        vault: Vault,
        extractor: Extractor,
        clamd: Option<Clamd>,
        links: LinkSigner,
        settings: DocumentSettings,
    ) -> Documents {
        Documents {
            inner: Arc::new(Inner {
                vault,
                extractor,
                clamd,
                links,
                settings,
            }),
        }
    }

    pub fn vault(&self) -> &Vault {
        &self.inner.vault
    }

    pub fn extractor(&self) -> &Extractor {
        &self.inner.extractor
    }

    /// The ClamAV daemon, when one is configured (otherwise only the built-in refusals run).
    pub fn clamd(&self) -> Option<&Clamd> {
        self.inner.clamd.as_ref()
    }

    pub fn links(&self) -> &LinkSigner {
        &self.inner.links
    }

    pub fn settings(&self) -> &DocumentSettings {
        &self.inner.settings
    }
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents")
            .field("settings", &self.inner.settings)
            .field("clamd", &self.inner.clamd.is_some())
            .finish_non_exhaustive()
    }
}
