//! libphonenumber's validity rule, applied to the metadata the `phonenumber` crate bundles.
//!
//! Not `phonenumber::is_valid`: that crate matches a range's pattern at the start of the
//! number only (`find` at offset 0), so a number with a digit too many passes whenever its
//! first digits are a valid number (`+213 243055488`, one digit longer than Algeria's fixed
//! lines: found by the comparison with the Python port in `tests/phone_oracle.rs`). Here, as
//! in libphonenumber (`isNumberMatchingDesc`), a range matches when it lists the number's
//! length and its pattern matches the *whole* number. The crate also leaves the general
//! description's lengths empty (libphonenumber's build computes them as the union of the
//! types'); [`lengths`] computes them.

use phonenumber::metadata::{Descriptor, Metadata};
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// The metadata's patterns anchored at both ends, compiled once each.
static ANCHORED: LazyLock<Mutex<HashMap<String, Option<Regex>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Whether `pattern` (libphonenumber's, with layout whitespace) matches all of `digits`.
fn full_match(pattern: &str, digits: &str) -> bool {
    let mut cache = ANCHORED.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry(pattern.to_owned())
        .or_insert_with(|| {
            RegexBuilder::new(&format!("^(?:{pattern})$"))
                .ignore_whitespace(true)
                .build()
                .ok()
        })
        .as_ref()
        .is_some_and(|re| re.is_match(digits))
}

/// libphonenumber's `isNumberMatchingDesc`.
fn matches(desc: &Descriptor, nsn: &str) -> bool {
    let lengths = desc.possible_length();
    (lengths.is_empty() || lengths.iter().any(|l| usize::from(*l) == nsn.len()))
        && full_match(desc.national_number().as_str(), nsn)
}

/// The ranges of a plan other than the general description.
fn types(meta: &Metadata) -> impl Iterator<Item = &Descriptor> {
    let d = meta.descriptors();
    [
        d.premium_rate(),
        d.toll_free(),
        d.shared_cost(),
        d.voip(),
        d.personal_number(),
        d.pager(),
        d.uan(),
        d.voicemail(),
        d.fixed_line(),
        d.mobile(),
    ]
    .into_iter()
    .flatten()
}

/// libphonenumber's `isValidNumberForRegion`: the general pattern and one type's range.
pub(super) fn is_valid(meta: &Metadata, nsn: &str) -> bool {
    matches(meta.descriptors().general(), nsn) && types(meta).any(|d| matches(d, nsn))
}

/// libphonenumber's `getRegionCodeForNumberFromRegionList`: of the regions sharing a country
/// code (main country first), the first whose leading digits start the number or, lacking
/// those, for which it is valid; the only one if the code is one region's.
pub(super) fn region_of<'a>(candidates: &[&'a Metadata], nsn: &str) -> Option<&'a Metadata> {
    if let [only] = candidates {
        return Some(*only);
    }
    candidates
        .iter()
        .copied()
        .find(|meta| match meta.leading_digits() {
            Some(leading) => leading.find(nsn).is_some_and(|m| m.start() == 0),
            None => is_valid(meta, nsn),
        })
}

/// The lengths of the national numbers of a plan, shortest first: the general description's,
/// or the union of its types' where the crate left those empty.
pub(super) fn lengths(meta: &Metadata) -> Vec<u16> {
    let general = meta.descriptors().general().possible_length();
    let mut all: Vec<u16> = if general.is_empty() {
        types(meta)
            .flat_map(|d| d.possible_length().iter().copied())
            .collect()
    } else {
        general.to_vec()
    };
    all.sort_unstable();
    all.dedup();
    all
}
