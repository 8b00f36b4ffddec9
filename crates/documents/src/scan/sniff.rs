//! The type of an upload from its first bytes. The name and the declared media type are
//! chosen by whoever sends the file, so they decide nothing here ([`super::names`] only
//! checks them against what the bytes say).

use super::UPLOAD_INSTEAD;
use super::compound_file;
use super::zip_entries::{self, ZipHead};
use crate::FileType;
use std::fmt;

/// How much of the file [`sniff`] looks at; the caller passes up to this many bytes.
pub const SNIFF_LEN: usize = 8 * 1024;

/// Why a file is refused, naming what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A program: PE, ELF, Mach-O, Java class, WebAssembly, DEX, an installer, a shortcut.
    Executable { what: String },
    /// Text that runs: a shebang script, HTML, SVG, PHP, JavaScript, VBScript, PowerShell,
    /// a batch file.
    Script { what: String },
    /// An office file whose macros were seen (`vbaProject.bin`, a macro-enabled content type).
    MacroOffice { what: String },
    /// Any other office file: macros may be further in than the bytes looked at.
    Office { what: String },
    /// ZIP, RAR, 7z, gzip, tar and the like: nothing inside an archive is opened.
    Archive { what: String },
    /// A PDF with JavaScript, a launch action, embedded files or an XFA form.
    ActiveContent { what: String },
    /// Anything else: plain text, other images, unknown bytes, an empty file.
    Unsupported { what: String },
}

impl Refusal {
    /// A stable snake_case code for the API and the logs.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Executable { .. } => "executable",
            Refusal::Script { .. } => "script",
            Refusal::MacroOffice { .. } => "macro_office",
            Refusal::Office { .. } => "office",
            Refusal::Archive { .. } => "archive",
            Refusal::ActiveContent { .. } => "active_content",
            Refusal::Unsupported { .. } => "unsupported",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Executable { what } => write!(
                f,
                "This file is {what}. Programs are never accepted: {UPLOAD_INSTEAD}."
            ),
            Refusal::Script { what } => write!(
                f,
                "This file is {what}, which can run code when opened: {UPLOAD_INSTEAD}."
            ),
            Refusal::MacroOffice { what } => write!(
                f,
                "This file is {what} with macros, which can run code when opened: save it as \
                 a PDF, or {UPLOAD_INSTEAD}."
            ),
            Refusal::Office { what } => write!(
                f,
                "This file is {what}. Office files can carry macros and are not accepted: save \
                 it as a PDF, or {UPLOAD_INSTEAD}."
            ),
            Refusal::Archive { what } => write!(
                f,
                "This file is {what}. Archives are not opened: {UPLOAD_INSTEAD}, one file per \
                 document."
            ),
            Refusal::ActiveContent { what } => write!(
                f,
                "This PDF contains {what}, which can run when it is opened: print it to a new \
                 PDF or scan the paper, or {UPLOAD_INSTEAD}."
            ),
            Refusal::Unsupported { what } => write!(
                f,
                "This file is {what}, which is not a document type we accept: {UPLOAD_INSTEAD}."
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// The accepted type of a file from its first bytes (up to [`SNIFF_LEN`]; more are ignored),
/// or why it is refused.
pub fn sniff(head: &[u8]) -> Result<FileType, Refusal> {
    let head = &head[..head.len().min(SNIFF_LEN)];
    if head.is_empty() {
        return Err(unsupported("an empty file"));
    }
    accepted(head).ok_or_else(|| refusal(head))
}

/// The accepted types, each by its magic at offset 0. A PDF header further in (readers
/// tolerate up to 1 KiB of junk) is refused: that slack is how polyglot files are made.
fn accepted(h: &[u8]) -> Option<FileType> {
    if h.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else if h.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else if h.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileType::Png)
    } else if h.starts_with(b"II*\0") || h.starts_with(b"MM\0*") {
        Some(FileType::Tiff)
    } else if is_heif(h) {
        Some(FileType::Heic)
    } else {
        None
    }
}

/// HEIC/HEIF: an ISO-BMFF `ftyp` box whose major brand is a HEIF one. The generic brands
/// (`mif1`, `msf1`) are also AVIF's, told apart by an `avif`/`avis` compatible brand.
fn is_heif(h: &[u8]) -> bool {
    const HEIF: [&[u8]; 7] = [
        b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"hevc",
    ];
    if h.len() < 12 || &h[4..8] != b"ftyp" {
        return false;
    }
    let major = &h[8..12];
    if !HEIF.contains(&major) {
        return false;
    }
    let size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
    let end = size.clamp(16, h.len().max(16)).min(h.len());
    let mut compatible = h.get(16..end).unwrap_or_default().chunks_exact(4);
    let generic = major == b"mif1" || major == b"msf1";
    !(generic && compatible.any(|b| b == b"avif" || b == b"avis"))
}

fn unsupported(what: &str) -> Refusal {
    Refusal::Unsupported { what: what.into() }
}

fn refusal(h: &[u8]) -> Refusal {
    let executable = |what: &str| Refusal::Executable { what: what.into() };
    let starts = |magic: &[u8]| h.starts_with(magic);
    if starts(b"MZ") {
        executable("a Windows program (PE executable)")
    } else if starts(b"\x7fELF") {
        executable("a Linux program (ELF executable)")
    } else if [
        [0xFE, 0xED, 0xFA, 0xCE],
        [0xFE, 0xED, 0xFA, 0xCF],
        [0xCE, 0xFA, 0xED, 0xFE],
        [0xCF, 0xFA, 0xED, 0xFE],
    ]
    .iter()
    .any(|m| starts(m))
    {
        executable("a macOS program (Mach-O executable)")
    } else if starts(&[0xCA, 0xFE, 0xBA, 0xBE]) {
        // The same magic starts Java classes and macOS universal binaries: both programs.
        executable("a Java class file or a macOS universal program")
    } else if starts(b"\0asm") {
        executable("a WebAssembly module")
    } else if starts(b"dex\n") {
        executable("an Android program (DEX)")
    } else if starts(&[0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0x00]) {
        executable("a Windows shortcut (.lnk), which can start a program")
    } else if starts(&compound_file::MAGIC) {
        compound_file::classify(h)
    } else if starts(b"PK\x03\x04") {
        zip(&zip_entries::read(h))
    } else if starts(b"{\\rtf") {
        Refusal::Office {
            what: "a Rich Text Format document (.rtf)".into(),
        }
    } else if let Some(what) = archive(h) {
        Refusal::Archive { what: what.into() }
    } else if let Some(text) = as_text(h) {
        super::sniff_text::classify(&text)
    } else if let Some(t) = infer::get(h) {
        Refusal::Unsupported {
            what: format!("a .{} file ({})", t.extension(), t.mime_type()),
        }
    } else {
        unsupported("a file of unknown type")
    }
}

/// A ZIP: an Office or OpenDocument file, a Java or Android program, or an archive, from
/// the local file headers within the head.
fn zip(z: &ZipHead) -> Refusal {
    let names: Vec<String> = z.names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let any = |pred: &dyn Fn(&str) -> bool| names.iter().any(|n| pred(n));
    let office_kind = if any(&|n| n.starts_with("word/")) {
        "a Word document"
    } else if any(&|n| n.starts_with("xl/")) {
        "an Excel workbook"
    } else if any(&|n| n.starts_with("ppt/")) {
        "a PowerPoint presentation"
    } else {
        "an Office document"
    };
    let types = z
        .content_types
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    if any(&|n| n.ends_with("vbaproject.bin") || n.ends_with("vbadata.xml"))
        || types.contains("macroenabled")
        || types.contains("vbaproject")
    {
        return Refusal::MacroOffice {
            what: office_kind.into(),
        };
    }
    if any(&|n| n == "[content_types].xml" || n.starts_with("word/") || n.starts_with("xl/"))
        || any(&|n| n.starts_with("ppt/"))
    {
        return Refusal::Office {
            what: format!("{office_kind} (Office Open XML)"),
        };
    }
    if z.mimetype
        .as_deref()
        .is_some_and(|m| m.starts_with("application/vnd.oasis.opendocument"))
    {
        return Refusal::Office {
            what: "an OpenDocument file (LibreOffice, OpenOffice)".into(),
        };
    }
    if any(&|n| n == "classes.dex" || n == "androidmanifest.xml") {
        return Refusal::Executable {
            what: "an Android app (APK)".into(),
        };
    }
    if any(&|n| n == "meta-inf/manifest.mf" || n.ends_with(".class")) {
        return Refusal::Executable {
            what: "a Java program (JAR)".into(),
        };
    }
    Refusal::Archive {
        what: "a ZIP archive".into(),
    }
}

/// Archive formats other than ZIP, by their magic.
fn archive(h: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| h.get(offset..offset + magic.len()) == Some(magic);
    Some(if at(0, b"Rar!\x1a\x07") {
        "a RAR archive"
    } else if at(0, b"7z\xBC\xAF\x27\x1C") {
        "a 7-Zip archive"
    } else if at(0, &[0x1F, 0x8B]) {
        "a gzip archive"
    } else if at(257, b"ustar") {
        "a tar archive"
    } else if at(0, b"BZh") {
        "a bzip2 archive"
    } else if at(0, &[0xFD, b'7', b'z', b'X', b'Z', 0]) {
        "an xz archive"
    } else if at(0, &[0x28, 0xB5, 0x2F, 0xFD]) {
        "a Zstandard archive"
    } else if at(0, b"MSCF") {
        "a Windows cabinet archive (.cab)"
    } else {
        return None;
    })
}

/// The head as text, when it is text: UTF-8 (a BOM allowed) or UTF-16 with a BOM (how
/// PowerShell saves scripts), with almost no control characters.
fn as_text(h: &[u8]) -> Option<String> {
    let text = if let Some(rest) = h.strip_prefix(&[0xFF, 0xFE]) {
        utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = h.strip_prefix(&[0xFE, 0xFF]) {
        utf16(rest, u16::from_be_bytes)
    } else {
        let h = h.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(h);
        if h.contains(&0) {
            return None;
        }
        // The head may end inside a character.
        String::from_utf8_lossy(h).into_owned()
    };
    let total = text.chars().count().max(1);
    let odd = text
        .chars()
        .filter(|c| {
            (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')) || *c == '\u{FFFD}'
        })
        .count();
    // Allow a little noise (a stray byte, a cut character); binary formats fail this by far.
    (odd * 50 <= total).then_some(text)
}

fn utf16(bytes: &[u8], decode: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|p| decode([p[0], p[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}
