//! The master keys that wrap the agencies' data keys: the current one, which wraps every new
//! or rewrapped data key, and the previous ones, kept only until a rotation has rewrapped
//! every data key still under them ([`super::data_keys::rewrap_all`]).

use comply360_identity::sealed::MasterKey;

/// Purpose string of the keyed hash a master key's id is taken from.
const KID_PURPOSE: &str = "master-key-id";
/// Bytes of the keyed hash kept in the id (16 hex characters): enough to tell a handful of
/// master keys apart, and the hash reveals nothing of the key.
const KID_BYTES: usize = 8;

/// The public id of a master key, stored beside every data key it wraps: hex of the first
/// bytes of the key's `keyed_hash("master-key-id", "")`. Stable for the key, safe to log.
pub fn master_kid(key: &MasterKey) -> String {
    hex::encode(&key.keyed_hash(KID_PURPOSE, b"")[..KID_BYTES])
}

/// The master keys this process holds. `Debug` shows only the ids.
#[derive(Clone)]
pub struct KeyRing {
    /// Wraps every data key created or rewrapped from now on.
    pub current: MasterKey,
    /// Keys of earlier generations, still able to unwrap data keys no rotation has reached.
    pub previous: Vec<MasterKey>,
}

impl KeyRing {
    /// A ring of one key (no rotation under way).
    pub fn new(current: MasterKey) -> KeyRing {
        KeyRing {
            current,
            previous: Vec::new(),
        }
    }

    /// The same ring, also able to unwrap what `previous` wrapped.
    pub fn with_previous(mut self, previous: MasterKey) -> KeyRing {
        self.previous.push(previous);
        self
    }

    /// The id of the current key.
    pub fn current_kid(&self) -> String {
        master_kid(&self.current)
    }

    /// The key whose id is `kid`, current or previous.
    pub fn by_kid(&self, kid: &str) -> Option<&MasterKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| master_kid(key) == kid)
    }
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current_kid())
            .field(
                "previous",
                &self.previous.iter().map(master_kid).collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kid_is_stable_per_key_and_differs_between_keys() {
        let one = MasterKey::generate();
        let two = MasterKey::generate();
        assert_eq!(master_kid(&one), master_kid(&one.clone()));
        assert_ne!(master_kid(&one), master_kid(&two));
        assert_eq!(master_kid(&one).len(), 2 * KID_BYTES);
        assert!(!master_kid(&one).contains(&one.to_base64()));
    }

    #[test]
    fn the_ring_finds_current_and_previous_keys_by_kid() {
        let old = MasterKey::generate();
        let new = MasterKey::generate();
        let ring = KeyRing::new(new.clone()).with_previous(old.clone());
        assert_eq!(ring.current_kid(), master_kid(&new));
        for key in [&old, &new] {
            let found = ring.by_kid(&master_kid(key)).expect("a key of the ring");
            assert_eq!(found.to_base64(), key.to_base64());
        }
        assert!(ring.by_kid(&master_kid(&MasterKey::generate())).is_none());
        assert!(KeyRing::new(new).by_kid(&master_kid(&old)).is_none());
    }

    #[test]
    fn debug_shows_ids_not_keys() {
        let key = MasterKey::generate();
        let debug = format!("{:?}", KeyRing::new(key.clone()));
        assert!(debug.contains(&master_kid(&key)), "{debug}");
        assert!(!debug.contains(&key.to_base64()), "{debug}");
    }
}
