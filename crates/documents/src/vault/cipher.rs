//! The stored form of a document: AES-256-GCM in the STREAM construction (Hoang, Reyhanitabar,
//! Rogaway and Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
//! Misuse-Resistance"), as aead's `EncryptorBE32`/`DecryptorBE32` implement it.
//!
//! ```text
//! header   "C360ENC1" ‖ data-key version (u32 BE) ‖ salt (16) ‖ STREAM nonce prefix (7)
//! chunks   AES-GCM(64 KiB of plaintext) ‖ tag (16), …
//! last     AES-GCM(0 to 64 KiB − 1 bytes) ‖ tag (16), with STREAM's last-chunk flag
//! ```
//!
//! * The key of each object is derived with HKDF-SHA256 from the agency's data key and the
//!   header's random salt, so however many objects an agency stores, no (key, nonce) pair is
//!   ever used twice, and the STREAM counter in each nonce fixes every chunk's position.
//! * Every chunk's associated data is the header, the agency's id and the object key: an
//!   object copied to another agency's or another document's key, or given another header,
//!   does not open.
//! * The last chunk always holds less than a full chunk (an empty one when the plaintext is a
//!   multiple of 64 KiB), so a full-length chunk is never the last: the [`Opener`] decrypts
//!   each chunk as soon as it has arrived, and a stream cut at a chunk boundary lacks the
//!   flagged last chunk and fails.
//!
//! Streaming has one consequence callers must respect: the plaintext of the chunks before a
//! tampered one is handed out before the tampering is found. An error anywhere means the
//! whole object is refused; nothing read from it may be kept.

use super::data_keys::DataKey;
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::KeyInit;
use aes_gcm::aead::stream::{DecryptorBE32, EncryptorBE32};
use comply360_domain::TenantId;
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The first bytes of every object: the format and its version.
const MAGIC: &[u8; 8] = b"C360ENC1";
const VERSION_LEN: usize = 4;
const SALT_LEN: usize = 16;
/// AES-GCM's 12-byte nonce less STREAM's 4-byte counter and 1-byte last-chunk flag.
const NONCE_PREFIX_LEN: usize = 7;
/// Bytes of the header at the start of every object.
pub const HEADER_LEN: usize = MAGIC.len() + VERSION_LEN + SALT_LEN + NONCE_PREFIX_LEN;
/// Bytes of plaintext in every chunk but the last.
pub const CHUNK_LEN: usize = 64 * 1024;
/// Bytes of the GCM tag closing every chunk.
const TAG_LEN: usize = 16;
/// Bytes a full chunk takes in the object.
pub const SEALED_CHUNK_LEN: usize = CHUNK_LEN + TAG_LEN;
/// HKDF's `info`: what the derived key is for, and the format version.
const OBJECT_KEY_INFO: &[u8] = b"comply360/document-object/C360ENC1";

/// Why a chunk could not be sealed or opened. Deliberately vague about opening: wrong key,
/// wrong agency or place, tampering, truncation and extension all look alike to GCM, and
/// telling them apart would only help an attacker.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CipherError {
    #[error("the object could not be opened (wrong key or place, or altered)")]
    CannotOpen,
    /// Over 2^32 − 1 chunks (256 TiB): STREAM's counter would wrap.
    #[error("the object is larger than the format allows")]
    TooLarge,
}

/// Where an object belongs: its agency and its object key. Both are in every chunk's
/// associated data.
#[derive(Clone, Copy, Debug)]
pub struct Binding<'a> {
    pub tenant: TenantId,
    pub object_key: &'a str,
}

/// The header of an object: which data key it needs and the per-object randomness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The version of the agency's data key the object key was derived from.
    pub data_key_version: u32,
    salt: [u8; SALT_LEN],
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
}

impl Header {
    fn random(data_key_version: u32) -> Header {
        let mut salt = [0u8; SALT_LEN];
        let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
        rand::rng().fill_bytes(&mut salt);
        rand::rng().fill_bytes(&mut nonce_prefix);
        Header {
            data_key_version,
            salt,
            nonce_prefix,
        }
    }

    fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let (magic, rest) = out.split_at_mut(MAGIC.len());
        let (version, rest) = rest.split_at_mut(VERSION_LEN);
        let (salt, nonce_prefix) = rest.split_at_mut(SALT_LEN);
        magic.copy_from_slice(MAGIC);
        version.copy_from_slice(&self.data_key_version.to_be_bytes());
        salt.copy_from_slice(&self.salt);
        nonce_prefix.copy_from_slice(&self.nonce_prefix);
        out
    }

    /// Reads the header from the first [`HEADER_LEN`] bytes of an object. Only the magic is
    /// checked here; the rest is authenticated by every chunk.
    pub fn parse(bytes: &[u8]) -> Result<Header, CipherError> {
        let bytes: &[u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or(CipherError::CannotOpen)?;
        let (magic, rest) = bytes.split_at(MAGIC.len());
        let (version, rest) = rest.split_at(VERSION_LEN);
        let (salt, nonce_prefix) = rest.split_at(SALT_LEN);
        if magic != MAGIC {
            return Err(CipherError::CannotOpen);
        }
        let array_error = |_| CipherError::CannotOpen;
        Ok(Header {
            data_key_version: u32::from_be_bytes(version.try_into().map_err(array_error)?),
            salt: salt.try_into().map_err(array_error)?,
            nonce_prefix: nonce_prefix.try_into().map_err(array_error)?,
        })
    }

    /// The AES-256-GCM key of this object: HKDF-SHA256(salt, data key).
    fn object_cipher(&self, data_key: &DataKey) -> Aes256Gcm {
        let mut okm = Zeroizing::new([0u8; 32]);
        #[expect(
            clippy::expect_used,
            reason = "HKDF-SHA256 only refuses outputs over 8160 bytes; this one is 32"
        )]
        Hkdf::<Sha256>::new(Some(&self.salt), data_key.expose())
            .expand(OBJECT_KEY_INFO, okm.as_mut_slice())
            .expect("a 32-byte HKDF-SHA256 output");
        Aes256Gcm::new(&(*okm).into())
    }

    /// Every chunk's associated data: header ‖ agency id ‖ object key. The first two have
    /// fixed lengths, so the object key (the rest) cannot be shifted into them.
    fn associated_data(&self, binding: &Binding<'_>) -> Vec<u8> {
        let mut aad = Vec::with_capacity(HEADER_LEN + 16 + binding.object_key.len());
        aad.extend_from_slice(&self.to_bytes());
        aad.extend_from_slice(binding.tenant.as_uuid().as_bytes());
        aad.extend_from_slice(binding.object_key.as_bytes());
        aad
    }
}

/// The stored size of `plaintext_len` bytes: the header, the plaintext, and a tag per chunk
/// (the last one possibly empty).
pub fn sealed_len(plaintext_len: u64) -> u64 {
    let chunks = plaintext_len / CHUNK_LEN as u64 + 1;
    HEADER_LEN as u64 + plaintext_len + chunks * TAG_LEN as u64
}

/// Encrypts an object as its plaintext arrives. Holds at most one chunk of plaintext (zeroed
/// when dropped).
pub struct Sealer {
    encryptor: EncryptorBE32<Aes256Gcm>,
    /// The header, until it has been handed out with the first output.
    header: Option<[u8; HEADER_LEN]>,
    associated_data: Vec<u8>,
    /// Plaintext of the chunk being filled; always shorter than [`CHUNK_LEN`] between calls.
    pending: Zeroizing<Vec<u8>>,
}

impl Sealer {
    /// A new object for `binding`, under the agency's data key of `data_key_version`.
    pub fn new(data_key: &DataKey, data_key_version: u32, binding: &Binding<'_>) -> Sealer {
        let header = Header::random(data_key_version);
        Sealer {
            encryptor: EncryptorBE32::from_aead(
                header.object_cipher(data_key),
                &header.nonce_prefix.into(),
            ),
            header: Some(header.to_bytes()),
            associated_data: header.associated_data(binding),
            pending: Zeroizing::new(Vec::with_capacity(SEALED_CHUNK_LEN)),
        }
    }

    /// Takes more plaintext; appends to `out` the object bytes it completes (the header
    /// first, then each full chunk).
    pub fn push(&mut self, mut plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), CipherError> {
        if let Some(header) = self.header.take() {
            out.extend_from_slice(&header);
        }
        while !plaintext.is_empty() {
            let take = plaintext.len().min(CHUNK_LEN - self.pending.len());
            let (now, later) = plaintext.split_at(take);
            self.pending.extend_from_slice(now);
            plaintext = later;
            if self.pending.len() == CHUNK_LEN {
                self.encryptor
                    .encrypt_next_in_place(&self.associated_data, &mut *self.pending)
                    .map_err(|_| CipherError::TooLarge)?;
                out.extend_from_slice(&self.pending);
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// Seals what is left as the last chunk and appends it (and the header, for an empty
    /// object) to `out`.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), CipherError> {
        if let Some(header) = self.header.take() {
            out.extend_from_slice(&header);
        }
        self.encryptor
            .encrypt_last_in_place(&self.associated_data, &mut *self.pending)
            .map_err(|_| CipherError::TooLarge)?;
        out.extend_from_slice(&self.pending);
        Ok(())
    }
}

/// Decrypts an object (after its header) as its bytes arrive, handing out each chunk's
/// plaintext only once its tag has been checked. Holds at most one chunk.
pub struct Opener {
    decryptor: DecryptorBE32<Aes256Gcm>,
    associated_data: Vec<u8>,
    /// Bytes of the chunk being received; always shorter than a full chunk between calls.
    pending: Zeroizing<Vec<u8>>,
}

impl Opener {
    /// Opens the object whose header is `header`, with the agency's data key of the version
    /// the header names, expecting it to belong to `binding`.
    pub fn new(data_key: &DataKey, header: &Header, binding: &Binding<'_>) -> Opener {
        Opener {
            decryptor: DecryptorBE32::from_aead(
                header.object_cipher(data_key),
                &header.nonce_prefix.into(),
            ),
            associated_data: header.associated_data(binding),
            pending: Zeroizing::new(Vec::with_capacity(SEALED_CHUNK_LEN)),
        }
    }

    /// Takes more of the object (the bytes after the header); appends to `out` the plaintext
    /// of every full chunk completed and verified.
    pub fn push(&mut self, mut sealed: &[u8], out: &mut Vec<u8>) -> Result<(), CipherError> {
        while !sealed.is_empty() {
            let take = sealed.len().min(SEALED_CHUNK_LEN - self.pending.len());
            let (now, later) = sealed.split_at(take);
            self.pending.extend_from_slice(now);
            sealed = later;
            if self.pending.len() == SEALED_CHUNK_LEN {
                self.decryptor
                    .decrypt_next_in_place(&self.associated_data, &mut *self.pending)
                    .map_err(|_| CipherError::CannotOpen)?;
                out.extend_from_slice(&self.pending);
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// At the end of the object: opens what is left as the last chunk and appends its
    /// plaintext to `out`. Fails when the object was cut short or extended.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), CipherError> {
        if self.pending.len() < TAG_LEN {
            return Err(CipherError::CannotOpen);
        }
        self.decryptor
            .decrypt_last_in_place(&self.associated_data, &mut *self.pending)
            .map_err(|_| CipherError::CannotOpen)?;
        out.extend_from_slice(&self.pending);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OBJECT_KEY: &str = "tenants/t/documents/d";

    fn binding(tenant: TenantId) -> Binding<'static> {
        Binding {
            tenant,
            object_key: OBJECT_KEY,
        }
    }

    fn plaintext(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    /// Seals `plain` pushed in slices of `slice` bytes.
    fn seal(key: &DataKey, tenant: TenantId, plain: &[u8], slice: usize) -> Vec<u8> {
        let mut sealer = Sealer::new(key, 7, &binding(tenant));
        let mut out = Vec::new();
        for part in plain.chunks(slice.max(1)) {
            sealer.push(part, &mut out).unwrap();
        }
        sealer.finish(&mut out).unwrap();
        out
    }

    /// Opens `sealed` fed in slices of `slice` bytes.
    fn open(
        key: &DataKey,
        binding: &Binding<'_>,
        sealed: &[u8],
        slice: usize,
    ) -> Result<Vec<u8>, CipherError> {
        let header = Header::parse(sealed)?;
        let mut opener = Opener::new(key, &header, binding);
        let mut out = Vec::new();
        for part in sealed[HEADER_LEN..].chunks(slice.max(1)) {
            opener.push(part, &mut out)?;
        }
        opener.finish(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trips_at_every_chunk_boundary_in_any_slicing() {
        let key = DataKey::generate();
        let tenant = TenantId::new();
        for len in [
            0,
            1,
            CHUNK_LEN - 1,
            CHUNK_LEN,
            CHUNK_LEN + 1,
            2 * CHUNK_LEN,
            3 * CHUNK_LEN + 17,
        ] {
            let plain = plaintext(len);
            for (seal_slice, open_slice) in [(1000, 777), (CHUNK_LEN, SEALED_CHUNK_LEN), (65537, 3)]
            {
                let sealed = seal(&key, tenant, &plain, seal_slice);
                assert_eq!(sealed.len() as u64, sealed_len(len as u64), "len {len}");
                let opened = open(&key, &binding(tenant), &sealed, open_slice).unwrap();
                assert!(
                    opened == plain,
                    "len {len}, slices {seal_slice}/{open_slice}"
                );
            }
        }
    }

    #[test]
    fn the_header_names_the_data_key_version_and_salts_differ() {
        let key = DataKey::generate();
        let tenant = TenantId::new();
        let one = seal(&key, tenant, b"same", 4);
        let two = seal(&key, tenant, b"same", 4);
        assert_eq!(&one[..MAGIC.len()], MAGIC);
        assert_eq!(Header::parse(&one).unwrap().data_key_version, 7);
        assert_ne!(one, two, "a fresh salt and nonce prefix per object");
    }

    #[test]
    fn every_altered_byte_fails() {
        let key = DataKey::generate();
        let tenant = TenantId::new();
        let sealed = seal(&key, tenant, &plaintext(2 * CHUNK_LEN + 100), 4096);
        // Every byte of the header and of the last chunk, and a stride through the others.
        let positions = (0..sealed.len())
            .filter(|&i| i < HEADER_LEN + 64 || i > sealed.len() - 200 || i % 997 == 0);
        for i in positions {
            let mut altered = sealed.clone();
            altered[i] ^= 0x20;
            assert_eq!(
                open(&key, &binding(tenant), &altered, 5000),
                Err(CipherError::CannotOpen),
                "byte {i}"
            );
        }
    }

    #[test]
    fn truncated_extended_and_reordered_objects_fail() {
        let key = DataKey::generate();
        let tenant = TenantId::new();
        let sealed = seal(&key, tenant, &plaintext(3 * CHUNK_LEN + 10), 9000);
        let chunk =
            |n: usize| HEADER_LEN + n * SEALED_CHUNK_LEN..HEADER_LEN + (n + 1) * SEALED_CHUNK_LEN;
        let refused = |bytes: &[u8], what: &str| {
            assert_eq!(
                open(&key, &binding(tenant), bytes, 4096),
                Err(CipherError::CannotOpen),
                "{what}"
            );
        };

        // Cut at every chunk boundary (the last chunk missing), and inside chunks.
        for n in 0..=3 {
            refused(
                &sealed[..HEADER_LEN + n * SEALED_CHUNK_LEN],
                "cut at a boundary",
            );
        }
        for cut in [
            1,
            HEADER_LEN - 1,
            HEADER_LEN + 10,
            sealed.len() - 1,
            sealed.len() - TAG_LEN,
        ] {
            refused(&sealed[..cut], "cut inside");
        }

        // Extended: a byte, a copy of a chunk, a second last chunk.
        let mut longer = sealed.clone();
        longer.push(0);
        refused(&longer, "one byte more");
        let mut longer = sealed.clone();
        longer.extend_from_slice(&sealed[chunk(0)]);
        refused(&longer, "a chunk appended");
        let mut longer = sealed.clone();
        longer.extend_from_slice(&sealed[HEADER_LEN + 3 * SEALED_CHUNK_LEN..]);
        refused(&longer, "the last chunk twice");

        // Reordered: two full chunks swapped; a chunk left out.
        let mut swapped = sealed[..HEADER_LEN].to_vec();
        for n in [1, 0, 2] {
            swapped.extend_from_slice(&sealed[chunk(n)]);
        }
        swapped.extend_from_slice(&sealed[HEADER_LEN + 3 * SEALED_CHUNK_LEN..]);
        refused(&swapped, "chunks 0 and 1 swapped");
        let mut missing = sealed[..HEADER_LEN].to_vec();
        missing.extend_from_slice(&sealed[chunk(1).start..]);
        refused(&missing, "chunk 0 left out");
    }

    #[test]
    fn another_key_agency_or_place_fails() {
        let key = DataKey::generate();
        let tenant = TenantId::new();
        let sealed = seal(&key, tenant, &plaintext(1000), 100);
        assert!(open(&DataKey::generate(), &binding(tenant), &sealed, 100).is_err());
        assert!(open(&key, &binding(TenantId::new()), &sealed, 100).is_err());
        let elsewhere = Binding {
            tenant,
            object_key: "tenants/t/documents/e",
        };
        assert!(open(&key, &elsewhere, &sealed, 100).is_err());
        // The header of another object (its salt and nonce prefix) does not fit these chunks.
        let other = seal(&key, tenant, &plaintext(1000), 100);
        let mut spliced = other[..HEADER_LEN].to_vec();
        spliced.extend_from_slice(&sealed[HEADER_LEN..]);
        assert!(open(&key, &binding(tenant), &spliced, 100).is_err());
    }

    #[test]
    fn the_plaintext_is_not_in_the_object() {
        let key = DataKey::generate();
        let marker = b"ID-NUMBER-8001015009087";
        let plain: Vec<u8> = marker.iter().copied().cycle().take(200_000).collect();
        let sealed = seal(&key, TenantId::new(), &plain, 5000);
        assert!(!sealed.windows(8).any(|w| marker.windows(8).any(|m| m == w)));
    }
}
