//! OLE2 compound files: legacy Word, Excel and PowerPoint files (which carry VBA macros in
//! the same container) and Windows installers. What a file is is the class id (CLSID) of
//! its root directory entry, which sits in the first directory sector, usually within the
//! head. (infer parses the whole container for this and, given only the head, fails and
//! calls every such file an MSI.)

use super::sniff::Refusal;

pub(super) const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub(super) fn classify(h: &[u8]) -> Refusal {
    let office = |what: &str| Refusal::Office { what: what.into() };
    match root_clsid(h).map(|c| clsid_prefix(&c)) {
        Some(0x000C_1084 | 0x000C_1086 | 0x000C_1082) => Refusal::Executable {
            what: "a Windows installer (MSI)".into(),
        },
        Some(0x0002_0906) => office("a legacy Word document (.doc), which can carry macros"),
        Some(0x0002_0820 | 0x0002_0810) => {
            office("a legacy Excel workbook (.xls), which can carry macros")
        }
        Some(0x6481_8D10) => {
            office("a legacy PowerPoint presentation (.ppt), which can carry macros")
        }
        _ => office(
            "a Microsoft compound file (a legacy .doc, .xls or .ppt, an Outlook .msg or an \
             installer), which can carry macros or programs",
        ),
    }
}

/// The root entry's CLSID (16 bytes as stored), if the first directory sector is in `h`.
fn root_clsid(h: &[u8]) -> Option<[u8; 16]> {
    let shift = u16::from_le_bytes(h.get(0x1E..0x20)?.try_into().ok()?);
    if !(7..=16).contains(&shift) {
        return None;
    }
    let sector_size = 1usize << shift;
    let first_dir = u32::from_le_bytes(h.get(0x30..0x34)?.try_into().ok()?) as usize;
    // Sector n starts after the 512-byte header (a whole sector for 4096-byte sectors).
    let root = (first_dir.checked_add(1)?).checked_mul(sector_size)?;
    h.get(root + 0x50..root + 0x60)?.try_into().ok()
}

/// The first field of a CLSID (stored little-endian); the rest is the same
/// `-0000-0000-C000-000000000046` for every Office and installer class.
fn clsid_prefix(clsid: &[u8; 16]) -> u32 {
    u32::from_le_bytes([clsid[0], clsid[1], clsid[2], clsid[3]])
}
