//! Contact details of clients and their people: phone numbers and email addresses, each parsed
//! once into a normalised form (E.164 for phones, a trimmed address with a lower-case domain for
//! email), so that two spellings of the same number are stored and compared as one.
//!
//! Phone numbers are checked against libphonenumber's metadata (the `phonenumber` crate, which
//! bundles Google's `PhoneNumberMetadata.xml` and reads it at build time from the crate itself;
//! nothing is downloaded). For South Africa we also insist on the 9-digit national number of the
//! numbering plan: libphonenumber still accepts some shorter legacy `08x` numbers "because they
//! are in prominent places online, even though the ITU document says numbers must be 10 digits
//! long (including the national prefix)" (its ZA metadata comment). Numbers of other countries
//! (agencies also have foreign directors) are accepted in international form when
//! libphonenumber's metadata says they are valid numbers of their country (libphonenumber's
//! rule, applied in `contact/plan.rs`), and refused with what is wrong otherwise: a country
//! code not in use, too few or too many digits there, or digits no range of its plan starts
//! with.
//! The verdicts are compared with Google's Python port (`phonenumbers`) in this crate's tests
//! (`tests/phone_oracle.rs`).

mod countries;
mod plan;

use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, country};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

use crate::registration::Jurisdiction;
use crate::text_enum;

/// The countries whose numbering plans Comply360 knows in detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Region {
    SouthAfrica,
    Zimbabwe,
}

text_enum!(Region, "region", {
    SouthAfrica => "ZA", Zimbabwe => "ZW",
});

impl Region {
    /// The ITU country calling code: 27 and 263.
    pub const fn country_code(self) -> u16 {
        match self {
            Region::SouthAfrica => 27,
            Region::Zimbabwe => 263,
        }
    }

    /// The adjective used in messages: "a South African number".
    pub const fn adjective(self) -> &'static str {
        match self {
            Region::SouthAfrica => "South African",
            Region::Zimbabwe => "Zimbabwean",
        }
    }

    const fn example(self) -> &'static str {
        match self {
            Region::SouthAfrica => "082 123 4567",
            Region::Zimbabwe => "077 123 4567",
        }
    }

    const fn metadata_id(self) -> country::Id {
        match self {
            Region::SouthAfrica => country::Id::ZA,
            Region::Zimbabwe => country::Id::ZW,
        }
    }

    fn from_country_code_prefix(digits: &str) -> Option<(Region, &str)> {
        [Region::SouthAfrica, Region::Zimbabwe]
            .into_iter()
            .find_map(|region| {
                digits
                    .strip_prefix(&region.country_code().to_string())
                    .map(|rest| (region, rest))
            })
    }
}

/// A client's jurisdiction is the default region for the numbers typed for it.
impl From<Jurisdiction> for Region {
    fn from(jurisdiction: Jurisdiction) -> Region {
        match jurisdiction {
            Jurisdiction::SouthAfrica => Region::SouthAfrica,
            Jurisdiction::Zimbabwe => Region::Zimbabwe,
        }
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a phone number was refused. Each message says what to change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error(
        "the phone number is empty; enter it with its area or mobile code, e.g. 082 123 4567 or +27 82 123 4567"
    )]
    Empty,
    #[error(
        "{0:?} cannot be part of a phone number: use digits, a leading + and, if you like, spaces, dashes, dots or brackets (put an extension in a field of its own)"
    )]
    InvalidCharacter(char),
    #[error(
        "a + may only stand at the start of the number, before the country code (e.g. +27 82 123 4567)"
    )]
    MisplacedPlus,
    #[error(
        "a {} number written without a country code starts with 0 (e.g. {}); for a number abroad, start with + and the country code",
        .0.adjective(),
        .0.example()
    )]
    MissingTrunkPrefix(Region),
    #[error(
        "this number has no country code: write it in international form, starting with + (e.g. +27 82 123 4567 or +263 77 123 4567)"
    )]
    MissingCountryCode,
    #[error(
        "the country code after + never starts with 0 (South Africa is +27, Zimbabwe +263): remove the extra 0"
    )]
    CountryCodeZero,
    #[error(
        "an international number has 8 to 15 digits after the + (country code included); this one has {0}"
    )]
    InternationalLength(usize),
    #[error(
        "a South African number has 9 digits after the 0 or +27 (e.g. 082 123 4567 or +27 82 123 4567); this one has {0}"
    )]
    SouthAfricanLength(usize),
    #[error(
        "a Zimbabwean mobile number has 9 digits after the 0 or +263 (e.g. 077 123 4567 or +263 77 123 4567); this one has {0}"
    )]
    ZimbabweanMobileLength(usize),
    #[error(
        "a Zimbabwean landline number has 5 to 10 digits after the 0 or +263, area code included (e.g. 0242 123456); this one has {0}"
    )]
    ZimbabweanLength(usize),
    #[error(
        "{number} is not in the {} numbering plan: no area code or mobile network starts with these digits; check them",
        .region.adjective()
    )]
    NotInNumberingPlan { region: Region, number: String },
    #[error(
        "{number} does not start with a country code in use: after the + comes the country code (e.g. +44 for the United Kingdom, +1 for the United States); check the first digits"
    )]
    UnknownCountryCode { number: String },
    /// A number of another country that libphonenumber's metadata does not hold valid.
    /// `number` is as typed, the country code apart (`+32 699102`); `place` says where
    /// (`in Belgium`, `in the United States or another country of +1`).
    #[error("{number} is not a valid number {place}: {problem}")]
    NotValidAbroad {
        number: String,
        place: String,
        problem: ForeignProblem,
    },
}

/// What is wrong with a number of another country, by its country's metadata. The lengths
/// are of the national significant number (the digits after the country code, without a
/// trunk prefix), as libphonenumber lists them (`possibleLengths`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForeignProblem {
    /// Fewer digits than any number there has (`TOO_SHORT`).
    TooShort { digits: usize, lengths: String },
    /// More digits than any number there has (`TOO_LONG`).
    TooLong { digits: usize, lengths: String },
    /// A length between theirs that no number there has (`INVALID_LENGTH`).
    WrongLength { digits: usize, lengths: String },
    /// A possible length, but no range of the plan (fixed, mobile, toll-free, ...) matches.
    NotInPlan,
}

impl fmt::Display for ForeignProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForeignProblem::TooShort { digits, lengths } => write!(
                f,
                "too short; numbers there have {lengths} digits after the country code, this one has {digits}"
            ),
            ForeignProblem::TooLong { digits, lengths } => write!(
                f,
                "too long; numbers there have {lengths} digits after the country code, this one has {digits}"
            ),
            ForeignProblem::WrongLength { digits, lengths } => write!(
                f,
                "numbers there have {lengths} digits after the country code, not {digits}; check for a digit missing or too many"
            ),
            ForeignProblem::NotInPlan => f.write_str(
                "no area code or mobile network there starts with these digits; check them",
            ),
        }
    }
}

/// `[8, 9]` as "8 or 9", `[5, 6, 7]` as "5 to 7", `[6, 8, 10]` as "6, 8 or 10".
fn lengths_text(lengths: &[u16]) -> String {
    match lengths {
        [] => String::new(),
        [one] => one.to_string(),
        [first, .., last]
            if usize::from(last - first) + 1 == lengths.len() && lengths.len() > 2 =>
        {
            format!("{first} to {last}")
        }
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(u16::to_string).collect();
            format!("{} or {last}", init.join(", "))
        }
    }
}

/// The shortest and longest E.164 numbers we accept, in digits after the `+`. E.164 allows at
/// most 15; the shortest real numbers with their country code have 8.
const E164_DIGITS: std::ops::RangeInclusive<usize> = 8..=15;

/// A phone number in E.164 form, e.g. `+27821234567`.
///
/// Serialised as that string. Deserialising parses with no default region, so stored values
/// must be in international form (which every serialised value is).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    e164: String,
    region: Option<Region>,
    national: String,
}

impl PhoneNumber {
    /// Parses `text` as typed by a person: international (`+27 82 123 4567`, `0027 …`,
    /// `+263 …`, `00263 …`), or national with the trunk prefix 0 in `default_region`
    /// (`082 123 4567`). Spaces, dashes, dots and brackets are ignored, and so is a `(0)` after
    /// the country code (`+27 (0)82 …`).
    pub fn parse(text: &str, default_region: Region) -> Result<PhoneNumber, PhoneError> {
        parse_phone(text, Some(default_region))
    }

    /// Parses a number that must carry its country code (`+…` or `00…`).
    pub fn parse_international(text: &str) -> Result<PhoneNumber, PhoneError> {
        parse_phone(text, None)
    }

    /// `+` and the digits, e.g. `+27821234567`.
    pub fn as_e164(&self) -> &str {
        &self.e164
    }

    /// South Africa or Zimbabwe; None for a number of another country.
    pub fn region(&self) -> Option<Region> {
        self.region
    }

    /// The number as dialled inside its country, grouped as libphonenumber groups it
    /// (`082 123 4567`, `020 7946 0958`).
    pub fn national(&self) -> String {
        self.national.clone()
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;

    /// International form only: a bare string carries no region to assume.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse_international(s)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.e164)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PhoneNumber::parse_international(&text).map_err(serde::de::Error::custom)
    }
}

/// Whether `digits` is a country calling code libphonenumber knows. Calling codes are
/// prefix-free, so at most one prefix of a number is one.
fn is_country_code(digits: &str) -> bool {
    (1..=3).contains(&digits.len())
        && digits
            .parse::<u16>()
            .is_ok_and(|code| phonenumber::metadata::DATABASE.by_code(&code).is_some())
}

/// Formatting people put between digits.
fn is_noise(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '.' | '(' | ')' | '[' | ']'
        )
}

fn parse_phone(text: &str, default_region: Option<Region>) -> Result<PhoneNumber, PhoneError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    let (plus, mut digits) = scan(text)?;
    let international = plus || digits.starts_with("00");
    if international && let Some(at) = text.find("(0)") {
        // "+27 (0)82 …", "+44 (0)20 …": a bracketed trunk prefix right after the country
        // code is not dialled from abroad. (A bare "+27 082 …" is handled per country below:
        // a national number there never starts with 0.)
        let (_, before) = scan(&text[..at])?;
        let code = if plus {
            &before[..]
        } else {
            before.get(2..).unwrap_or("")
        };
        if is_country_code(code) {
            digits = scan(&text.replacen("(0)", "", 1))?.1;
        }
    }
    if international {
        let digits = if plus { &digits[..] } else { &digits[2..] };
        return international_number(digits);
    }
    match (default_region, digits.strip_prefix('0')) {
        (None, _) => Err(PhoneError::MissingCountryCode),
        (Some(region), Some(nsn)) => national_number(region, nsn),
        (Some(region), None) => Err(PhoneError::MissingTrunkPrefix(region)),
    }
}

/// Whether `text` starts with `+`, and its digits; refuses anything but digits, one leading
/// `+` and formatting noise.
fn scan(text: &str) -> Result<(bool, String), PhoneError> {
    let mut plus = false;
    let mut digits = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if !plus && digits.is_empty() => plus = true,
            '+' => return Err(PhoneError::MisplacedPlus),
            c if is_noise(c) => {}
            c => return Err(PhoneError::InvalidCharacter(c)),
        }
    }
    Ok((plus, digits))
}

fn international_number(digits: &str) -> Result<PhoneNumber, PhoneError> {
    if digits.starts_with('0') {
        return Err(PhoneError::CountryCodeZero);
    }
    match Region::from_country_code_prefix(digits) {
        Some((region, nsn)) => {
            // "+27 082 …": a trunk 0 written after the country code is a common slip.
            let nsn = nsn.strip_prefix('0').unwrap_or(nsn);
            national_number(region, nsn)
        }
        None => {
            if !E164_DIGITS.contains(&digits.len()) {
                return Err(PhoneError::InternationalLength(digits.len()));
            }
            foreign_number(digits)
        }
    }
}

/// A number of another country (`digits` after the `+`): valid only if libphonenumber's
/// metadata holds it valid for its region; stored as libphonenumber writes it in E.164 (so a
/// trunk prefix typed after the country code, `+44 020 …`, is dropped as it would be when
/// dialled from abroad).
fn foreign_number(digits: &str) -> Result<PhoneNumber, PhoneError> {
    let Some(code_len) = (1..=3).find(|n| digits.get(..*n).is_some_and(is_country_code)) else {
        return Err(PhoneError::UnknownCountryCode {
            number: format!("+{digits}"),
        });
    };
    let (code_digits, typed_nsn) = digits.split_at(code_len);
    let code: u16 = code_digits.parse().unwrap_or_default();
    let candidates = DATABASE.by_code(&code).unwrap_or_default();
    let parsed = phonenumber::parse(None, format!("+{digits}")).ok();
    // The national significant number as libphonenumber reads it (a trunk prefix dropped, an
    // Italian leading zero kept); the typed digits if it could not read one.
    let nsn = parsed.as_ref().map_or_else(
        || typed_nsn.to_owned(),
        |n| {
            let zeros = "0".repeat(n.national().zeros().into());
            format!("{zeros}{}", n.national().value())
        },
    );
    let chosen = plan::region_of(&candidates, &nsn);
    if let (Some(number), Some(meta)) = (&parsed, chosen)
        && plan::is_valid(meta, &nsn)
    {
        return Ok(PhoneNumber {
            e164: number.format().mode(Mode::E164).to_string(),
            region: None,
            national: number.format().mode(Mode::National).to_string(),
        });
    }
    // The crate strips what looks like a trunk prefix even from a number that is valid as
    // typed (+370 800…: Lithuania's trunk prefix is 8); libphonenumber keeps a valid number
    // whole. So the digits as typed, when they are valid.
    if nsn != typed_nsn
        && let Some(meta) = plan::region_of(&candidates, typed_nsn)
        && plan::is_valid(meta, typed_nsn)
    {
        return Ok(PhoneNumber {
            e164: format!("+{digits}"),
            region: None,
            national: format!("+{code_digits} {typed_nsn}"),
        });
    }
    // Where several countries share the code and none claims the digits, the code's main
    // country (listed first) says what the lengths are.
    let Some(meta) = chosen.or_else(|| candidates.first().copied()) else {
        return Err(PhoneError::UnknownCountryCode {
            number: format!("+{digits}"),
        });
    };
    let place = match countries::name(meta.id()) {
        _ if meta.id() == "001" => format!("of the international +{code} service"),
        Some(name) if chosen.is_some() || candidates.len() == 1 => format!("in {name}"),
        Some(name) => format!("in {name} or another country of +{code}"),
        None => format!("for the country code +{code}"),
    };
    let possible = plan::lengths(meta);
    let len = nsn.len();
    let lengths = lengths_text(&possible);
    let problem = match (possible.first(), possible.last()) {
        (Some(min), _) if len < usize::from(*min) => ForeignProblem::TooShort {
            digits: len,
            lengths,
        },
        (_, Some(max)) if len > usize::from(*max) => ForeignProblem::TooLong {
            digits: len,
            lengths,
        },
        _ if !possible.iter().any(|l| usize::from(*l) == len) => ForeignProblem::WrongLength {
            digits: len,
            lengths,
        },
        _ => ForeignProblem::NotInPlan,
    };
    Err(PhoneError::NotValidAbroad {
        number: format!("+{code_digits} {typed_nsn}"),
        place,
        problem,
    })
}

/// Checks the national significant number `nsn` (after the trunk 0 or the country code) of
/// `region`: its length first, for a message that says what is wrong, then libphonenumber's
/// metadata for the ranges actually in use.
fn national_number(region: Region, nsn: &str) -> Result<PhoneNumber, PhoneError> {
    let len = nsn.len();
    match region {
        // ICASA numbering plan as carried by libphonenumber: 0 + 9 digits.
        Region::SouthAfrica if len != 9 => return Err(PhoneError::SouthAfricanLength(len)),
        // libphonenumber's ZW metadata: mobiles 7x + 7 digits; fixed lines 5 to 10 digits.
        Region::Zimbabwe if nsn.starts_with('7') && len != 9 => {
            return Err(PhoneError::ZimbabweanMobileLength(len));
        }
        Region::Zimbabwe if !(5..=10).contains(&len) => {
            return Err(PhoneError::ZimbabweanLength(len));
        }
        _ => {}
    }
    let e164 = format!("+{}{nsn}", region.country_code());
    let not_in_plan = || PhoneError::NotInNumberingPlan {
        region,
        number: e164.clone(),
    };
    let number =
        phonenumber::parse(Some(region.metadata_id()), &e164).map_err(|_| not_in_plan())?;
    let same_number = number.code().value() == region.country_code()
        && number.national().zeros() == 0
        && number.national().value().to_string() == nsn;
    let valid = DATABASE
        .by_id(region.metadata_id().as_ref())
        .is_some_and(|meta| plan::is_valid(meta, nsn));
    if !same_number || !valid {
        return Err(not_in_plan());
    }
    Ok(PhoneNumber {
        national: number.format().mode(Mode::National).to_string(),
        e164,
        region: Some(region),
    })
}

/// Why an email address was refused. Each message says what to change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("the email address is empty; enter one such as thandi@example.co.za")]
    Empty,
    #[error(
        "the email address is {0} characters long; at most 254 fit in an email's To: line, so check it was not pasted twice"
    )]
    TooLong(usize),
    #[error(
        "write only the address, without a name or angle brackets: thandi@example.co.za rather than Thandi Nkosi <thandi@example.co.za>"
    )]
    DisplayName,
    #[error(
        "an email address needs an @ between the name and the domain, e.g. thandi@example.co.za"
    )]
    MissingAt,
    #[error("there is nothing before the @; enter the whole address, e.g. thandi@example.co.za")]
    EmptyLocalPart,
    #[error(
        "the part before the @ is longer than the 64 characters an address may have there; check for a typo"
    )]
    LocalPartTooLong,
    #[error("there is no domain after the @; enter the whole address, e.g. thandi@example.co.za")]
    EmptyDomain,
    #[error(
        "the domain {0:?} has no dot: an address that reaches a person has a domain such as example.co.za or gmail.com; check for a typo"
    )]
    DomainWithoutDot(String),
    #[error(
        "the domain {0:?} has an empty part (two dots together, or a dot at the start or end); check for a typo"
    )]
    EmptyDomainPart(String),
    #[error("the domain {0:?} is too long for an internet domain name; check for a typo")]
    DomainTooLong(String),
    #[error(
        "an IP address in brackets is not accepted as the domain; use the domain name, e.g. thandi@example.co.za"
    )]
    DomainLiteral,
    #[error(
        "the email address contains a character that is not allowed (spaces, commas and most symbols are not); check for a typo"
    )]
    InvalidCharacter,
}

/// The longest address that fits a forward or reverse path (RFC 5321 with erratum 1690).
const EMAIL_MAX_LEN: usize = 254;

/// An email address, trimmed, with its domain lower-cased. The local part is kept as typed:
/// RFC 5321 lets a mail server treat it case-sensitively, so changing it could change the
/// mailbox. Case-insensitive uniqueness is a matter for the store (citext).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses one address (no display name, no IP-literal domain; the domain needs a dot,
    /// since agencies write to real people, not to `localhost`).
    pub fn parse(text: &str) -> Result<EmailAddress, EmailError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.contains(['<', '>']) {
            return Err(EmailError::DisplayName);
        }
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(EmailError::MissingAt);
        };
        let normalised = format!("{local}@{}", domain.to_lowercase());
        let len = normalised.chars().count();
        if len > EMAIL_MAX_LEN {
            return Err(EmailError::TooLong(len));
        }
        let options = email_address::Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
        };
        email_address::EmailAddress::parse_with_options(&normalised, options).map_err(|error| {
            use email_address::Error as E;
            let domain = domain.to_lowercase();
            match error {
                E::MissingSeparator => EmailError::MissingAt,
                E::LocalPartEmpty => EmailError::EmptyLocalPart,
                E::LocalPartTooLong => EmailError::LocalPartTooLong,
                E::DomainEmpty => EmailError::EmptyDomain,
                E::DomainTooFew => EmailError::DomainWithoutDot(domain),
                E::SubDomainEmpty | E::DomainInvalidSeparator => {
                    EmailError::EmptyDomainPart(domain)
                }
                E::DomainTooLong | E::SubDomainTooLong => EmailError::DomainTooLong(domain),
                E::UnsupportedDomainLiteral | E::InvalidIPAddress => EmailError::DomainLiteral,
                E::UnsupportedDisplayName | E::MissingDisplayName | E::MissingEndBracket => {
                    EmailError::DisplayName
                }
                E::InvalidCharacter | E::UnbalancedQuotes | E::InvalidComment => {
                    EmailError::InvalidCharacter
                }
            }
        })?;
        Ok(EmailAddress(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the last `@`, as typed.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }

    /// The domain, lower-case.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for EmailAddress {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(s)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        EmailAddress::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn za(text: &str) -> Result<PhoneNumber, PhoneError> {
        PhoneNumber::parse(text, Region::SouthAfrica)
    }

    fn zw(text: &str) -> Result<PhoneNumber, PhoneError> {
        PhoneNumber::parse(text, Region::Zimbabwe)
    }

    #[test]
    fn south_african_numbers_in_every_common_spelling() {
        for text in [
            "082 123 4567",
            "0821234567",
            "082-123-4567",
            "(082) 123 4567",
            "082.123.4567",
            "+27 82 123 4567",
            "+27821234567",
            "0027 82 123 4567",
            "+27 (0)82 123 4567",
            "+27 082 123 4567",
            "  082\u{a0}123 4567 ",
        ] {
            let number = za(text).unwrap();
            assert_eq!(number.as_e164(), "+27821234567", "{text:?}");
            assert_eq!(number.region(), Some(Region::SouthAfrica), "{text:?}");
            assert_eq!(number.national(), "082 123 4567", "{text:?}");
        }
        // A Johannesburg landline, and the international form with a Zimbabwean default.
        assert_eq!(za("011 123 4567").unwrap().as_e164(), "+27111234567");
        assert_eq!(zw("+27 21 123 4567").unwrap().as_e164(), "+27211234567");
    }

    #[test]
    fn zimbabwean_numbers() {
        let mobile = zw("077 123 4567").unwrap();
        assert_eq!(mobile.as_e164(), "+263771234567");
        assert_eq!(mobile.region(), Some(Region::Zimbabwe));
        assert_eq!(mobile.national(), "077 123 4567");
        assert_eq!(za("00263 77 123 4567").unwrap(), mobile);
        assert_eq!(za("+263 71 234 5678").unwrap().as_e164(), "+263712345678");
        // A Harare landline on the renumbered 242 range.
        let landline = za("+263 242 123456").unwrap();
        assert_eq!(landline.as_e164(), "+263242123456");
        assert_eq!(zw(&landline.national()).unwrap(), landline);
    }

    #[test]
    fn other_countries_are_kept_in_e164_without_a_region() {
        let london = za("+44 20 7946 0958").unwrap();
        assert_eq!(london.as_e164(), "+442079460958");
        assert_eq!(london.region(), None);
        assert_eq!(london.national(), "020 7946 0958");
        assert_eq!(za("+44 (0)20 7946 0958").unwrap(), london);
        // A country code not in use is refused (before, the E.164 shape was enough).
        assert_eq!(
            za("+999 1234 5678"),
            Err(PhoneError::UnknownCountryCode {
                number: "+99912345678".into()
            })
        );
        assert_eq!(za("+1234567"), Err(PhoneError::InternationalLength(7)));
        assert_eq!(
            za("+1 234 567 890 123 456"),
            Err(PhoneError::InternationalLength(16))
        );
        assert_eq!(za("+0 82 123 4567"), Err(PhoneError::CountryCodeZero));
    }

    #[test]
    fn foreign_numbers_must_be_valid_in_their_country() {
        // The portal issue's example: Belgian numbers have 8 or 9 digits after +32.
        let err = za("+32699102").unwrap_err();
        assert_eq!(
            err.to_string(),
            "+32 699102 is not a valid number in Belgium: too short; numbers there have 8 or 9 digits after the country code, this one has 6"
        );
        assert_eq!(
            za("+32 471 12 34 56").unwrap().as_e164(),
            "+32471123456",
            "a Belgian mobile"
        );
        assert!(matches!(
            za("+44 20 7946 09581"),
            Err(PhoneError::NotValidAbroad {
                problem: ForeignProblem::TooLong { digits: 11, .. },
                ..
            })
        ));
        // A digit too many after a valid Algerian fixed line (the crate's own is_valid
        // accepts it: it matches the range at the start of the number only).
        let err = za("+213 243055488").unwrap_err();
        assert_eq!(
            err,
            PhoneError::NotValidAbroad {
                number: "+213 243055488".into(),
                place: "in Algeria".into(),
                problem: ForeignProblem::NotInPlan,
            }
        );
        assert!(
            err.to_string()
                .contains("no area code or mobile network there starts with these digits"),
            "{err}"
        );
        // Shared codes name the country the digits belong to, or the main one and the rest.
        assert!(
            za("+1 202 555 01").unwrap_err().to_string().starts_with(
                "+1 20255501 is not a valid number in the United States or another country of +1: too short"
            ),
            "{}",
            za("+1 202 555 01").unwrap_err()
        );
        assert_eq!(za("+1 416 555 0199").unwrap().as_e164(), "+14165550199");
        assert_eq!(za("+1 204 234 5678").unwrap().national(), "(204) 234-5678");
        // A trunk prefix typed after the country code is dropped, as dialled from abroad.
        assert_eq!(za("+44 020 7946 0958").unwrap().as_e164(), "+442079460958");
        assert_eq!(lengths_text(&[8, 9]), "8 or 9");
        assert_eq!(lengths_text(&[5, 6, 7]), "5 to 7");
        assert_eq!(lengths_text(&[6, 8, 10]), "6, 8 or 10");
        assert_eq!(lengths_text(&[9]), "9");
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        assert_eq!(za(""), Err(PhoneError::Empty));
        assert_eq!(za("  "), Err(PhoneError::Empty));
        let short = za("082 123 456").unwrap_err();
        assert_eq!(short, PhoneError::SouthAfricanLength(8));
        assert_eq!(
            short.to_string(),
            "a South African number has 9 digits after the 0 or +27 (e.g. 082 123 4567 or +27 82 123 4567); this one has 8"
        );
        assert_eq!(
            za("+27 82 123 45678"),
            Err(PhoneError::SouthAfricanLength(10))
        );
        assert_eq!(
            zw("077 123 456"),
            Err(PhoneError::ZimbabweanMobileLength(8))
        );
        assert_eq!(zw("0123"), Err(PhoneError::ZimbabweanLength(3)));
        assert_eq!(
            za("82 123 4567"),
            Err(PhoneError::MissingTrunkPrefix(Region::SouthAfrica))
        );
        assert_eq!(
            za("082 123 4567 ext 5"),
            Err(PhoneError::InvalidCharacter('e'))
        );
        assert_eq!(
            za("tel:+27821234567"),
            Err(PhoneError::InvalidCharacter('t'))
        );
        assert_eq!(za("082+1234567"), Err(PhoneError::MisplacedPlus));
        assert_eq!(za("++27821234567"), Err(PhoneError::MisplacedPlus));
        // 9 digits, but no South African range starts with 020 or 099.
        assert!(za("099 123 4567").is_err());
        let err = za("020 123 4567").unwrap_err();
        assert_eq!(
            err,
            PhoneError::NotInNumberingPlan {
                region: Region::SouthAfrica,
                number: "+27201234567".into()
            }
        );
        assert!(
            err.to_string().contains("South African numbering plan"),
            "{err}"
        );
        assert_eq!(
            PhoneNumber::parse_international("082 123 4567"),
            Err(PhoneError::MissingCountryCode)
        );
    }

    #[test]
    fn serde_is_the_e164_string_and_needs_the_country_code() {
        let number = za("082 123 4567").unwrap();
        let json = serde_json::to_string(&number).unwrap();
        assert_eq!(json, "\"+27821234567\"");
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), number);
        assert!(serde_json::from_str::<PhoneNumber>("\"082 123 4567\"").is_err());
        assert_eq!(number.to_string(), "+27821234567");
        assert_eq!("+27821234567".parse::<PhoneNumber>().unwrap(), number);
        assert_eq!(serde_json::to_string(&Region::Zimbabwe).unwrap(), "\"ZW\"");
        assert_eq!(Region::from(Jurisdiction::Zimbabwe), Region::Zimbabwe);
        assert_eq!("ZA".parse::<Region>().unwrap(), Region::SouthAfrica);
    }

    #[test]
    fn emails_are_trimmed_and_their_domain_lower_cased() {
        let email = EmailAddress::parse("  Thandi.Nkosi@Example.CO.ZA ").unwrap();
        assert_eq!(email.as_str(), "Thandi.Nkosi@example.co.za");
        assert_eq!(email.local_part(), "Thandi.Nkosi");
        assert_eq!(email.domain(), "example.co.za");
        let json = serde_json::to_string(&email).unwrap();
        assert_eq!(json, "\"Thandi.Nkosi@example.co.za\"");
        assert_eq!(serde_json::from_str::<EmailAddress>(&json).unwrap(), email);
        assert!(serde_json::from_str::<EmailAddress>("\"thandi@localhost\"").is_err());
        assert!(EmailAddress::parse("first.last+tag@sub.example.com").is_ok());
    }

    #[test]
    fn email_refusals_say_what_is_wrong() {
        use EmailError as E;
        for (text, expected) in [
            ("", E::Empty),
            ("Thandi <thandi@example.co.za>", E::DisplayName),
            ("<thandi@example.co.za>", E::DisplayName),
            ("thandi.example.co.za", E::MissingAt),
            ("@example.co.za", E::EmptyLocalPart),
            ("thandi@", E::EmptyDomain),
            ("thandi@localhost", E::DomainWithoutDot("localhost".into())),
            (
                "thandi@Example..co.za",
                E::EmptyDomainPart("example..co.za".into()),
            ),
            ("thandi@[127.0.0.1]", E::DomainLiteral),
            ("thandi nkosi@example.co.za", E::InvalidCharacter),
            ("thandi@exa mple.co.za", E::InvalidCharacter),
        ] {
            assert_eq!(EmailAddress::parse(text), Err(expected), "{text:?}");
        }
        let long = format!(
            "{}@{}.co.za",
            "a".repeat(64),
            "b".repeat(63) + "." + &"c".repeat(63) + "." + &"d".repeat(60)
        );
        assert_eq!(EmailAddress::parse(&long), Err(E::TooLong(long.len())));
        assert!(
            E::DomainWithoutDot("localhost".into())
                .to_string()
                .contains("no dot")
        );
    }

    /// A 9-digit South African national number from ranges libphonenumber lists as mobile
    /// (6x, 7x, 81–84) or fixed line (10–18, 21–23, 27, 28, 31–36, 39, 4x, 51, 53, 54, 56–58).
    fn za_national() -> impl Strategy<Value = String> {
        let prefixes = prop::sample::select(vec![
            "60", "61", "72", "76", "79", "81", "82", "83", "84", "10", "11", "12", "18", "21",
            "23", "27", "28", "31", "39", "41", "46", "51", "53", "58",
        ]);
        (prefixes, 0u32..10_000_000).prop_map(|(p, rest)| format!("{p}{rest:07}"))
    }

    /// Spaces, dashes, dots or brackets put between any digits.
    fn noisy(digits: &str, seps: &[usize]) -> String {
        const NOISE: [&str; 6] = [" ", "-", ".", "(", ")", "  "];
        digits
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let sep = seps
                    .get(i)
                    .map_or("", |s| if *s < NOISE.len() { NOISE[*s] } else { "" });
                format!("{c}{sep}")
            })
            .collect()
    }

    proptest! {
        /// national → E.164 → parse again gives the same number, in both spellings.
        #[test]
        fn za_numbers_round_trip(nsn in za_national()) {
            let number = za(&format!("0{nsn}")).unwrap();
            prop_assert_eq!(number.as_e164(), format!("+27{nsn}"));
            prop_assert_eq!(&za(&number.national()).unwrap(), &number);
            prop_assert_eq!(&PhoneNumber::parse_international(number.as_e164()).unwrap(), &number);
            prop_assert_eq!(&zw(number.as_e164()).unwrap(), &number);
            let json = serde_json::to_string(&number).unwrap();
            prop_assert_eq!(&serde_json::from_str::<PhoneNumber>(&json).unwrap(), &number);
        }

        /// Formatting noise between the digits never changes the number.
        #[test]
        fn noise_does_not_change_the_number(nsn in za_national(), seps in prop::collection::vec(0usize..12, 10)) {
            let plain = za(&format!("0{nsn}")).unwrap();
            prop_assert_eq!(&za(&noisy(&format!("0{nsn}"), &seps)).unwrap(), &plain);
            prop_assert_eq!(&za(&format!("+27 {}", noisy(&nsn, &seps))).unwrap(), &plain);
        }

        /// Zimbabwean mobiles (71, 72, 77, 78, 731–739) round-trip too.
        #[test]
        fn zw_mobiles_round_trip(prefix in prop::sample::select(vec!["71", "72", "77", "78", "73"]), rest in 1_000_000u32..10_000_000) {
            let nsn = format!("{prefix}{rest:07}");
            let number = zw(&format!("0{nsn}")).unwrap();
            prop_assert_eq!(number.as_e164(), format!("+263{nsn}"));
            prop_assert_eq!(&zw(&number.national()).unwrap(), &number);
            prop_assert_eq!(&za(number.as_e164()).unwrap(), &number);
        }

        /// Whatever is typed, parsing returns a value or an error; it never panics, and a
        /// number it accepts is in E.164 shape.
        #[test]
        fn arbitrary_text_never_panics(text in "[+0-9 ()a-z.-]{0,24}") {
            if let Ok(number) = za(&text) {
                let digits = &number.as_e164()[1..];
                prop_assert!(number.as_e164().starts_with('+'));
                prop_assert!(E164_DIGITS.contains(&digits.len()));
                prop_assert!(digits.chars().all(|c| c.is_ascii_digit()));
            }
            let _ = EmailAddress::parse(&text);
        }

        /// Trimming and domain case never change what an address is.
        #[test]
        fn email_normalisation_is_idempotent(local in "[a-zA-Z0-9._%+-]{1,20}", domain in "[a-zA-Z0-9]{1,10}\\.[a-zA-Z]{2,6}") {
            prop_assume!(!local.starts_with('.') && !local.ends_with('.') && !local.contains(".."));
            let typed = format!("  {local}@{domain} ");
            let email = EmailAddress::parse(&typed).unwrap();
            prop_assert_eq!(email.local_part(), local.as_str());
            prop_assert_eq!(email.domain(), domain.to_lowercase());
            prop_assert_eq!(&EmailAddress::parse(email.as_str()).unwrap(), &email);
            prop_assert_eq!(&EmailAddress::parse(&format!("{local}@{}", domain.to_uppercase())).unwrap(), &email);
        }
    }
}
