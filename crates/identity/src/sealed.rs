//! Encryption at rest under one master key: secrets the service must read back (TOTP secrets,
//! integration credentials, JWT signing keys) are sealed with AES-256-GCM, and low-entropy
//! secrets it only has to recognise (recovery codes) are stored as keyed hashes.
//!
//! Each sealed value is bound to a `context` (for example `b"totp:<user id>"`) through the
//! GCM associated data, so a value copied into another row or used for another purpose fails
//! to open instead of being silently accepted. Keyed hashes use a subkey per purpose, so a
//! database dump alone is not enough to brute-force a 50-bit recovery code offline.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Bytes of AES-GCM nonce prepended to every sealed value.
const NONCE_LEN: usize = 12;
/// Bytes of AES-GCM authentication tag appended by the cipher.
const TAG_LEN: usize = 16;
/// How to make a key, repeated in every error about one.
const HOW_TO_MAKE_A_KEY: &str = "generate one with `openssl rand -base64 32`";

/// Why a key could not be loaded or a value could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The text is not base64 of exactly 32 bytes.
    #[error("the master key must be base64 of exactly 32 bytes ({detail}); {HOW_TO_MAKE_A_KEY}")]
    InvalidKey {
        /// What was wrong, without echoing the key.
        detail: String,
    },
    /// The key file could not be read or created.
    #[error("master key file {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Wrong key, wrong context, truncated or tampered data: GCM cannot tell which, and saying
    /// more would help an attacker.
    #[error("the sealed value could not be opened (wrong key or context, or corrupted data)")]
    Open,
}

/// The 32-byte master key. Zeroed when dropped, and never printed: `Debug` shows
/// `MasterKey(…)`.
#[derive(Clone)]
pub struct MasterKey {
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> MasterKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut_slice());
        MasterKey { key }
    }

    /// Parses standard or URL-safe base64, padded or not, of exactly 32 bytes. Surrounding
    /// whitespace (a trailing newline in a file or variable) is ignored.
    pub fn from_base64(s: &str) -> Result<MasterKey, SealError> {
        let normalized: Zeroizing<String> = Zeroizing::new(
            s.trim()
                .trim_end_matches('=')
                .chars()
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    other => other,
                })
                .collect(),
        );
        let bytes =
            Zeroizing::new(STANDARD_NO_PAD.decode(normalized.as_bytes()).map_err(|_| {
                SealError::InvalidKey {
                    detail: "not valid base64".to_owned(),
                }
            })?);
        if bytes.len() != 32 {
            return Err(SealError::InvalidKey {
                detail: format!("it decodes to {} bytes", bytes.len()),
            });
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&bytes);
        Ok(MasterKey { key })
    }

    /// Standard padded base64, the format `openssl rand -base64 32` prints.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.key.as_slice())
    }

    /// Reads the key from `path`, or, when the file does not exist, generates one and writes it
    /// there readable by the owner only (mode 0600).
    ///
    /// The new key is written to a temporary file and hard-linked into place, so a crash never
    /// leaves a half-written key and two processes starting together end up with the same key.
    pub fn load_or_create(path: &Path) -> Result<MasterKey, SealError> {
        let io_err = |source| SealError::Io {
            path: path.to_owned(),
            source,
        };
        match fs::read_to_string(path) {
            Ok(text) => {
                warn_if_readable_by_others(path);
                return MasterKey::from_base64(&Zeroizing::new(text));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(e)),
        }

        let key = MasterKey::generate();
        let mut suffix = [0u8; 8];
        rand::rng().fill_bytes(&mut suffix);
        let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
        tmp_name.push(format!(".tmp-{}", hex::encode(suffix)));
        let tmp = path.with_file_name(tmp_name);

        let written = write_private_file(&tmp, key.to_base64().as_bytes())
            .and_then(|()| fs::hard_link(&tmp, path));
        // The temporary name is only a staging area; remove it whatever happened.
        let _ = fs::remove_file(&tmp);
        match written {
            Ok(()) => {
                tracing::info!(path = %path.display(), "created a new master key file");
                Ok(key)
            }
            // Another process created the key first: use theirs.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let text = Zeroizing::new(fs::read_to_string(path).map_err(io_err)?);
                MasterKey::from_base64(&text)
            }
            Err(e) => Err(io_err(e)),
        }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&(*self.key).into())
    }

    /// Encrypts `plaintext` bound to `context`. Output: 12-byte random nonce ‖ ciphertext ‖
    /// 16-byte tag. Random 96-bit nonces are safe for far more values than this service will
    /// ever seal under one key (NIST's limit is 2^32).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        #[expect(
            clippy::expect_used,
            reason = "AES-GCM only refuses plaintexts over 64 GiB, which no caller can hold"
        )]
        let ciphertext = self
            .cipher()
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("AES-256-GCM encryption of an in-memory value");
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Decrypts a value made by [`seal`](Self::seal) with the same key and `context`.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Open)?;
        self.cipher()
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| SealError::Open)
    }

    /// HMAC-SHA256 of `data` under a subkey for `purpose`
    /// (`HMAC(master, "comply360/" + purpose)`), for secrets the service only needs to
    /// recognise. Purposes separate uses, so a hash stored for one can't be replayed as another.
    pub fn keyed_hash(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        let subkey = Zeroizing::new(hmac_sha256(&self.key, &[b"comply360/", purpose.as_bytes()]));
        hmac_sha256(&subkey, &[data])
    }
}

/// HMAC-SHA256 with a 32-byte key. HMAC zero-pads keys shorter than the 64-byte block, so
/// padding here gives the same MAC through the infallible fixed-size constructor (checked by
/// `keyed_hash_matches_the_documented_construction`).
fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = Zeroizing::new([0u8; 64]);
    block[..32].copy_from_slice(key);
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&(*block).into());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn write_private_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// A key file others can read is a misconfiguration worth a warning, but not worth refusing to
/// start over (containers often mount secrets 0644).
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "master key file is readable by group or others; chmod 600 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// What seals and opens an agency's stored secrets (an Odoo key, payment provider
/// credentials): the master key itself (the jobs), or identity's handle on it (the API).
pub trait Sealing: Send + Sync {
    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8>;
    fn open(&self, sealed: &[u8], context: &[u8]) -> Option<Vec<u8>>;
}

impl Sealing for MasterKey {
    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        MasterKey::seal(self, plaintext, context)
    }
    fn open(&self, sealed: &[u8], context: &[u8]) -> Option<Vec<u8>> {
        MasterKey::open(self, sealed, context).ok()
    }
}

impl Sealing for crate::Identity {
    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        crate::Identity::seal(self, plaintext, context)
    }
    fn open(&self, sealed: &[u8], context: &[u8]) -> Option<Vec<u8>> {
        crate::Identity::open(self, sealed, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"JBSWY3DPEHPK3PXP", b"totp:user-1");
        assert_eq!(sealed.len(), NONCE_LEN + 16 + TAG_LEN);
        assert_ne!(&sealed[NONCE_LEN..NONCE_LEN + 16], b"JBSWY3DPEHPK3PXP");
        assert_eq!(
            key.open(&sealed, b"totp:user-1").unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        // Empty plaintext works too.
        let empty = key.seal(b"", b"ctx");
        assert_eq!(key.open(&empty, b"ctx").unwrap(), b"");
    }

    #[test]
    fn nonces_are_random() {
        let key = MasterKey::generate();
        assert_ne!(key.seal(b"same", b"ctx"), key.seal(b"same", b"ctx"));
    }

    #[test]
    fn wrong_context_fails() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"secret", b"totp:user-1");
        assert!(matches!(
            key.open(&sealed, b"totp:user-2"),
            Err(SealError::Open)
        ));
        assert!(key.open(&sealed, b"").is_err());
    }

    #[test]
    fn any_tampered_byte_fails() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"secret value", b"ctx");
        for i in 0..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assert!(key.open(&tampered, b"ctx").is_err(), "byte {i}");
        }
        assert!(key.open(&sealed[..sealed.len() - 1], b"ctx").is_err());
        assert!(key.open(&sealed[..NONCE_LEN], b"ctx").is_err());
        assert!(key.open(&[], b"ctx").is_err());
    }

    #[test]
    fn wrong_key_fails() {
        let sealed = MasterKey::generate().seal(b"secret", b"ctx");
        assert!(MasterKey::generate().open(&sealed, b"ctx").is_err());
    }

    #[test]
    fn base64_round_trip_in_every_alphabet() {
        let key = MasterKey::generate();
        let b64 = key.to_base64();
        assert_eq!(b64.len(), 44);
        let sealed = key.seal(b"x", b"ctx");
        let url_safe = b64.replace('+', "-").replace('/', "_");
        for text in [
            b64.clone(),
            format!("{b64}\n"),
            b64.trim_end_matches('=').to_owned(),
            url_safe.clone(),
            url_safe.trim_end_matches('=').to_owned(),
        ] {
            let parsed = MasterKey::from_base64(&text).unwrap();
            assert_eq!(parsed.open(&sealed, b"ctx").unwrap(), b"x", "{text:?}");
            assert_eq!(parsed.to_base64(), b64);
        }
    }

    #[test]
    fn from_base64_errors_say_how_to_make_a_key() {
        let short = STANDARD.encode([1u8; 16]);
        let long = STANDARD.encode([1u8; 33]);
        for bad in ["", "not base64 at all!", short.as_str(), long.as_str()] {
            let err = MasterKey::from_base64(bad).unwrap_err();
            assert!(matches!(err, SealError::InvalidKey { .. }), "{bad:?}");
            assert!(err.to_string().contains("openssl rand -base64 32"), "{err}");
        }
        let err = MasterKey::from_base64(&short).unwrap_err();
        assert!(err.to_string().contains("16 bytes"), "{err}");
    }

    #[test]
    fn debug_does_not_print_the_key() {
        let key = MasterKey::generate();
        let debug = format!("{key:?}");
        assert_eq!(debug, "MasterKey(…)");
        assert!(!debug.contains(&key.to_base64()));
    }

    #[cfg(unix)]
    #[test]
    fn load_or_create_makes_a_private_file_and_rereads_it() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");

        let created = MasterKey::load_or_create(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim(), created.to_base64());

        let reread = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(reread.to_base64(), created.to_base64());
        let sealed = created.seal(b"kept", b"ctx");
        assert_eq!(reread.open(&sealed, b"ctx").unwrap(), b"kept");

        // Only the key file is left behind, no temporary files.
        let entries: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1);
    }

    #[test]
    fn load_or_create_reads_an_existing_openssl_style_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let key = MasterKey::generate();
        fs::write(&path, format!("{}\n", key.to_base64())).unwrap();
        let loaded = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(loaded.to_base64(), key.to_base64());
    }

    #[test]
    fn load_or_create_refuses_a_bad_file_and_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        fs::write(&path, "hello").unwrap();
        assert!(matches!(
            MasterKey::load_or_create(&path),
            Err(SealError::InvalidKey { .. })
        ));
        let missing = dir.path().join("no/such/dir/master.key");
        assert!(matches!(
            MasterKey::load_or_create(&missing),
            Err(SealError::Io { .. })
        ));
    }

    #[test]
    fn keyed_hash_differs_per_purpose_and_key() {
        let key = MasterKey::generate();
        let a = key.keyed_hash("recovery-code", b"k3f9a01xyz");
        assert_eq!(a, key.keyed_hash("recovery-code", b"k3f9a01xyz"));
        assert_ne!(a, key.keyed_hash("api-key", b"k3f9a01xyz"));
        assert_ne!(a, key.keyed_hash("recovery-code", b"k3f9a01xyy"));
        assert_ne!(
            a,
            MasterKey::generate().keyed_hash("recovery-code", b"k3f9a01xyz")
        );
    }

    #[test]
    fn keyed_hash_matches_the_documented_construction() {
        // HMAC(HMAC(master, "comply360/" + purpose), data), checked against an independent
        // computation so a change of construction (which would orphan stored hashes) fails.
        let key = MasterKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        let mut outer = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7u8; 32]).unwrap();
        outer.update(b"comply360/recovery-code");
        let subkey = outer.finalize().into_bytes();
        let mut inner = <Hmac<Sha256> as KeyInit>::new_from_slice(&subkey).unwrap();
        inner.update(b"data");
        let expected: [u8; 32] = inner.finalize().into_bytes().into();
        assert_eq!(key.keyed_hash("recovery-code", b"data"), expected);
    }
}
