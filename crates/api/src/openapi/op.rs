//! What an operation declares beside its route: an [`Op`] (body and example, query, answer,
//! its own problems, headers) and the [`Schema`]s it refers to, derived from the Rust types
//! with `utoipa::ToSchema`.

use comply360_practice::page::Page;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// A schema as an operation refers to it, with the named schemas it needs in `components`.
#[derive(Clone, Debug)]
pub struct Schema {
    pub(super) inline: Value,
    pub(super) components: Vec<(String, Value)>,
}

fn to_json<S: serde::Serialize>(schema: &S) -> Value {
    serde_json::to_value(schema).unwrap_or(Value::Null)
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

impl Schema {
    /// `T` as a named component.
    pub fn of<T: ToSchema>() -> Schema {
        let name = T::name().into_owned();
        let mut named = Vec::new();
        T::schemas(&mut named);
        let mut components = vec![(name.clone(), to_json(&T::schema()))];
        components.extend(named.iter().map(|(n, s)| (n.clone(), to_json(s))));
        Schema {
            inline: reference(&name),
            components,
        }
    }

    /// A JSON array of `T`.
    pub fn list_of<T: ToSchema>() -> Schema {
        let item = Schema::of::<T>();
        Schema {
            inline: json!({"type": "array", "items": item.inline}),
            components: item.components,
        }
    }

    /// A page of `T` ([`Page`]), named `<T>Page`.
    pub fn page_of<T: ToSchema>() -> Schema {
        let item = Schema::of::<T>();
        let name = format!("{}Page", T::name());
        let mut page = to_json(&<Page<T> as utoipa::PartialSchema>::schema());
        // The derive spells a generic's argument out in place; the page refers to the named
        // item instead, so `Client` is one schema whether listed, paged or shown alone.
        if let Some(items) = page.pointer_mut("/properties/items/items") {
            *items = item.inline.clone();
        }
        let mut components = item.components;
        components.push((name.clone(), page));
        Schema {
            inline: reference(&name),
            components,
        }
    }

    /// A page of `T` whose items may be narrowed with `fields=`: each item is a whole `T`, or
    /// `<T>Fields`, the same properties with none required and no others.
    pub fn sparse_page_of<T: ToSchema>() -> Schema {
        let mut schema = Schema::page_of::<T>();
        let item = T::name().to_string();
        let fields = format!("{item}Fields");
        let mut narrowed = schema
            .components
            .iter()
            .find(|(n, _)| *n == item)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| json!({"type": "object"}));
        if let Some(object) = narrowed.as_object_mut() {
            object.remove("required");
            object.insert("additionalProperties".into(), json!(false));
            object.insert("minProperties".into(), json!(1));
            object.insert(
                "description".into(),
                json!(format!("A {item} with only the fields named by `fields=`.")),
            );
        }
        let page = format!("{item}Page");
        if let Some((_, p)) = schema.components.iter_mut().find(|(n, _)| *n == page)
            && let Some(items) = p.pointer_mut("/properties/items/items")
        {
            *items = json!({"anyOf": [reference(&item), reference(&fields)]});
        }
        schema.components.push((fields, narrowed));
        schema
    }

    /// A schema written out by hand, for answers that have no Rust type of their own.
    pub fn raw(inline: Value) -> Schema {
        Schema {
            inline,
            components: Vec::new(),
        }
    }
}

/// A body of a request or an answer.
#[derive(Clone, Debug)]
pub struct Content {
    pub media: &'static str,
    pub schema: Option<Schema>,
    pub example: Option<Value>,
}

/// One operation's contract, declared beside its route (see [`crate::routes::Routes::route`]).
#[derive(Clone, Debug)]
pub struct Op {
    pub summary: &'static str,
    pub request: Option<Content>,
    /// Whether a request without a body is accepted too.
    pub body_optional: bool,
    /// Whether the body is read by [`crate::body::JsonBody`] (whose refusals apply), rather
    /// than parsed by the handler itself.
    pub body_extractor: bool,
    /// A query struct's schema; its properties become `in: query` parameters.
    pub query: Option<Schema>,
    pub status: u16,
    pub answer: Option<Content>,
    /// Whether the route reads the agency from the host or `X-Tenant` before any credential
    /// (the public sign-in routes): the gateway's tenant problems apply.
    pub names_tenant: bool,
    /// The problems only this operation gives: `(status, code)`.
    pub problems: Vec<(u16, &'static str)>,
    /// Extra answers that are not problems (e.g. a 422 import report): `(status, content)`.
    pub also: Vec<(u16, Content)>,
    /// Request headers the operation reads: `(name, description)`, optional strings.
    pub headers: Vec<(&'static str, &'static str)>,
    /// A list answering sparse fieldsets (`fields=`): its items' field names.
    pub sparse_fields: Option<&'static [String]>,
}

impl Op {
    pub fn new(summary: &'static str) -> Op {
        Op {
            summary,
            request: None,
            body_optional: false,
            body_extractor: false,
            query: None,
            status: 200,
            answer: None,
            names_tenant: false,
            problems: Vec::new(),
            also: Vec::new(),
            headers: Vec::new(),
            sparse_fields: None,
        }
    }

    /// A JSON body of type `T`, with an example that the API accepts.
    pub fn body<T: ToSchema>(self, example: Value) -> Op {
        self.body_schema(Schema::of::<T>(), example)
    }

    /// A JSON body whose schema is written out (e.g. a partial update).
    pub fn body_schema(mut self, schema: Schema, example: Value) -> Op {
        self.body_extractor = true;
        self.request = Some(Content {
            media: "application/json",
            schema: Some(schema),
            example: Some(example),
        });
        self
    }

    /// A JSON body the handler parses itself and may be left out (its only refusal is a 422
    /// `invalid_body`).
    pub fn optional_body<T: ToSchema>(mut self, example: Value) -> Op {
        self.request = Some(Content {
            media: "application/json",
            schema: Some(Schema::of::<T>()),
            example: Some(example),
        });
        self.body_optional = true;
        self.problems.push((422, "invalid_body"));
        self
    }

    /// A body that is not JSON (e.g. `text/csv`), with an example.
    pub fn body_as(mut self, media: &'static str, example: &'static str) -> Op {
        self.request = Some(Content {
            media,
            schema: Some(Schema::raw(json!({"type": "string"}))),
            example: Some(Value::String(example.to_owned())),
        });
        self
    }

    /// Query parameters: the properties of `Q`'s schema.
    pub fn query<Q: ToSchema>(mut self) -> Op {
        self.query = Some(Schema::of::<Q>());
        self
    }

    /// Answers 200 with a JSON `T`.
    pub fn ok<T: ToSchema>(self) -> Op {
        self.answer_json(200, Schema::of::<T>())
    }

    /// Answers 200 with a JSON array of `T`.
    pub fn ok_list<T: ToSchema>(self) -> Op {
        self.answer_json(200, Schema::list_of::<T>())
    }

    /// Answers 200 with a page of `T`.
    pub fn ok_page<T: ToSchema>(self) -> Op {
        self.answer_json(200, Schema::page_of::<T>())
    }

    /// Answers 200 with a page of `T`, whose items may be narrowed with `fields=`
    /// ([`crate::sparse::Fields`]).
    pub fn ok_sparse_page<T: crate::sparse::Sparse>(mut self) -> Op {
        self.sparse_fields = Some(T::field_names());
        self.answer_json(200, Schema::sparse_page_of::<T>())
    }

    /// Answers 201 with the created `T`.
    pub fn created<T: ToSchema>(self) -> Op {
        self.answer_json(201, Schema::of::<T>())
    }

    /// Answers `status` with JSON of `schema`.
    pub fn answer_json(mut self, status: u16, schema: Schema) -> Op {
        self.status = status;
        self.answer = Some(Content {
            media: "application/json",
            schema: Some(schema),
            example: None,
        });
        self
    }

    /// Answers `status` with a body of `media` (a file, a page of text).
    pub fn answer_as(mut self, status: u16, media: &'static str) -> Op {
        self.status = status;
        self.answer = Some(Content {
            media,
            schema: Some(Schema::raw(json!({"type": "string"}))),
            example: None,
        });
        self
    }

    /// Answers 204 with no body.
    pub fn no_content(mut self) -> Op {
        self.status = 204;
        self.answer = None;
        self
    }

    /// The route names its agency itself (public routes that act in one).
    pub fn in_tenant(mut self) -> Op {
        self.names_tenant = true;
        self
    }

    /// An optional request header the operation reads.
    pub fn header(mut self, name: &'static str, description: &'static str) -> Op {
        self.headers.push((name, description));
        self
    }

    /// Problems only this operation gives.
    pub fn problems(mut self, problems: &[(u16, &'static str)]) -> Op {
        self.problems.extend_from_slice(problems);
        self
    }

    /// Another answer that is not a problem.
    pub fn also(mut self, status: u16, schema: Schema) -> Op {
        self.also.push((
            status,
            Content {
                media: "application/json",
                schema: Some(schema),
                example: None,
            },
        ));
        self
    }
}
