//! Short-lived signed links to a document's file: a browser (or a client's email) can fetch
//! it without a session, for minutes, from the agency's own host only.
//!
//! The signature is HMAC-SHA256 under a subkey of the master key over the agency's id, the
//! document's id, what is served (the file or its preview), the expiry and the user who made
//! the link. The agency is not in the URL: it is the host the link is opened on, so a link
//! of agency A opened on agency B's host is checked against B's id and refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use comply360_domain::TenantId;
use comply360_identity::sealed::MasterKey;
use subtle::ConstantTimeEq as _;
use uuid::Uuid;

/// The key purpose (see `MasterKey::keyed_hash`).
const PURPOSE: &str = "document-link";

/// What a link serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkTarget {
    File,
    Preview,
}

impl LinkTarget {
    fn as_str(self) -> &'static str {
        match self {
            LinkTarget::File => "file",
            LinkTarget::Preview => "preview",
        }
    }
}

/// A link's query parameters.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LinkParams {
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// The user who made the link (the audit log names them for every use).
    pub by: Uuid,
    pub sig: String,
}

#[derive(Clone)]
pub struct LinkSigner {
    master: MasterKey,
}

impl LinkSigner {
    pub fn new(master: MasterKey) -> LinkSigner {
        LinkSigner { master }
    }

    fn mac(
        &self,
        tenant: TenantId,
        document: Uuid,
        target: LinkTarget,
        exp: i64,
        by: Uuid,
    ) -> [u8; 32] {
        let message = format!(
            "{}|{}|{}|{}|{}",
            tenant.as_uuid(),
            document,
            target.as_str(),
            exp,
            by
        );
        self.master.keyed_hash(PURPOSE, message.as_bytes())
    }

    pub fn sign(
        &self,
        tenant: TenantId,
        document: Uuid,
        target: LinkTarget,
        expires: DateTime<Utc>,
        by: Uuid,
    ) -> LinkParams {
        let exp = expires.timestamp();
        let sig = URL_SAFE_NO_PAD.encode(self.mac(tenant, document, target, exp, by));
        LinkParams { exp, by, sig }
    }

    /// Whether the link is this agency's, for this document and target, and not expired.
    pub fn verify(
        &self,
        tenant: TenantId,
        document: Uuid,
        target: LinkTarget,
        p: &LinkParams,
        now: DateTime<Utc>,
    ) -> bool {
        if p.exp < now.timestamp() {
            return false;
        }
        let Ok(sig) = URL_SAFE_NO_PAD.decode(p.sig.as_bytes()) else {
            return false;
        };
        let expected = self.mac(tenant, document, target, p.exp, p.by);
        sig.len() == expected.len() && bool::from(sig.ct_eq(&expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_link_opens_only_its_document_on_its_agency_until_it_expires() {
        let signer = LinkSigner::new(MasterKey::generate());
        let (a, b) = (TenantId::new(), TenantId::new());
        let doc = Uuid::now_v7();
        let now = Utc::now();
        let by = Uuid::now_v7();
        let p = signer.sign(a, doc, LinkTarget::File, now + Duration::minutes(10), by);
        assert!(signer.verify(a, doc, LinkTarget::File, &p, now));
        assert!(
            !signer.verify(b, doc, LinkTarget::File, &p, now),
            "another agency"
        );
        assert!(!signer.verify(a, Uuid::now_v7(), LinkTarget::File, &p, now));
        assert!(!signer.verify(a, doc, LinkTarget::Preview, &p, now));
        assert!(!signer.verify(a, doc, LinkTarget::File, &p, now + Duration::minutes(11)));
        let mut later = p.clone();
        later.exp += 3600;
        assert!(
            !signer.verify(a, doc, LinkTarget::File, &later, now),
            "a stretched expiry"
        );
        let mut other_user = p.clone();
        other_user.by = Uuid::now_v7();
        assert!(!signer.verify(a, doc, LinkTarget::File, &other_user, now));
        let mut garbled = p;
        garbled.sig.push('A');
        assert!(!signer.verify(a, doc, LinkTarget::File, &garbled, now));
    }
}
