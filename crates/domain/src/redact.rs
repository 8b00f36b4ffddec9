//! Masking personal information and credentials in text bound for logs (POPIA: logs keep ids,
//! never the person). One function every log line passes through (`comply360`'s telemetry
//! wraps its writer with it), so a careless `tracing::info!(%email)` or an error message that
//! quotes a request is masked whatever field or message it lands in.
//!
//! What is masked, and as what:
//! * emails → `[email]`;
//! * a run of 13 to 19 digits (spaces or dashes allowed between them), which covers South
//!   African ID numbers (13 digits) and card numbers → `[number]`;
//! * phone numbers: international (`+27 82 123 4567`, `+263…`) and South African national
//!   (`082 123 4567`, `0821234567`) → `[phone]`;
//! * credentials: JSON Web Tokens, `Bearer …`, our API keys (`c360_…`), Stripe keys and webhook
//!   secrets (`sk_`/`rk_`/`pk_`/`whsec_…`), and the value of any field or `key=value` named
//!   like a secret (`password`, `passphrase`, `secret`, `token`, `api_key`, `authorization`,
//!   `cookie`) → `[redacted]`.
//!
//! Ids stay: UUIDs, event and job ids, slugs, timestamps and durations are what a log is for.

use regex::{Captures, Regex, RegexSet};
use std::borrow::Cow;
use std::sync::LazyLock;

/// What a masked value becomes.
const REDACTED: &str = "[redacted]";

struct Rule {
    pattern: Regex,
    mask: fn(&Captures<'_>) -> String,
}

fn rule(pattern: &str, mask: fn(&Captures<'_>) -> String) -> Rule {
    Rule {
        pattern: Regex::new(pattern).unwrap_or_else(|e| panic!("redaction pattern {pattern}: {e}")),
        mask,
    }
}

/// In order: credentials first (a token may contain what looks like an email or digits), then
/// personal information.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        // A secret-named field, JSON (`"password":"…"`, escaped quotes inside a message too) or
        // `key=value` / `key: value`.
        rule(
            r#"(?i)(\\?"(?:[a-z_]*password|passphrase|[a-z_]*secret|[a-z_]*token|api_?key|authorization|cookie|set-cookie)\\?"\s*:\s*)(\\?")(?:[^"\\]|\\[^"])*(\\?")"#,
            |c| format!("{}{}{REDACTED}{}", &c[1], &c[2], &c[3]),
        ),
        rule(
            r#"(?i)\b((?:[a-z_]*password|passphrase|[a-z_]*secret|[a-z_]*token|api_?key|authorization|cookie)\s*[=:]\s*)((?:bearer\s+|basic\s+)?[^\s",;}&]+)"#,
            |c| format!("{}{REDACTED}", &c[1]),
        ),
        rule(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+", |_| {
            format!("Bearer {REDACTED}")
        }),
        rule(
            r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+",
            |_| REDACTED.into(),
        ),
        rule(r"\bc360_[A-Za-z0-9_-]{16,}", |_| REDACTED.into()),
        rule(
            r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9]{8,}",
            |_| REDACTED.into(),
        ),
        rule(
            r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b",
            |_| "[email]".into(),
        ),
        // 13 to 19 digits, possibly grouped: ID numbers, card numbers. Not the digits after a
        // decimal point (a duration's fraction): the character before is kept, and may not be
        // a point (the regex crate has no look-behind).
        rule(r"(^|[^.\d])(\d(?:[ -]?\d){12,18})\b", |c| {
            format!("{}[number]", &c[1])
        }),
        rule(r"\+\d(?:[ -]?\d){7,14}\b", |_| "[phone]".into()),
        rule(r"(^|[^.\d])(0\d{2}[ -]?\d{3}[ -]?\d{4})\b", |c| {
            format!("{}[phone]", &c[1])
        }),
    ]
});

/// Every rule's pattern in one automaton: most lines match none, and are scanned once.
static ANY: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(RULES.iter().map(|r| r.pattern.as_str()))
        .unwrap_or_else(|e| panic!("redaction patterns: {e}"))
});

/// `text` with personal information and credentials masked; borrowed when nothing was.
pub fn redact(text: &str) -> Cow<'_, str> {
    let matched = ANY.matches(text);
    if !matched.matched_any() {
        return Cow::Borrowed(text);
    }
    let mut out = Cow::Borrowed(text);
    // A rule's replacement never creates what an earlier rule masks, so the rules that
    // matched the original are the ones to apply (a later rule may match less after an
    // earlier one, which `replace_all` handles).
    for (i, r) in RULES.iter().enumerate() {
        if matched.matched(i) {
            out = Cow::Owned(r.pattern.replace_all(&out, r.mask).into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    fn masked(text: &str) -> String {
        redact(text).into_owned()
    }

    #[test]
    fn personal_information_is_masked_in_messages_and_fields() {
        assert_eq!(
            masked("invitation sent to thandi.nkosi@acacia.example"),
            "invitation sent to [email]"
        );
        assert_eq!(
            masked(
                r#"{"fields":{"email":"Lindiwe.Dube+c@mail.co.za","id_number":"8001015009087"}}"#
            ),
            r#"{"fields":{"email":"[email]","id_number":"[number]"}}"#
        );
        assert_eq!(masked("id 8001015009087 refused"), "id [number] refused");
        assert_eq!(
            masked("card 4111 1111 1111 1111 declined"),
            "card [number] declined"
        );
        assert_eq!(masked("card 4111-1111-1111-1111"), "card [number]");
        assert_eq!(
            masked("sms to +27 82 123 4567 queued"),
            "sms to [phone] queued"
        );
        assert_eq!(masked("sms to +263771234567"), "sms to [phone]");
        assert_eq!(
            masked("call 082 123 4567 or 0821234567"),
            "call [phone] or [phone]"
        );
    }

    #[test]
    fn credentials_are_masked() {
        let jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        assert_eq!(masked(&format!("token {jwt}")), "token [redacted]");
        assert_eq!(
            masked("authorization: Bearer abc.def-123"),
            "authorization: [redacted]"
        );
        assert_eq!(
            masked("header Bearer abc.def-123 sent"),
            "header Bearer [redacted] sent"
        );
        assert_eq!(
            masked(r#"{"password":"Demo-Baobab-Sunrise-2026","user":"u1"}"#),
            r#"{"password":"[redacted]","user":"u1"}"#
        );
        assert_eq!(
            masked(r#"message="body {\"new_password\":\"x y z\"} refused""#),
            r#"message="body {\"new_password\":\"[redacted]\"} refused""#
        );
        assert_eq!(
            masked("password=hunter2 retry"),
            "password=[redacted] retry"
        );
        assert_eq!(masked("passphrase: jt7NOE43FZPn"), "passphrase: [redacted]");
        assert_eq!(
            masked("key c360_AbCdEfGhIjKlMnOpQrStUv used"),
            "key [redacted] used"
        );
        assert_eq!(
            masked("stripe sk_test_4eC39HqLyjWDarjtT1zdp7dc"),
            "stripe [redacted]"
        );
        assert_eq!(masked("whsec_abcdefgh12345678"), "[redacted]");
    }

    #[test]
    fn ids_times_and_amounts_are_kept() {
        for line in [
            "2026-12-05T18:14:26.123456Z  INFO job{job=01a2475c-8407-759a-b444-72c3e1eb62d6 tenant=acacia}: done",
            r#"{"timestamp":"2026-12-05T18:14:26Z","fields":{"duration_ms":12.5,"status":200,"request_id":"7c9e6679-7425-40de-944b-e07fc1f90ae7"}}"#,
            "invoice INV-2026-000123 paid 127500 cents",
            "enterprise number 2019/123456/07",
            "port 127.0.0.1:8080, 5000 deliveries in 11.05 s",
            r#"{"duration_ms":224.12345678901234,"took":0.0821234567}"#,
        ] {
            assert_eq!(masked(line), line);
        }
    }
}
