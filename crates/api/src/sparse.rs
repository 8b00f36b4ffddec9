//! Sparse fieldsets: `?fields=id,display_name,email` answers each item of a list with only
//! those of its fields.
//!
//! The items are serialised straight from their structs through [`Pick`], a serializer that
//! passes a struct's chosen fields on and drops the rest, so a narrow answer costs less than the
//! full one instead of more (no JSON tree is built and pruned). The names a list accepts are its
//! item schema's properties, read once from the OpenAPI schema, so the documentation, the check
//! and the answer cannot drift apart.

use crate::problem::Problem;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use comply360_practice::Page;
use serde::ser::{Serialize, SerializeSeq, SerializeStruct, Serializer};
use std::marker::PhantomData;
use std::sync::Arc;

/// An item type a list can answer sparsely: its field names, from its OpenAPI schema.
pub trait Sparse: Serialize + utoipa::ToSchema {
    /// Every field name the item serialises, in alphabetical order.
    fn field_names() -> &'static [String];
}

/// Implements [`Sparse`] for item types, reading each one's names from its schema once.
macro_rules! sparse_items {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::sparse::Sparse for $t {
            fn field_names() -> &'static [String] {
                static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
                NAMES.get_or_init($crate::sparse::schema_properties::<$t>)
            }
        }
    )*};
}
pub(crate) use sparse_items;

/// The property names of a type's object schema.
pub fn schema_properties<T: utoipa::ToSchema>() -> Vec<String> {
    use utoipa::openapi::{RefOr, schema::Schema};
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The `fields` query parameter of a list of `T`: `None` when absent (every field).
pub struct Fields<T> {
    chosen: Option<Arc<[&'static str]>>,
    item: PhantomData<fn() -> T>,
}

impl<T: Sparse> Fields<T> {
    /// Reads `fields` out of a query string. Names are comma-separated; unknown names are an
    /// error naming the ones the list has, so a typo is not an empty answer.
    pub fn parse(query: Option<&str>) -> Result<Fields<T>, Problem> {
        let Some(raw) = query.and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "fields")
                .map(|(_, v)| v.into_owned())
        }) else {
            return Ok(Fields {
                chosen: None,
                item: PhantomData,
            });
        };
        let known = T::field_names();
        let mut chosen: Vec<&'static str> = Vec::new();
        let mut unknown = Vec::new();
        for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match known.iter().find(|k| k.as_str() == name) {
                Some(k) if !chosen.contains(&k.as_str()) => chosen.push(k.as_str()),
                Some(_) => {}
                None => unknown.push(name.to_owned()),
            }
        }
        if !unknown.is_empty() || chosen.is_empty() {
            let listed = known.join(", ");
            let message = if unknown.is_empty() {
                format!("name at least one field, comma-separated, from: {listed}")
            } else {
                format!(
                    "unknown field{} {}; choose from: {listed}",
                    if unknown.len() == 1 { "" } else { "s" },
                    unknown.join(", ")
                )
            };
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "the fields parameter names fields this list does not have",
            )
            .with_field("fields", message));
        }
        Ok(Fields {
            chosen: Some(chosen.into()),
            item: PhantomData,
        })
    }

    /// The page to answer: every field, or only the chosen ones.
    pub fn page(self, page: Page<T>) -> SparsePage<T> {
        SparsePage {
            page,
            chosen: self.chosen,
        }
    }
}

impl<S: Send + Sync, T: Sparse> FromRequestParts<S> for Fields<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Fields::parse(parts.uri.query())
    }
}

/// A page whose items carry only the chosen fields (all of them when none were chosen); it
/// serialises as the page itself: `{items, next_cursor}`.
pub struct SparsePage<T> {
    page: Page<T>,
    chosen: Option<Arc<[&'static str]>>,
}

impl<T: Serialize> Serialize for SparsePage<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(chosen) = &self.chosen else {
            return self.page.serialize(serializer);
        };
        let mut page = serializer.serialize_struct("Page", 2)?;
        page.serialize_field("items", &Items(&self.page.items, chosen))?;
        page.serialize_field("next_cursor", &self.page.next_cursor)?;
        page.end()
    }
}

struct Items<'a, T>(&'a [T], &'a [&'static str]);

impl<T: Serialize> Serialize for Items<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&Picked(item, self.1))?;
        }
        seq.end()
    }
}

struct Picked<'a, T>(&'a T, &'a [&'static str]);

impl<T: Serialize> Serialize for Picked<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Pick {
            inner: serializer,
            chosen: self.1,
        })
    }
}

/// A serializer that forwards everything to `inner`, except that the top-level struct keeps
/// only the chosen fields. Nested values are written whole.
struct Pick<'a, S> {
    inner: S,
    chosen: &'a [&'static str],
}

/// A struct being written with only the chosen fields.
struct PickStruct<'a, S> {
    inner: S,
    chosen: &'a [&'static str],
}

impl<S: SerializeStruct> SerializeStruct for PickStruct<'_, S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<V: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), S::Error> {
        if self.chosen.contains(&key) {
            self.inner.serialize_field(key, value)
        } else {
            Ok(())
        }
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

/// Forwards a serializer method unchanged.
macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        fn $name(self, $($arg: $ty),*) -> Result<$ret, S::Error> {
            self.inner.$name($($arg),*)
        }
    )*};
}

impl<'a, S: Serializer> Serializer for Pick<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = S::SerializeSeq;
    type SerializeTuple = S::SerializeTuple;
    type SerializeTupleStruct = S::SerializeTupleStruct;
    type SerializeTupleVariant = S::SerializeTupleVariant;
    type SerializeMap = S::SerializeMap;
    type SerializeStruct = PickStruct<'a, S::SerializeStruct>;
    type SerializeStructVariant = S::SerializeStructVariant;

    forward! {
        serialize_bool(v: bool) -> S::Ok;
        serialize_i8(v: i8) -> S::Ok;
        serialize_i16(v: i16) -> S::Ok;
        serialize_i32(v: i32) -> S::Ok;
        serialize_i64(v: i64) -> S::Ok;
        serialize_u8(v: u8) -> S::Ok;
        serialize_u16(v: u16) -> S::Ok;
        serialize_u32(v: u32) -> S::Ok;
        serialize_u64(v: u64) -> S::Ok;
        serialize_f32(v: f32) -> S::Ok;
        serialize_f64(v: f64) -> S::Ok;
        serialize_char(v: char) -> S::Ok;
        serialize_str(v: &str) -> S::Ok;
        serialize_bytes(v: &[u8]) -> S::Ok;
        serialize_none() -> S::Ok;
        serialize_unit() -> S::Ok;
        serialize_unit_struct(name: &'static str) -> S::Ok;
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> S::Ok;
        serialize_seq(len: Option<usize>) -> S::SerializeSeq;
        serialize_tuple(len: usize) -> S::SerializeTuple;
        serialize_tuple_struct(name: &'static str, len: usize) -> S::SerializeTupleStruct;
        serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> S::SerializeTupleVariant;
        serialize_map(len: Option<usize>) -> S::SerializeMap;
        serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> S::SerializeStructVariant;
    }

    fn serialize_some<V: ?Sized + Serialize>(self, value: &V) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(value)
    }

    fn serialize_newtype_struct<V: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &V,
    ) -> Result<S::Ok, S::Error> {
        // A newtype around the item still picks the fields of the struct inside.
        value.serialize(Pick {
            inner: self.inner,
            chosen: self.chosen,
        })
    }

    fn serialize_newtype_variant<V: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &V,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_variant(name, index, variant, value)
    }

    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(PickStruct {
            inner: self.inner.serialize_struct(name, self.chosen.len())?,
            chosen: self.chosen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize, utoipa::ToSchema)]
    struct Item {
        id: u32,
        name: String,
        tags: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }

    sparse_items!(Item);

    fn item(id: u32) -> Item {
        Item {
            id,
            name: format!("n{id}"),
            tags: vec!["a".into(), "b".into()],
            note: None,
        }
    }

    fn page(query: Option<&str>) -> Result<String, Problem> {
        let fields = Fields::<Item>::parse(query)?;
        let page = Page {
            items: vec![item(1), item(2)],
            next_cursor: Some("c".into()),
        };
        Ok(serde_json::to_string(&fields.page(page)).unwrap())
    }

    #[test]
    fn names_come_from_the_schema() {
        assert_eq!(Item::field_names(), ["id", "name", "note", "tags"]);
    }

    #[test]
    fn only_the_chosen_fields_are_written() {
        assert_eq!(
            page(Some("fields=tags,id")).unwrap(),
            r#"{"items":[{"id":1,"tags":["a","b"]},{"id":2,"tags":["a","b"]}],"next_cursor":"c"}"#
        );
        // Percent-encoded commas and spaces around names are read as written by hand.
        assert_eq!(
            page(Some("limit=2&fields=name%2C%20id")).unwrap(),
            r#"{"items":[{"id":1,"name":"n1"},{"id":2,"name":"n2"}],"next_cursor":"c"}"#
        );
        // A chosen field the item skips stays skipped.
        assert_eq!(
            page(Some("fields=note")).unwrap(),
            r#"{"items":[{},{}],"next_cursor":"c"}"#
        );
    }

    #[test]
    fn no_fields_parameter_is_the_whole_item() {
        let whole = serde_json::to_string(&Page {
            items: vec![item(1), item(2)],
            next_cursor: Some("c".into()),
        })
        .unwrap();
        assert_eq!(page(None).unwrap(), whole);
        assert_eq!(page(Some("limit=5")).unwrap(), whole);
    }

    #[test]
    fn unknown_or_missing_names_are_refused() {
        for query in ["fields=id,colour", "fields=", "fields=%20,"] {
            assert!(page(Some(query)).is_err(), "{query}");
        }
    }
}
