//! Password hashing (Argon2id, with bcrypt accepted for legacy imports) and the password policy.
//!
//! Hashing is deliberately slow, so every hash and verify runs on tokio's blocking pool instead
//! of stalling a request worker. Stored hashes carry their own parameters; `verify` reports
//! `needs_rehash` so the caller can upgrade a hash the moment it holds the plaintext (after a
//! successful sign-in), which is the only time an upgrade is possible.
//!
//! The policy follows NIST SP 800-63B: length and "is it guessable" (zxcvbn, which bundles lists
//! of breached passwords) instead of composition rules, which users game with `Password1!`.

use std::fmt;
use std::sync::{Arc, OnceLock};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordVerifier, Version};
use zeroize::Zeroizing;
use zxcvbn::feedback::Warning;

/// Argon2 cost parameters. Changing them makes `verify` flag older hashes for rehash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory per hash in KiB.
    pub memory_kib: u32,
    /// Number of passes over the memory.
    pub iterations: u32,
    /// Lanes (threads) per hash.
    pub parallelism: u32,
}

impl Default for HashParams {
    /// The OWASP Password Storage Cheat Sheet's Argon2id baseline: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// bcrypt hashes above this cost are refused: cost doubles the work per step, and a hash with a
/// huge cost (a bad import, a tampered row) would pin a CPU for minutes per sign-in attempt.
pub const MAX_BCRYPT_COST: u32 = 12;

/// Upper bounds for the parameters of a *stored* Argon2 hash, for the same reason as
/// [`MAX_BCRYPT_COST`]: the stored string decides how much memory and time a verify takes.
/// The configured parameters are always allowed, even when above these.
const MAX_STORED_MEMORY_KIB: u32 = 256 * 1024;
const MAX_STORED_ITERATIONS: u32 = 16;
const MAX_STORED_PARALLELISM: u32 = 16;

/// Why hashing or verifying failed. None of these mean "wrong password": that is
/// `Verification { matches: false, .. }`.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The configured Argon2 parameters are outside what Argon2 accepts.
    #[error("invalid Argon2 parameters: {0}")]
    InvalidParams(String),
    /// The stored hash is neither a well-formed Argon2 PHC string nor a bcrypt hash.
    #[error("stored password hash is malformed or uses an unsupported scheme")]
    MalformedHash,
    /// The stored hash asks for more work than this service agrees to spend.
    #[error("stored password hash is too expensive to verify: {0}")]
    CostTooHigh(String),
    /// Argon2 itself failed (for example, the random salt could not be generated).
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The blocking task panicked or was cancelled.
    #[error("password hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// The password is correct.
    pub matches: bool,
    /// The password is correct but the stored hash uses another scheme or other parameters than
    /// the configured ones; the caller should store `hash(password)` in its place. Always
    /// `false` when `matches` is `false` (without the plaintext there is nothing to rehash).
    pub needs_rehash: bool,
}

/// Hashes and verifies passwords with the configured Argon2id parameters.
///
/// Cheap to clone: the state is shared behind an `Arc`.
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    argon2: Argon2<'static>,
    params: Params,
    /// A hash of a fixed password with the configured parameters, made on first use by
    /// [`PasswordHasher::verify_dummy`].
    dummy: OnceLock<String>,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.inner.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// Builds a hasher, refusing parameters that Argon2 would refuse later.
    pub fn new(params: HashParams) -> Result<Self, PasswordError> {
        let params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| PasswordError::InvalidParams(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                argon2,
                params,
                dummy: OnceLock::new(),
            }),
        })
    }

    /// Hashes `password` into an Argon2id PHC string (`$argon2id$v=19$m=…`) with a random salt.
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let inner = Arc::clone(&self.inner);
        let password = Zeroizing::new(password.to_owned());
        tokio::task::spawn_blocking(move || inner.hash(&password)).await?
    }

    /// Checks `password` against a stored Argon2 PHC string or a legacy bcrypt hash.
    pub async fn verify(
        &self,
        password: &str,
        stored: &str,
    ) -> Result<Verification, PasswordError> {
        let inner = Arc::clone(&self.inner);
        let password = Zeroizing::new(password.to_owned());
        let stored = stored.to_owned();
        tokio::task::spawn_blocking(move || inner.verify(&password, &stored)).await?
    }

    /// Spends as long as a real [`verify`](Self::verify), against a fixed hash made with the
    /// configured parameters, and throws the result away.
    ///
    /// Call it when the account does not exist, so that sign-in for an unknown email takes as
    /// long as for a known one and response times do not reveal which emails have accounts.
    pub async fn verify_dummy(&self, password: &str) {
        let inner = Arc::clone(&self.inner);
        let password = Zeroizing::new(password.to_owned());
        let outcome = tokio::task::spawn_blocking(move || {
            let dummy = match inner.dummy.get() {
                Some(dummy) => dummy.clone(),
                None => {
                    let dummy = inner.hash("comply360 dummy password for timing")?;
                    // Another task may have won the race; either hash has the same cost.
                    let _ = inner.dummy.set(dummy.clone());
                    dummy
                }
            };
            inner.verify(&password, &dummy)
        })
        .await;
        match outcome {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "dummy password verification failed"),
            Err(e) => tracing::warn!(error = %e, "dummy password verification task failed"),
        }
    }
}

impl Inner {
    fn hash(&self, password: &str) -> Result<String, PasswordError> {
        use argon2::PasswordHasher as _;
        self.argon2
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| PasswordError::Hashing(e.to_string()))
    }

    fn verify(&self, password: &str, stored: &str) -> Result<Verification, PasswordError> {
        if is_bcrypt(stored) {
            return verify_bcrypt(password, stored);
        }
        let hash = PasswordHash::new(stored).map_err(|_| PasswordError::MalformedHash)?;
        let algorithm = Algorithm::try_from(hash.algorithm.as_str())
            .map_err(|_| PasswordError::MalformedHash)?;
        let version = match hash.version {
            Some(v) => Version::try_from(v).map_err(|_| PasswordError::MalformedHash)?,
            None => Version::V0x10,
        };
        let params = Params::try_from(&hash).map_err(|_| PasswordError::MalformedHash)?;
        self.check_stored_cost(&params)?;

        let matches = match self.argon2.verify_password(password.as_bytes(), &hash) {
            Ok(()) => true,
            Err(argon2::password_hash::Error::PasswordInvalid) => false,
            Err(_) => return Err(PasswordError::MalformedHash),
        };
        let current = algorithm == Algorithm::Argon2id
            && version == Version::V0x13
            && params.m_cost() == self.params.m_cost()
            && params.t_cost() == self.params.t_cost()
            && params.p_cost() == self.params.p_cost()
            && params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)
                == Params::DEFAULT_OUTPUT_LEN;
        Ok(Verification {
            matches,
            needs_rehash: matches && !current,
        })
    }

    fn check_stored_cost(&self, stored: &Params) -> Result<(), PasswordError> {
        let too_high = |value: u32, limit: u32, configured: u32| value > limit.max(configured);
        if too_high(stored.m_cost(), MAX_STORED_MEMORY_KIB, self.params.m_cost())
            || too_high(stored.t_cost(), MAX_STORED_ITERATIONS, self.params.t_cost())
            || too_high(
                stored.p_cost(),
                MAX_STORED_PARALLELISM,
                self.params.p_cost(),
            )
        {
            return Err(PasswordError::CostTooHigh(format!(
                "m={} t={} p={}",
                stored.m_cost(),
                stored.t_cost(),
                stored.p_cost()
            )));
        }
        Ok(())
    }
}

fn is_bcrypt(stored: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"]
        .iter()
        .any(|prefix| stored.starts_with(prefix))
}

/// bcrypt hashes come from imported legacy systems; a match always asks for an Argon2 rehash.
fn verify_bcrypt(password: &str, stored: &str) -> Result<Verification, PasswordError> {
    let parts: bcrypt::HashParts = stored.parse().map_err(|_| PasswordError::MalformedHash)?;
    if parts.get_cost() > MAX_BCRYPT_COST {
        return Err(PasswordError::CostTooHigh(format!(
            "bcrypt cost {} (at most {MAX_BCRYPT_COST})",
            parts.get_cost()
        )));
    }
    let matches = bcrypt::verify(password, stored).map_err(|_| PasswordError::MalformedHash)?;
    Ok(Verification {
        matches,
        needs_rehash: matches,
    })
}

/// Shortest accepted password, in characters (NIST allows 8; 12 leaves room for passphrases).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest accepted password, in characters: long enough for any passphrase or password
/// manager, short enough that nobody posts a megabyte to the hasher.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why a new password was refused. `Display` is written for the person choosing the password:
/// what is wrong and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyViolation {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    TooShort {
        /// Required minimum.
        min: usize,
        /// Characters in the refused password.
        actual: usize,
    },
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    TooLong {
        /// Allowed maximum.
        max: usize,
    },
    /// The whole password is on a list of commonly used (breached) passwords.
    Common,
    /// The password scores below 3 of 4 on zxcvbn: an attacker would guess it quickly.
    TooGuessable {
        /// zxcvbn's warning and suggestions, in English, when it has any.
        hint: Option<String>,
    },
}

impl fmt::Display for PolicyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { min, actual } => write!(
                f,
                "The password is too short: it has {actual} characters and needs at least \
                 {min}. A few unrelated words make a long password that is easy to remember."
            ),
            Self::TooLong { max } => {
                write!(f, "The password is too long: use at most {max} characters.")
            }
            Self::Common => write!(
                f,
                "This is one of the most commonly used passwords, which attackers try first. \
                 Choose a different one, for example a few unrelated words."
            ),
            Self::TooGuessable { hint } => {
                write!(
                    f,
                    "This password is too easy to guess. Make it longer or less predictable, \
                     for example with a few unrelated words."
                )?;
                if let Some(hint) = hint {
                    write!(f, " {hint}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PolicyViolation {}

/// Checks a new password against the policy: 12 to 256 characters, not a common password, and a
/// zxcvbn score of at least 3.
///
/// `user_inputs` are things an attacker targeting this user would try (email, name, company);
/// they are split into their parts (`mpho.dlamini@acme.co.za` → `mpho`, `dlamini`, `acme`, …)
/// so that a password built from them scores as weak.
pub fn check_policy(password: &str, user_inputs: &[&str]) -> Result<(), PolicyViolation> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PolicyViolation::TooShort {
            min: MIN_PASSWORD_CHARS,
            actual: chars,
        });
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PolicyViolation::TooLong {
            max: MAX_PASSWORD_CHARS,
        });
    }

    let inputs = expand_user_inputs(user_inputs);
    let input_refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(password, &input_refs);
    if u8::from(entropy.score()) >= 3 {
        return Ok(());
    }
    let feedback = entropy.feedback();
    let warning = feedback.and_then(|f| f.warning());
    // zxcvbn gives these three warnings only when one unmodified entry of its breached-password
    // list covers the whole password.
    if matches!(
        warning,
        Some(
            Warning::ThisIsATop10Password
                | Warning::ThisIsATop100Password
                | Warning::ThisIsACommonPassword
        )
    ) {
        return Err(PolicyViolation::Common);
    }
    let mut hint: Vec<String> = warning.iter().map(ToString::to_string).collect();
    if let Some(feedback) = feedback {
        hint.extend(feedback.suggestions().iter().map(ToString::to_string));
    }
    Err(PolicyViolation::TooGuessable {
        hint: (!hint.is_empty()).then(|| hint.join(" ")),
    })
}

/// The inputs themselves plus their parts split at `@ . _ - +` and whitespace, ignoring parts
/// shorter than three characters (they would only add noise).
fn expand_user_inputs(user_inputs: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for input in user_inputs {
        let input = input.trim().to_lowercase();
        if input.is_empty() {
            continue;
        }
        if let Some((local, _domain)) = input.split_once('@') {
            out.push(local.to_owned());
        }
        out.extend(
            input
                .split(|c: char| matches!(c, '@' | '.' | '_' | '-' | '+') || c.is_whitespace())
                .filter(|part| part.chars().count() >= 3)
                .map(str::to_owned),
        );
        out.push(input);
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small parameters keep the tests fast; the code paths are the same.
    fn fast_params() -> HashParams {
        HashParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(fast_params()).unwrap()
    }

    #[test]
    fn default_params_are_owasp_argon2id() {
        let p = HashParams::default();
        assert_eq!((p.memory_kib, p.iterations, p.parallelism), (19_456, 2, 1));
        assert!(PasswordHasher::new(p).is_ok());
    }

    #[test]
    fn invalid_params_are_refused() {
        let bad = HashParams {
            memory_kib: 1,
            iterations: 1,
            parallelism: 1,
        };
        assert!(matches!(
            PasswordHasher::new(bad),
            Err(PasswordError::InvalidParams(_))
        ));
        let no_passes = HashParams {
            iterations: 0,
            ..fast_params()
        };
        assert!(PasswordHasher::new(no_passes).is_err());
    }

    #[tokio::test]
    async fn argon2_round_trip() {
        let h = hasher();
        let stored = h.hash("river tiger blanket 42").await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"),
            "{stored}"
        );
        let v = h.verify("river tiger blanket 42", &stored).await.unwrap();
        assert_eq!(
            v,
            Verification {
                matches: true,
                needs_rehash: false
            }
        );
    }

    #[tokio::test]
    async fn salts_differ_between_hashes() {
        let h = hasher();
        let a = h.hash("same password here").await.unwrap();
        let b = h.hash("same password here").await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn wrong_password_does_not_match() {
        let h = hasher();
        let stored = h.hash("river tiger blanket 42").await.unwrap();
        let v = h.verify("river tiger blanket 43", &stored).await.unwrap();
        assert!(!v.matches);
        assert!(!v.needs_rehash);
    }

    #[tokio::test]
    async fn needs_rehash_when_params_differ() {
        let old = PasswordHasher::new(HashParams {
            memory_kib: 512,
            ..fast_params()
        })
        .unwrap();
        let stored = old.hash("river tiger blanket 42").await.unwrap();
        let v = hasher()
            .verify("river tiger blanket 42", &stored)
            .await
            .unwrap();
        assert!(v.matches);
        assert!(v.needs_rehash);
        let wrong = hasher().verify("nope nope nope", &stored).await.unwrap();
        assert!(!wrong.matches && !wrong.needs_rehash);
    }

    #[tokio::test]
    async fn needs_rehash_for_argon2i() {
        use argon2::PasswordHasher as _;
        let params = Params::new(1024, 1, 1, None).unwrap();
        let stored = Argon2::new(Algorithm::Argon2i, Version::V0x13, params)
            .hash_password(b"river tiger blanket 42")
            .unwrap()
            .to_string();
        assert!(stored.starts_with("$argon2i$"));
        let v = hasher()
            .verify("river tiger blanket 42", &stored)
            .await
            .unwrap();
        assert!(v.matches && v.needs_rehash);
    }

    #[tokio::test]
    async fn bcrypt_hash_verifies_and_needs_rehash() {
        let stored = bcrypt::hash("legacy password 1", 10).unwrap();
        let h = hasher();
        let v = h.verify("legacy password 1", &stored).await.unwrap();
        assert_eq!(
            v,
            Verification {
                matches: true,
                needs_rehash: true
            }
        );
        let wrong = h.verify("legacy password 2", &stored).await.unwrap();
        assert!(!wrong.matches);
    }

    #[tokio::test]
    async fn bcrypt_2y_and_2a_prefixes_are_accepted() {
        let stored = bcrypt::hash("legacy password 1", 4).unwrap();
        let h = hasher();
        for prefix in ["$2y$", "$2a$"] {
            let variant = format!("{prefix}{}", &stored[4..]);
            let v = h.verify("legacy password 1", &variant).await.unwrap();
            assert!(v.matches, "{variant}");
        }
    }

    #[tokio::test]
    async fn bcrypt_cost_above_12_is_refused() {
        // A real cost-13 hash would take long to make; the cost is read before any work, so a
        // cost-4 hash relabelled as 13 shows the refusal just as well.
        let stored = bcrypt::hash("legacy password 1", 4).unwrap();
        let relabelled = format!("{}13{}", &stored[..4], &stored[6..]);
        let err = hasher()
            .verify("legacy password 1", &relabelled)
            .await
            .unwrap_err();
        assert!(matches!(err, PasswordError::CostTooHigh(_)), "{err}");
    }

    #[tokio::test]
    async fn argon2_hash_with_huge_memory_is_refused() {
        let stored = hasher().hash("river tiger blanket 42").await.unwrap();
        let huge = stored.replace("m=1024", "m=4194304");
        let err = hasher()
            .verify("river tiger blanket 42", &huge)
            .await
            .unwrap_err();
        assert!(matches!(err, PasswordError::CostTooHigh(_)), "{err}");
    }

    #[tokio::test]
    async fn garbage_stored_hash_is_an_error() {
        let h = hasher();
        for garbage in [
            "",
            "not a hash",
            "$argon2id$v=19$m=1024,t=1,p=1$",
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$!!!",
            "$2b$10$tooshort",
            "$2b$xx$abcdefghijklmnopqrstuvabcdefghijklmnopqrstuvwxyz01234",
            "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
            "$2b$10$ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ",
        ] {
            let result = h.verify("whatever password", garbage).await;
            assert!(result.is_err(), "{garbage:?} gave {result:?}");
        }
    }

    #[tokio::test]
    async fn verify_dummy_takes_about_as_long_as_verify() {
        // Real parameters: with the tiny test ones, scheduling noise would swamp the signal.
        let h = PasswordHasher::new(HashParams::default()).unwrap();
        let stored = h.hash("river tiger blanket 42").await.unwrap();
        h.verify_dummy("warm up the lazy dummy hash").await;
        assert!(h.inner.dummy.get().is_some());

        // The fastest of five each, interleaved: a busy machine (the other test binaries) only
        // ever adds time, so the minimums compare the work itself.
        let (mut real, mut dummy) = (std::time::Duration::MAX, std::time::Duration::MAX);
        for _ in 0..5 {
            let start = std::time::Instant::now();
            h.verify("some guess 123", &stored).await.unwrap();
            real = real.min(start.elapsed());
            let start = std::time::Instant::now();
            h.verify_dummy("some guess 123").await;
            dummy = dummy.min(start.elapsed());
        }
        // Generous bounds; a dummy that skipped the work would be orders of magnitude faster.
        assert!(dummy * 3 > real, "dummy {dummy:?} vs real {real:?}");
        assert!(dummy < real * 3, "dummy {dummy:?} vs real {real:?}");
    }

    #[test]
    fn strong_passphrases_pass() {
        for pw in [
            "correct horse battery staple",
            "umbrella quantum marmalade drift",
            "Tr0ub4dor&3-kettle-sunrise",
        ] {
            assert_eq!(check_policy(pw, &[]), Ok(()), "{pw}");
        }
    }

    #[test]
    fn passwords_from_the_breach_list_are_reported_as_common() {
        // Each of these is, whole, an entry of zxcvbn's breached-password list.
        for pw in ["password1234", "qwertyuiop123", "1q2w3e4r5t6y"] {
            let err = check_policy(pw, &[]).unwrap_err();
            assert_eq!(err, PolicyViolation::Common, "{pw}");
            assert!(err.to_string().contains("commonly used"), "{err}");
        }
    }

    #[test]
    fn variations_of_common_passwords_are_too_guessable() {
        let err = check_policy("iloveyou1234", &[]).unwrap_err();
        match err {
            PolicyViolation::TooGuessable { hint: Some(hint) } => {
                assert!(
                    hint.contains("similar to a commonly used password"),
                    "{hint}"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn repeated_characters_are_too_guessable_with_a_hint() {
        let err = check_policy("aaaaaaaaaaaa", &[]).unwrap_err();
        match &err {
            PolicyViolation::TooGuessable { hint: Some(hint) } => {
                assert!(hint.contains("Repeats"), "{hint}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("This password is too easy to guess")
        );
    }

    #[test]
    fn short_passwords_fail_counting_characters_not_bytes() {
        // 11 characters, random-looking.
        let err = check_policy("xQ7#vLp2!mZ", &[]).unwrap_err();
        assert_eq!(
            err,
            PolicyViolation::TooShort {
                min: 12,
                actual: 11
            }
        );
        assert!(err.to_string().contains("at least 12"));
        // 11 characters but 22 bytes: still too short.
        let err = check_policy("ñéüøåçßðþæœ", &[]).unwrap_err();
        assert_eq!(
            err,
            PolicyViolation::TooShort {
                min: 12,
                actual: 11
            }
        );
    }

    #[test]
    fn too_long_fails() {
        let long = "correct horse battery staple ".repeat(10);
        assert!(long.chars().count() > MAX_PASSWORD_CHARS);
        assert_eq!(
            check_policy(&long, &[]),
            Err(PolicyViolation::TooLong { max: 256 })
        );
    }

    #[test]
    fn password_built_from_the_email_fails() {
        let email = "zanele.mokoena@example.co.za";
        let pw = "zanele.mokoena1987";
        let err = check_policy(pw, &[email, "Zanele Mokoena"]).unwrap_err();
        assert!(
            matches!(err, PolicyViolation::TooGuessable { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn user_inputs_are_what_makes_the_email_password_weak() {
        // The same password without the user's details is acceptable, so the failure above comes
        // from `user_inputs` and not from the password alone.
        assert_eq!(check_policy("zanele.mokoena1987", &[]), Ok(()));
    }

    #[test]
    fn the_whole_email_alone_would_not_catch_it() {
        // Why `expand_user_inputs` exists: zxcvbn matches user inputs as whole dictionary words,
        // so the unsplit address does not make "local part + digits" weak.
        let whole_only = zxcvbn::zxcvbn("zanele.mokoena1987", &["zanele.mokoena@example.co.za"]);
        assert!(u8::from(whole_only.score()) >= 3);
        assert!(check_policy("zanele.mokoena1987", &["zanele.mokoena@example.co.za"]).is_err());
    }

    #[test]
    fn user_inputs_are_split_into_parts() {
        let parts = expand_user_inputs(&["Zanele.Mokoena@Example.co.za"]);
        for expected in ["zanele", "mokoena", "zanele.mokoena", "example"] {
            assert!(parts.iter().any(|p| p == expected), "{parts:?}");
        }
        assert!(!parts.iter().any(|p| p == "co"), "{parts:?}");
    }
}
