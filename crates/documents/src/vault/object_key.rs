//! [`ObjectKey`]: where a document's bytes are stored, made only from ids, never from a name
//! a user typed.

use comply360_domain::TenantId;
use object_store::path::Path;
use std::fmt;
use uuid::Uuid;

/// The key of a stored object: `tenants/<tenant id>/documents/<document id>`. Namespaced by
/// agency, so an agency's objects can be listed, exported or erased together, and bound into
/// the object's encryption, so bytes copied to another key do not open.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    tenant: TenantId,
    key: String,
}

impl ObjectKey {
    /// The object of `document`, one of `tenant`'s documents.
    pub fn document(tenant: TenantId, document: Uuid) -> ObjectKey {
        ObjectKey {
            tenant,
            key: format!("tenants/{tenant}/documents/{document}"),
        }
    }

    /// The agency the object belongs to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The key as the object store names it.
    pub fn path(&self) -> Path {
        // Only hex digits, hyphens and slashes: nothing for `Path::from` to escape.
        Path::from(self.key.as_str())
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_by_agency() {
        let tenant = TenantId::new();
        let document = Uuid::now_v7();
        let key = ObjectKey::document(tenant, document);
        assert_eq!(
            key.as_str(),
            format!("tenants/{tenant}/documents/{document}")
        );
        assert_eq!(key.path().as_ref(), key.as_str());
        assert_eq!(key.tenant(), tenant);
    }
}
