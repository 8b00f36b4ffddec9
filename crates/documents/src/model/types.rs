use comply360_practice::documents::DocumentKind;
use std::fmt;

/// What a document is: a built-in kind, or one of the agency's own types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DocType {
    Builtin(DocumentKind),
    Custom(String),
}

impl DocType {
    /// The built-in kind (`custom` for the agency's own types), as stored in `documents.kind`.
    pub fn kind_text(&self) -> &str {
        match self {
            DocType::Builtin(k) => k.as_str(),
            DocType::Custom(_) => "custom",
        }
    }

    pub fn custom_code(&self) -> Option<&str> {
        match self {
            DocType::Builtin(_) => None,
            DocType::Custom(c) => Some(c),
        }
    }

    /// From the stored columns.
    pub fn from_columns(kind: &str, custom: Option<String>) -> Option<DocType> {
        match (kind, custom) {
            ("custom", Some(code)) => Some(DocType::Custom(code)),
            (k, None) => k.parse().ok().map(DocType::Builtin),
            _ => None,
        }
    }

    /// The built-in kind, if it is one.
    pub fn builtin(&self) -> Option<DocumentKind> {
        match self {
            DocType::Builtin(k) => Some(*k),
            DocType::Custom(_) => None,
        }
    }
}

impl fmt::Display for DocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocType::Builtin(k) => f.write_str(k.as_str()),
            DocType::Custom(c) => f.write_str(c),
        }
    }
}
