//! The file types a document may be. Decided from the file's bytes ([`crate::scan::sniff`]);
//! the name and the declared type are only checked against it.

use comply360_domain::text_enum;
use serde::{Deserialize, Serialize};

/// An accepted file type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Tiff,
    Heic,
}

text_enum!(FileType, "file type", {
    Pdf => "pdf",
    Jpeg => "jpeg",
    Png => "png",
    Tiff => "tiff",
    Heic => "heic",
});

impl FileType {
    /// The media type stored and served.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Tiff => "image/tiff",
            FileType::Heic => "image/heic",
        }
    }

    /// File-name extensions (lower case, without the dot) that name this type.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileType::Png => &["png"],
            FileType::Tiff => &["tif", "tiff"],
            FileType::Heic => &["heic", "heif"],
        }
    }

    /// The type a media type names, if accepted (`image/jpg` and `image/pjpeg` are seen in the
    /// wild for JPEG).
    pub fn from_mime(mime: &str) -> Option<FileType> {
        let essence = mime
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Some(match essence.as_str() {
            "application/pdf" | "application/x-pdf" => FileType::Pdf,
            "image/jpeg" | "image/jpg" | "image/pjpeg" => FileType::Jpeg,
            "image/png" => FileType::Png,
            "image/tiff" | "image/tif" => FileType::Tiff,
            "image/heic" | "image/heif" | "image/heic-sequence" | "image/heif-sequence" => {
                FileType::Heic
            }
            _ => return None,
        })
    }

    /// Whether the text can be read from it on this platform (HEIC cannot be decoded here:
    /// no maintained pure-Rust decoder, so it is kept but goes to a person for review).
    pub fn is_readable(self) -> bool {
        self != FileType::Heic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_names_itself_by_mime_and_extension() {
        for t in FileType::ALL {
            assert_eq!(FileType::from_mime(t.mime()), Some(*t));
            assert!(!t.extensions().is_empty());
        }
        assert_eq!(FileType::from_mime("Image/JPG; q=1"), Some(FileType::Jpeg));
        assert_eq!(FileType::from_mime("text/html"), None);
    }
}
