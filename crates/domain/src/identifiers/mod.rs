//! South African identifiers, each parsed once into a type that proves it is well formed
//! (`../shared/domain/FACTS.md` sections 1–3 are the source of every rule here).
//!
//! * [`SaIdNumber`]: date of birth, gender, citizenship, Luhn.
//! * [`IncomeTaxReference`]: SARS income-tax reference (first digit, Luhn).
//! * [`VatNumber`]: SARS VAT number (10 digits starting with 4; the check digit is not
//!   published by SARS, so a Luhn failure is only a warning).
//! * [`RegistrationNumber`]: CIPC `YYYY/NNNNNN/NN`, with the K/M/B/C enterprise prefix.
//! * [`CompanyName`]: allowed characters, paired brackets, the ending the company type needs,
//!   number-names with `(South Africa)`, `(RF)`; Zimbabwean `(Private) Limited` and PBC.
//!
//! A parse that succeeds may still carry warnings (facts that are not errors but deserve a
//! person's attention, such as an unmapped company-type suffix).

mod cipc;
mod company_name;
pub mod luhn;
mod sa_id;
mod tax;

pub use cipc::{CompanyType, EnterprisePrefix, RegistrationNumber, RegistrationNumberError};
pub use company_name::{CompanyName, CompanyNameError, SaCompanyKind, ZwEntityKind};
pub use sa_id::{Citizenship, Gender, SaIdError, SaIdNumber};
pub use tax::{IncomeTaxReference, TaxNumberError, VatNumber};

/// The digits of `text` when it is exactly `len` ASCII digits (spaces ignored), else None.
fn digits(text: &str, len: usize) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_digit(10).map(|d| d as u8))
        .collect::<Option<_>>()?;
    (digits.len() == len).then_some(digits)
}
