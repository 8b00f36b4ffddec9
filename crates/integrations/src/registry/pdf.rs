//! A one-page PDF 1.4 of plain text lines, built by hand so the simulator can issue a
//! certificate without a PDF dependency. Enough for a viewer to open and for tests to check; not
//! a general PDF writer.
//!
//! Layout: catalog (1), pages (2), page (3), font (4, Helvetica in WinAnsiEncoding), content
//! stream (5), then an xref table whose offsets are counted while writing.

/// The PDF bytes for `lines`, the first drawn as a heading.
pub fn text_page(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT\n/F1 18 Tf\n72 770 Td\n");
    for (i, line) in lines.iter().enumerate() {
        if i == 1 {
            content.push_str("/F1 12 Tf\n");
        }
        if i > 0 {
            content.push_str(if i == 1 { "0 -36 Td\n" } else { "0 -20 Td\n" });
        }
        content.push('(');
        content.push_str(&escape(line));
        content.push_str(") Tj\n");
    }
    content.push_str("ET\n");

    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
    ];

    // The binary comment line tells tools the file holds 8-bit data.
    let mut pdf: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref_at = pdf.len();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        // Each entry is exactly 20 bytes, ending in space + LF.
        xref.push_str(&format!("{offset:010} 00000 n \n"));
    }
    xref.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF",
        objects.len() + 1
    ));
    pdf.extend_from_slice(xref.as_bytes());
    pdf
}

/// A PDF literal string body. Printable ASCII passes (with `\`, `(`, `)` escaped); Latin-1
/// letters become octal escapes, which WinAnsiEncoding maps to the same characters; anything
/// else becomes `?` (the standard fonts cannot draw it).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{ff}' => out.push_str(&format!("\\{:03o}", c as u32)),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let pdf = text_page(&[
            "CoR 14.3 Registration Certificate".into(),
            "Name: Acme (Pty) Ltd".into(),
        ]);
        assert!(pdf.starts_with(b"%PDF-1.4\n"));
        assert!(pdf.ends_with(b"%%EOF"));
        let text = String::from_utf8_lossy(&pdf).into_owned();
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[startxref..].starts_with(b"xref\n0 6\n"));
        let table = &pdf[startxref + b"xref\n0 6\n".len()..];
        for n in 1..=5usize {
            let entry = &table[n * 20..(n + 1) * 20];
            let offset: usize = std::str::from_utf8(&entry[..10]).unwrap().parse().unwrap();
            assert!(
                pdf[offset..].starts_with(format!("{n} 0 obj\n").as_bytes()),
                "object {n}"
            );
        }
    }

    #[test]
    fn stream_length_is_exact() {
        let pdf = text_page(&["One".into(), "Two".into()]);
        let text = String::from_utf8_lossy(&pdf).into_owned();
        let length: usize = text
            .split("/Length ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let start = text.find("stream\n").unwrap() + "stream\n".len();
        let end = text.find("endstream").unwrap();
        assert_eq!(end - start, length);
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(escape(r"A (B) \ C"), r"A \(B\) \\ C");
        assert_eq!(escape("Café"), r"Caf\351");
        assert_eq!(escape("Ṅwana"), "?wana");
    }
}
