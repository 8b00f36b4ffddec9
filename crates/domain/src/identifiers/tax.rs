//! SARS numbers (FACTS.md section 3).

use super::{digits, luhn};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TaxNumberError {
    #[error("a {0} is 10 digits")]
    Shape(&'static str),
    #[error("an income-tax reference starts with 0, 1, 2, 3 or 9, not {0}")]
    FirstDigit(u8),
    #[error("a VAT number starts with 4, not {0}")]
    VatFirstDigit(u8),
    #[error("the check digit is wrong (Luhn): a digit was mistyped")]
    Checksum,
}

fn text_of(d: &[u8]) -> String {
    d.iter().map(|x| char::from(b'0' + x)).collect()
}

/// A SARS income-tax reference number: 10 digits, first in {0,1,2,3,9}, Luhn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomeTaxReference(String);

impl IncomeTaxReference {
    pub fn parse(text: &str) -> Result<IncomeTaxReference, TaxNumberError> {
        let d = digits(text, 10).ok_or(TaxNumberError::Shape("income-tax reference"))?;
        if !matches!(d[0], 0 | 1 | 2 | 3 | 9) {
            return Err(TaxNumberError::FirstDigit(d[0]));
        }
        if !luhn::is_valid(&d) {
            return Err(TaxNumberError::Checksum);
        }
        Ok(IncomeTaxReference(text_of(&d)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SARS VAT number: 10 digits starting with 4. SARS does not publish its check digit, so
/// a Luhn failure is a warning, not a refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VatNumber {
    digits: String,
    luhn_ok: bool,
}

impl VatNumber {
    pub fn parse(text: &str) -> Result<VatNumber, TaxNumberError> {
        let d = digits(text, 10).ok_or(TaxNumberError::Shape("VAT number"))?;
        if d[0] != 4 {
            return Err(TaxNumberError::VatFirstDigit(d[0]));
        }
        Ok(VatNumber {
            luhn_ok: luhn::is_valid(&d),
            digits: text_of(&d),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn warnings(&self) -> Vec<String> {
        if self.luhn_ok {
            Vec::new()
        } else {
            vec!["the last digit fails the Luhn check that community validators apply; SARS does not publish its check, so confirm the number with the vendor".into()]
        }
    }
}

impl fmt::Display for IncomeTaxReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for VatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn income_tax_vectors_of_facts_md() {
        for ok in ["0001339050", "0843089848", "9415005603", "9045478147"] {
            assert!(IncomeTaxReference::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            IncomeTaxReference::parse("2449494160"),
            Err(TaxNumberError::Checksum)
        );
        assert_eq!(
            IncomeTaxReference::parse("4001339050"),
            Err(TaxNumberError::FirstDigit(4))
        );
        assert!(matches!(
            IncomeTaxReference::parse("000133905"),
            Err(TaxNumberError::Shape(_))
        ));
    }

    #[test]
    fn vat_numbers_start_with_4_and_a_failed_check_only_warns() {
        let mut d: Vec<u8> = "412345678".bytes().map(|b| b - b'0').collect();
        d.push(luhn::check_digit(&d));
        let good = text_of(&d);
        assert!(VatNumber::parse(&good).unwrap().warnings().is_empty());
        let last = d[9];
        let off = format!("{}{}", &good[..9], (last + 1) % 10);
        let warned = VatNumber::parse(&off).unwrap();
        assert_eq!(warned.warnings().len(), 1);
        assert_eq!(
            VatNumber::parse("5123456789"),
            Err(TaxNumberError::VatFirstDigit(5))
        );
        assert!(VatNumber::parse("41234").is_err());
    }

    proptest! {
        #[test]
        fn a_reference_with_its_check_digit_passes_and_no_other(first in prop::sample::select(vec![0u8, 1, 2, 3, 9]), rest in proptest::collection::vec(0u8..10, 8), other in 0u8..10) {
            let mut d = vec![first];
            d.extend(rest);
            let z = luhn::check_digit(&d);
            d.push(z);
            prop_assert!(IncomeTaxReference::parse(&text_of(&d)).is_ok());
            if other != z {
                d[9] = other;
                prop_assert_eq!(IncomeTaxReference::parse(&text_of(&d)), Err(TaxNumberError::Checksum));
            }
        }
    }
}
