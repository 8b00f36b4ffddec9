//! Reading the file: the header's columns (with common spellings), then each row into a
//! [`ClientInput`], or the problems by line and column. Nothing here asks the database.

use crate::clients::ClientInput;
use serde::Serialize;
use serde_json::{Map, Value};

/// The columns a file may have (any order, any subset with a name).
pub const COLUMNS: &[&str] = &[
    "kind",
    "display_name",
    "first_names",
    "surname",
    "email",
    "phone",
    "id_number",
    "passport_number",
    "passport_country",
    "registration_number",
    "tax_reference",
    "address_line1",
    "address_line2",
    "address_city",
    "address_postal_code",
    "address_province",
    "address_country",
    "notes",
    "external_ref",
    "agent_email",
];

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RowError {
    /// 1-based line of the file (the header is line 1).
    pub line: u64,
    /// The column, when the problem is one field's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

pub(super) struct Row {
    pub line: u64,
    pub input: ClientInput,
    pub agent_email: Option<String>,
}

/// Common spreadsheet spellings of our column names.
fn alias(name: &str) -> String {
    match name {
        "e_mail" | "email_address" => "email",
        "first_name" | "given_names" => "first_names",
        "last_name" | "family_name" => "surname",
        "mobile" | "cell" | "cellphone" | "phone_number" => "phone",
        "id" | "id_no" | "sa_id" => "id_number",
        other => other,
    }
    .to_owned()
}

/// The lines of the file as a person sees them in a text editor or spreadsheet, to name the
/// line a record starts on.
///
/// Not the csv crate's `Position::line()`: that counts `\n` bytes read so far when the
/// record is *started*, i.e. just after the previous record's terminator. With CRLF endings
/// the reader ends a record at the `\r` and reads its `\n` only with the next record, so
/// every record after the header was named one line too early; and blank lines skipped before
/// a record were not counted either. Here a line ends at `\r\n`, `\n` or a lone `\r` (the
/// three terminators the reader accepts), and a record's line is the one its first byte is on.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Byte offsets where lines 2, 3, … start.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let mut starts = Vec::new();
        for (i, b) in bytes.iter().enumerate() {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        Lines { bytes, starts }
    }

    /// The 1-based line of the record the reader started reading at `position`: the reader
    /// starts after the previous record's terminator, so the rest of a CRLF and any blank
    /// lines (which it skips) come first.
    fn of(&self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else {
            return 0;
        };
        let mut at = usize::try_from(position.byte()).unwrap_or(self.bytes.len());
        while matches!(self.bytes.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        let before = self.starts.partition_point(|start| *start <= at);
        u64::try_from(before).map_or(0, |n| n + 1)
    }
}

fn header_error(message: impl Into<String>) -> RowError {
    RowError {
        line: 1,
        column: None,
        message: message.into(),
    }
}

/// Reads the file into rows, or the problems that stop it being read at all.
pub(super) fn read(bytes: &[u8]) -> (Vec<Row>, Vec<RowError>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut errors = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return (
                Vec::new(),
                vec![header_error(format!("cannot read the header row: {e}"))],
            );
        }
    };
    let mut columns = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let Ok(name) = std::str::from_utf8(raw) else {
            errors.push(RowError {
                line: 1,
                column: Some(format!("#{}", i + 1)),
                message: "the header is not UTF-8 text; save the file as \"CSV UTF-8\"".into(),
            });
            continue;
        };
        let name = alias(&name.trim().to_lowercase().replace([' ', '-'], "_"));
        if !COLUMNS.contains(&name.as_str()) {
            errors.push(RowError {
                line: 1,
                column: Some(name.clone()),
                message: format!("unknown column; the columns are {}", COLUMNS.join(", ")),
            });
        } else if columns.contains(&name) {
            errors.push(RowError {
                line: 1,
                column: Some(name.clone()),
                message: "this column appears twice".into(),
            });
        }
        columns.push(name);
    }
    if header.is_empty() || bytes.is_empty() {
        return (
            Vec::new(),
            vec![header_error(
                "the file is empty; the first line must name the columns",
            )],
        );
    }
    if !columns
        .iter()
        .any(|c| c == "display_name" || c == "first_names" || c == "surname")
    {
        errors.push(header_error(
            "no name column: give display_name, or first_names and surname",
        ));
    }
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let mut rows = Vec::new();
    let lines = Lines::new(bytes);
    let unbalanced = bytes.iter().filter(|b| **b == b'"').count() % 2 == 1;
    let mut records = reader.byte_records().peekable();
    while let Some(record) = records.next() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = lines.of(e.position());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!(
                            "has {len} fields but the header has {expected_len}; check for a missing or extra comma, or a quote that is not closed"
                        )
                    }
                    _ => format!("cannot be read as CSV: {e}"),
                };
                errors.push(RowError {
                    line,
                    column: None,
                    message,
                });
                continue;
            }
        };
        let line = lines.of(record.position());
        let is_last = records.peek().is_none();
        let mut fields = Map::new();
        let mut agent_email = None;
        let mut ok = true;
        for (name, raw) in columns.iter().zip(record.iter()) {
            let Ok(text) = std::str::from_utf8(raw) else {
                errors.push(RowError {
                    line,
                    column: Some(name.clone()),
                    message:
                        "not UTF-8 text (the file may be in Windows-1252); save it as \"CSV UTF-8\""
                            .into(),
                });
                ok = false;
                continue;
            };
            // A quote opened and never closed swallows the rest of the file into one field
            // (and leaves the file with an odd number of quote characters).
            if is_last && unbalanced && text.contains('\n') {
                errors.push(RowError {
                    line,
                    column: Some(name.clone()),
                    message: "a quoted field is not closed (a \" without its closing \")".into(),
                });
                ok = false;
                continue;
            }
            if text.is_empty() {
                continue;
            }
            if name == "agent_email" {
                agent_email = Some(text.to_owned());
            } else if let Some(part) = name.strip_prefix("address_") {
                let address = fields
                    .entry("address")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(obj) = address.as_object_mut() {
                    obj.insert(part.to_owned(), Value::String(text.to_owned()));
                }
            } else {
                fields.insert(name.clone(), Value::String(text.to_owned()));
            }
        }
        if !ok {
            continue;
        }
        match serde_json::from_value::<ClientInput>(Value::Object(fields)) {
            Ok(input) => rows.push(Row {
                line,
                input,
                agent_email,
            }),
            Err(e) => errors.push(RowError {
                line,
                column: None,
                message: e.to_string(),
            }),
        }
    }
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The lines of `read`'s rows and errors, in file order.
    fn lines_of(bytes: &[u8]) -> (Vec<u64>, Vec<u64>) {
        let (rows, errors) = read(bytes);
        (
            rows.iter().map(|r| r.line).collect(),
            errors.iter().map(|e| e.line).collect(),
        )
    }

    #[test]
    fn lines_are_the_editors_with_lf_and_crlf_alike() {
        // Line 1 the header; 2 good; 3-4 one record (a note with a line break); 5 too few
        // fields; 6 blank; 7 good; 8-10 one record (two breaks); 11 too many fields.
        let lf = "display_name,notes\n\
                  Acme,fine\n\
                  \"Two Line\",\"first\nsecond\"\n\
                  Short\n\
                  \n\
                  Bravo,ok\n\
                  Three,\"a\nb\nc\"\n\
                  Long,x,y\n";
        let crlf = lf.replace('\n', "\r\n");
        let expected = (vec![2, 3, 7, 8], vec![5, 11]);
        assert_eq!(lines_of(lf.as_bytes()), expected, "LF");
        assert_eq!(lines_of(crlf.as_bytes()), expected, "CRLF");
        // Without a final line break, and with old Mac (CR) endings, the same.
        assert_eq!(
            lines_of(lf.trim_end().as_bytes()),
            expected,
            "no final break"
        );
        assert_eq!(lines_of(lf.replace('\n', "\r").as_bytes()), expected, "CR");
        // The message beside the line, as the CLI prints it.
        let (_, errors) = read(crlf.as_bytes());
        assert_eq!(
            errors[0].to_string(),
            "line 5: has 1 fields but the header has 2; check for a missing or extra comma, or a quote that is not closed"
        );
        // Mixed endings (a file edited on two machines) count each break once.
        let mixed = "display_name,notes\r\nA,x\nB\r\n\"C\",\"p\r\nq\"\nD\n";
        assert_eq!(lines_of(mixed.as_bytes()), (vec![2, 4], vec![3, 6]));
        // The UTF-8 byte order mark Excel writes changes nothing.
        let bom = [b"\xEF\xBB\xBF".as_slice(), crlf.as_bytes()].concat();
        assert_eq!(lines_of(&bom), expected, "BOM + CRLF");
    }

    #[test]
    fn an_unclosed_quote_is_named_by_the_line_it_opens_on_with_crlf() {
        let (_, errors) = read(b"display_name,notes\r\nA,x\r\nB,\"never closed\r\nC,x\r\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 3, "{}", errors[0]);
        assert!(errors[0].message.contains("not closed"), "{}", errors[0]);
    }

    /// One record of a generated file: its name, its note's lines (more than one is a quoted
    /// field with line breaks), and whether it has a field too many.
    fn record() -> impl Strategy<Value = (u8, bool, usize)> {
        (0u8..26, any::<bool>(), 1usize..4)
    }

    proptest! {
        /// Any file, written with LF, CRLF or CR endings and with blank lines between records:
        /// each row and each error is on the line where its record starts.
        #[test]
        fn every_record_is_named_by_its_first_line(
            records in prop::collection::vec((record(), any::<bool>()), 1..12),
            ending in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        ) {
            let mut text = format!("display_name,notes{ending}");
            let mut line = 2u64;
            let (mut rows, mut errors) = (Vec::new(), Vec::new());
            for ((name, extra, note_lines), blank_before) in &records {
                if *blank_before {
                    text.push_str(ending);
                    line += 1;
                }
                let note = vec!["note"; *note_lines].join(ending);
                let name = char::from(b'A' + name);
                text.push_str(&format!("{name},\"{note}\""));
                if *extra {
                    text.push_str(",extra");
                    errors.push(line);
                } else {
                    rows.push(line);
                }
                text.push_str(ending);
                line += *note_lines as u64;
            }
            prop_assert_eq!(lines_of(text.as_bytes()), (rows, errors), "{:?}", text);
        }
    }

    #[test]
    fn rows_are_read_with_their_lines() {
        let (rows, errors) = read(b"\xEF\xBB\xBFdisplay_name,email,address_city\nAcme,a@acme.co.za,Durban\n\"Multi\nLine\",b@x.co.za,\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(rows[0].input.address.as_ref().unwrap()["city"], "Durban");
    }

    #[test]
    fn malformed_files_are_reported_by_line_and_column() {
        let (_, errors) = read(b"name,email\nA,b\n");
        assert_eq!(errors[0].column.as_deref(), Some("name"));
        assert!(errors.iter().any(|e| e.message.contains("no name column")));

        let (rows, errors) = read(b"display_name,email\nA,a@x.co.za\nB\nC,c@x.co.za,extra\n");
        assert_eq!(rows.len(), 1);
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 4]);
        assert!(
            errors[0]
                .message
                .contains("has 1 fields but the header has 2"),
            "{}",
            errors[0]
        );

        let (_, errors) = read(b"display_name,email\nCaf\xe9,a@x.co.za\n");
        assert_eq!(
            errors[0].to_string(),
            "line 2, column display_name: not UTF-8 text (the file may be in Windows-1252); save it as \"CSV UTF-8\""
        );

        let (_, errors) = read(b"display_name,notes\nA,\"never closed\nB,x\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("not closed"), "{}", errors[0]);
        assert_eq!(errors[0].line, 2);
    }
}
