//! Our verdict on phone numbers in international form, checked against an independent
//! implementation: Google's libphonenumber ported to Python (`phonenumbers` on PyPI; installed
//! by scripts/test). Under `CI=true` a missing module fails the test; elsewhere it skips.

use comply360_domain::contact::{PhoneError, PhoneNumber};
use phonenumber::metadata::DATABASE;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

/// Whether this is a CI run (`CI=true`), where a missing Python module fails the test. (The
/// domain cannot use comply360-testkit, which depends on it; this is testkit's `ci()`.)
fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A small deterministic generator (xorshift64*), so that every run checks the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// The inputs: every example number of every region and type in the metadata, each also with
/// its last digit dropped, a digit added and its first digit changed; then random digit
/// strings after random country codes (mostly real ones), some written with spaces.
fn inputs() -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::new();
    let mut codes: Vec<u16> = DATABASE.iter().map(|m| m.country_code()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut metas: Vec<_> = DATABASE.iter().collect();
    metas.sort_by_key(|m| m.id().to_owned());
    for meta in metas {
        let d = meta.descriptors();
        let examples = [
            d.fixed_line(),
            d.mobile(),
            d.toll_free(),
            d.premium_rate(),
            d.shared_cost(),
            d.personal_number(),
            d.voip(),
            d.pager(),
            d.uan(),
            d.voicemail(),
        ]
        .into_iter()
        .flatten()
        .filter_map(|desc| desc.example());
        for example in examples {
            let cc = meta.country_code();
            out.push(format!("+{cc}{example}"));
            out.push(format!("+{cc}{}", &example[..example.len() - 1]));
            out.push(format!("+{cc}{example}{}", rng.below(10)));
            out.push(format!("+{cc}{}{}", rng.below(10), &example[1..]));
        }
    }
    for i in 0..3000 {
        let cc = if rng.below(5) == 0 {
            (1 + rng.below(999)).to_string()
        } else {
            codes[rng.below(codes.len() as u64) as usize].to_string()
        };
        let len = 1 + rng.below(13) as usize;
        let nsn = rng.digits(len);
        out.push(if i % 4 == 0 {
            format!("+{cc} {nsn}")
        } else {
            format!("+{cc}{nsn}")
        });
    }
    out.push("+32699102".into());
    out.sort();
    out.dedup();
    out
}

/// The Python side: each input's verdict, E.164 form and region; and, to tell metadata of
/// different dates apart, each region's ranges (type → pattern, lengths).
const ORACLE: &str = r#"
import json, sys
import phonenumbers
from phonenumbers import PhoneMetadata
TYPES = ["fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
         "personal_number", "voip", "pager", "uan", "voicemail"]
def ranges(meta):
    out = {}
    for t in TYPES:
        d = getattr(meta, t, None)
        if d is None or d.national_number_pattern in (None, "NA"):
            continue
        out[t] = ["".join(d.national_number_pattern.split()), sorted(l for l in d.possible_length if l > 0)]
    return out
plans = {r: ranges(PhoneMetadata.metadata_for_region(r)) for r in phonenumbers.SUPPORTED_REGIONS}
for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
    plans["001/%d" % code] = ranges(PhoneMetadata.metadata_for_nongeo_region(code))
out = []
for text in json.load(sys.stdin):
    try:
        n = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        out.append({"valid": False, "e164": None, "region": None})
        continue
    region = phonenumbers.region_code_for_number(n)
    if region == "001":
        region = "001/%d" % n.country_code
    out.append({
        "valid": phonenumbers.is_valid_number(n),
        "e164": phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164),
        "region": region,
    })
json.dump({"version": phonenumbers.__version__, "plans": plans, "results": out}, sys.stdout)
"#;

struct Oracle {
    version: String,
    plans: Value,
    results: Vec<Value>,
}

/// The Python port's verdicts on `inputs`, or None when python3 or the module is missing.
fn oracle(inputs: &[String]) -> Option<Oracle> {
    let mut child = Command::new("python3")
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let json = serde_json::to_vec(inputs).unwrap();
    child.stdin.take().unwrap().write_all(&json).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("No module named"),
            "the phonenumbers oracle failed:\n{stderr}"
        );
        return None;
    }
    let mut doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), inputs.len());
    Some(Oracle {
        version: doc["version"].as_str().unwrap().to_owned(),
        plans: doc["plans"].take(),
        results,
    })
}

/// Our bundled metadata's ranges in the oracle's shape, by region ("001/800" for the
/// non-geographic codes).
fn our_plans() -> BTreeMap<String, Value> {
    DATABASE
        .iter()
        .map(|meta| {
            let d = meta.descriptors();
            let types = [
                ("fixed_line", d.fixed_line()),
                ("mobile", d.mobile()),
                ("toll_free", d.toll_free()),
                ("premium_rate", d.premium_rate()),
                ("shared_cost", d.shared_cost()),
                ("personal_number", d.personal_number()),
                ("voip", d.voip()),
                ("pager", d.pager()),
                ("uan", d.uan()),
                ("voicemail", d.voicemail()),
            ];
            let ranges: serde_json::Map<String, Value> = types
                .into_iter()
                .filter_map(|(name, desc)| {
                    let desc = desc?;
                    let pattern: String =
                        desc.national_number().as_str().split_whitespace().collect();
                    Some((name.to_owned(), json!([pattern, desc.possible_length()])))
                })
                .collect();
            let key = if meta.id() == "001" {
                format!("001/{}", meta.country_code())
            } else {
                meta.id().to_owned()
            };
            (key, Value::Object(ranges))
        })
        .collect()
}

/// The classes of difference between our verdict and the Python port's, each explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Difference {
    /// We refuse a number with fewer than 8 or more than 15 digits after the + before asking
    /// the metadata (E.164 allows at most 15; `InternationalLength`), while libphonenumber
    /// lists some 4- to 7-digit numbers (Niue, Tristan da Cunha, short service numbers in the
    /// Netherlands, Norway, Luxembourg, Uruguay) and German numbers of up to 15 digits after
    /// +49 as valid. Deliberate: such numbers are not the contact numbers of directors.
    OurLengthRule,
    /// South Africa and Zimbabwe follow our own plan rules (contact.rs: 9 digits for ZA,
    /// which refuses libphonenumber's legacy 10-digit 086x and shorter 08x numbers).
    OurSaZwRule,
    /// The region's ranges differ between the crate's metadata and the Python port's (they
    /// are of different dates): a range added, removed or changed since (Benin's 8-digit
    /// numbers retired for 10-digit ones, new ranges in Senegal, Spain, Turkmenistan, ...).
    MetadataVersion,
    /// Both valid, or we accept what they refuse, but with another national number: the
    /// `phonenumber` crate strips a trunk prefix (`+972 00…`) where the Python port reads the
    /// digits otherwise. A number typed this way is a slip; we keep libphonenumber's reading
    /// of the rest.
    TrunkPrefixReading,
    /// Anything else: a fault to fix.
    Unexplained,
}

#[test]
fn foreign_numbers_agree_with_the_python_port_of_libphonenumber() {
    let inputs = inputs();
    let Some(oracle) = oracle(&inputs) else {
        assert!(
            !ci(),
            "python3 with phonenumbers is required under CI=true (scripts/test installs it)"
        );
        eprintln!("skipped: python3 with phonenumbers is not installed (scripts/test installs it)");
        return;
    };
    let ours_plans = our_plans();
    let changed =
        |region: Option<&str>| region.is_some_and(|r| ours_plans.get(r) != oracle.plans.get(r));
    let changed_regions: Vec<&String> = ours_plans
        .keys()
        .filter(|r| changed(Some(r.as_str())))
        .collect();
    let mut classes: BTreeMap<Difference, Vec<String>> = BTreeMap::new();
    let mut agree = 0;
    for (text, theirs) in inputs.iter().zip(&oracle.results) {
        let ours = PhoneNumber::parse_international(text);
        let their_valid = theirs["valid"].as_bool().unwrap();
        let their_e164 = theirs["e164"].as_str();
        let their_region = theirs["region"].as_str();
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let sa_zw = text.starts_with("+27") || text.starts_with("+263");
        let class = match (&ours, their_valid) {
            (Ok(n), true) if Some(n.as_e164()) == their_e164 => {
                agree += 1;
                continue;
            }
            (Err(_), false) => {
                agree += 1;
                continue;
            }
            (Err(PhoneError::InternationalLength(n)), true)
                if *n == digits && !(8..=15).contains(n) =>
            {
                Difference::OurLengthRule
            }
            (
                Err(
                    PhoneError::SouthAfricanLength(_)
                    | PhoneError::ZimbabweanMobileLength(_)
                    | PhoneError::ZimbabweanLength(_),
                ),
                true,
            ) if sa_zw => Difference::OurSaZwRule,
            (Ok(n), _) if Some(n.as_e164()) != their_e164 => Difference::TrunkPrefixReading,
            _ if changed(their_region) => Difference::MetadataVersion,
            _ => Difference::Unexplained,
        };
        classes
            .entry(class)
            .or_default()
            .push(format!("{text}: ours {ours:?}; theirs {theirs}"));
    }
    let count = |class| classes.get(&class).map_or(0, Vec::len);
    eprintln!(
        "phonenumbers {} (Python) against the Rust crate phonenumber (Cargo.lock): {} inputs, {agree} agree; \
         {} of {} regions' ranges differ between the two metadata ({changed_regions:?})",
        oracle.version,
        inputs.len(),
        changed_regions.len(),
        ours_plans.len()
    );
    if let Some(r) = changed_regions.first() {
        eprintln!(
            "e.g. {r}: ours {}\n  theirs {}",
            ours_plans[*r],
            oracle.plans[r.as_str()]
        );
    }
    for (class, examples) in &classes {
        eprintln!("{class:?}: {}", examples.len());
        for e in examples.iter().take(6) {
            eprintln!("    {e}");
        }
    }
    assert_eq!(
        count(Difference::Unexplained),
        0,
        "differences no class explains: {:#?}",
        classes.get(&Difference::Unexplained)
    );
    // Metadata of different dates: a few in a thousand at most (7 of 7,010 when written).
    assert!(
        count(Difference::MetadataVersion) * 200 <= inputs.len(),
        "more differences from the metadata's dates than 0.5% of the inputs: {:#?}",
        classes.get(&Difference::MetadataVersion)
    );
    // The two parsers' readings of a trunk prefix typed after the country code: rare.
    assert!(count(Difference::TrunkPrefixReading) <= 3);
    // The deliberate rules: each a handful.
    assert!(count(Difference::OurLengthRule) <= 20);
    assert!(count(Difference::OurSaZwRule) <= 5);
    assert!(agree * 100 >= inputs.len() * 99, "under 99% agree");
}
