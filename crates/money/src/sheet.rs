//! CSV the way a spreadsheet opens it safely: one writer for the commission export and the
//! reports, and the guard on cells holding people's text.

use comply360_practice::PracticeError;
use comply360_store::StoreError;

/// A CSV document being written row by row.
pub(crate) struct Sheet(csv::Writer<Vec<u8>>);

fn failed(e: impl std::fmt::Display) -> PracticeError {
    PracticeError::Store(StoreError::Invalid(format!("csv: {e}")))
}

impl Sheet {
    /// A sheet whose first row is `header`.
    pub(crate) fn with_header<I, T>(header: I) -> Result<Sheet, PracticeError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut sheet = Sheet(csv::Writer::from_writer(Vec::new()));
        sheet.row(header)?;
        Ok(sheet)
    }

    pub(crate) fn row<I, T>(&mut self, cells: I) -> Result<(), PracticeError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.0.write_record(cells).map_err(failed)
    }

    pub(crate) fn finish(self) -> Result<Vec<u8>, PracticeError> {
        self.0.into_inner().map_err(failed)
    }
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading apostrophe (OWASP's CSV injection advice); people's text only, never numbers.
pub(crate) fn guard(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_plain_text_is_kept() {
        for risky in ["=1+1", "+27 82", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard(risky), format!("'{risky}"));
        }
        assert_eq!(guard("Ndlovu Holdings"), "Ndlovu Holdings");
        assert_eq!(guard(""), "");
    }

    #[test]
    fn a_sheet_quotes_what_needs_quoting() {
        let mut sheet = Sheet::with_header(["a", "b"]).unwrap();
        sheet.row(["x, y", "say \"hi\""]).unwrap();
        let text = String::from_utf8(sheet.finish().unwrap()).unwrap();
        assert_eq!(text, "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n");
    }
}
