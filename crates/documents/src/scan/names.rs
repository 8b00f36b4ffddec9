//! The file name an upload arrives with: made safe to store, show and put in a
//! `Content-Disposition` header, and held against the type the bytes say.

use super::{described, short_name};
use crate::FileType;
use std::fmt;

/// The longest name kept, in bytes (most file systems' limit for one path component).
pub const MAX_NAME_BYTES: usize = 255;

/// A name safe to store and show: no directory part (either slash), no control,
/// bidirectional-override or zero-width characters (U+202E before "fdp.exe" shows an `.exe` as a
/// `.pdf`), no Windows-reserved characters (each becomes `_`) or device names
/// (`CON`, `COM1`…, which get a `_` in front), no leading dots or spaces (hidden files) nor
/// trailing ones (Windows drops them), whitespace collapsed to one space, at most
/// [`MAX_NAME_BYTES`] bytes with the extension kept; `document` when nothing is left.
pub fn sanitise_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let mut name = String::with_capacity(base.len());
    for c in base.chars() {
        if c.is_whitespace() {
            if !name.ends_with(' ') {
                name.push(' ');
            }
        } else if c.is_control() || is_invisible(c) {
            continue;
        } else if "<>:\"/\\|?*".contains(c) {
            name.push('_');
        } else {
            name.push(c);
        }
    }
    let name = name
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let name = if is_reserved_device(name) {
        format!("_{name}")
    } else {
        name.to_owned()
    };
    let name = cap(&name);
    if name.is_empty() {
        "document".into()
    } else {
        name
    }
}

/// Bidirectional controls and zero-width characters: they change how a name displays
/// without being seen.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' // zero-width space/non-joiner/joiner, LRM, RLM
        | '\u{202A}'..='\u{202E}' // embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // isolates
        | '\u{061C}' // Arabic letter mark
        | '\u{180E}' // Mongolian vowel separator
        | '\u{00AD}' // soft hyphen
        | '\u{FEFF}' // byte-order mark / zero-width no-break space
    )
}

/// Windows device names, which refuse to be files whatever the extension.
fn is_reserved_device(name: &str) -> bool {
    let stem = name
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit())
}

/// At most [`MAX_NAME_BYTES`], cut on a character boundary, the extension (up to 16 bytes)
/// kept so the type stays visible.
fn cap(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_owned();
    }
    let ext = name
        .rfind('.')
        .map(|i| &name[i..])
        .filter(|e| e.len() > 1 && e.len() <= 16)
        .unwrap_or("");
    let stem = &name[..name.len() - ext.len()];
    let mut end = MAX_NAME_BYTES - ext.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ext}", stem[..end].trim_end())
}

/// A name or declared media type that contradicts the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The extension names another accepted type.
    Extension { extension: String, actual: FileType },
    /// The extension names a program or a script: whatever the bytes, a name like this is
    /// what tricks a person into running it after download.
    DangerousExtension { extension: String, actual: FileType },
    /// The declared media type is another type.
    MediaType { declared: String, actual: FileType },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Extension { extension, actual } => write!(
                f,
                "The file is named .{extension} but its contents are {}; rename it to .{} or \
                 upload the {}.",
                described(*actual),
                actual.extensions()[0],
                named_type(extension),
            ),
            Mismatch::DangerousExtension { extension, actual } => write!(
                f,
                "The file is named .{extension}, a program or script type, but its contents \
                 are {}; rename it to .{} and upload it again.",
                described(*actual),
                actual.extensions()[0],
            ),
            Mismatch::MediaType { declared, actual } => write!(
                f,
                "The file was sent as {declared} but its contents are {}; upload it again \
                 (your browser or app decides the type, usually from the name: check it ends \
                 in .{}).",
                described(*actual),
                actual.extensions()[0],
            ),
        }
    }
}

impl std::error::Error for Mismatch {}

/// The short name of the accepted type an extension names ("PDF").
fn named_type(extension: &str) -> &'static str {
    FileType::ALL
        .iter()
        .find(|t| t.extensions().contains(&extension))
        .map(|t| short_name(*t))
        .unwrap_or("document")
}

/// Extensions of programs, scripts and macro-enabled documents.
const DANGEROUS: &[&str] = &[
    "exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "msc", "bat", "cmd", "ps1", "psm1",
    "vbs", "vbe", "js", "jse", "mjs", "wsf", "wsh", "hta", "lnk", "reg", "jar", "apk", "app",
    "dmg", "sh", "bash", "py", "pl", "rb", "php", "phtml", "html", "htm", "xhtml", "svg", "elf",
    "bin", "run", "deb", "rpm", "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam",
    "iso", "img", "vhd", "url", "desktop",
];

/// Whether the name and the declared media type agree with the sniffed type `ty`. No
/// extension, an extension naming nothing we know (`scan.2026`), no declared type and the
/// "don't know" types (`application/octet-stream`, `binary/octet-stream`) are all fine.
pub fn check_declared(
    ty: FileType,
    file_name: &str,
    declared_mime: Option<&str>,
) -> Result<(), Mismatch> {
    let name = sanitise_file_name(file_name);
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.trim().to_lowercase())
        .unwrap_or_default();
    if !extension.is_empty() && !ty.extensions().contains(&extension.as_str()) {
        if DANGEROUS.contains(&extension.as_str()) {
            return Err(Mismatch::DangerousExtension {
                extension,
                actual: ty,
            });
        }
        if FileType::ALL
            .iter()
            .any(|t| t.extensions().contains(&extension.as_str()))
        {
            return Err(Mismatch::Extension {
                extension,
                actual: ty,
            });
        }
    }
    if let Some(declared) = declared_mime {
        let essence = declared
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let unknown = essence.is_empty()
            || essence == "application/octet-stream"
            || essence == "binary/octet-stream";
        if !unknown && FileType::from_mime(&essence) != Some(ty) {
            return Err(Mismatch::MediaType {
                declared: essence,
                actual: ty,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_invisible_and_reserved_characters_go() {
        assert_eq!(sanitise_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            sanitise_file_name("C:\\Users\\me\\ID copy.pdf"),
            "ID copy.pdf"
        );
        assert_eq!(
            sanitise_file_name("invoice\u{202E}fdp.exe"),
            "invoicefdp.exe"
        );
        assert_eq!(sanitise_file_name("a\u{200B}b\u{2066}c.png"), "abc.png");
        assert_eq!(
            sanitise_file_name("  ..hidden  file\t\n.pdf "),
            "hidden file .pdf"
        );
        assert_eq!(sanitise_file_name("what?<now>*.pdf"), "what__now__.pdf");
        assert_eq!(sanitise_file_name("CON.pdf"), "_CON.pdf");
        assert_eq!(sanitise_file_name("com1"), "_com1");
        assert_eq!(sanitise_file_name("console.pdf"), "console.pdf");
        assert_eq!(sanitise_file_name("..."), "document");
        assert_eq!(sanitise_file_name("dir/"), "document");
    }

    #[test]
    fn long_names_keep_their_extension_and_whole_characters() {
        let long = format!("{}.pdf", "é".repeat(200));
        let s = sanitise_file_name(&long);
        assert!(s.len() <= MAX_NAME_BYTES);
        assert!(s.ends_with("é.pdf"), "{s}");
    }

    #[test]
    fn a_declared_type_or_extension_must_agree() {
        assert_eq!(
            check_declared(FileType::Pdf, "id.PDF", Some("application/pdf")),
            Ok(())
        );
        assert_eq!(
            check_declared(FileType::Jpeg, "photo.jpeg", Some("image/jpg")),
            Ok(())
        );
        assert_eq!(check_declared(FileType::Png, "scan", None), Ok(()));
        assert_eq!(
            check_declared(FileType::Png, "scan.2026", Some("application/octet-stream")),
            Ok(())
        );
        let e = check_declared(FileType::Png, "id.pdf", None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The file is named .pdf but its contents are a PNG image; rename it to .png or \
             upload the PDF."
        );
        assert!(matches!(
            check_declared(FileType::Jpeg, "photo.jpg.exe", None),
            Err(Mismatch::DangerousExtension { .. })
        ));
        assert!(matches!(
            check_declared(FileType::Pdf, "id.pdf", Some("text/html")),
            Err(Mismatch::MediaType { .. })
        ));
    }
}
