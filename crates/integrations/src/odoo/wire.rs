//! Small pieces of Odoo's HTTP dialect shared by the client and the stand-in: paths, headers,
//! and the parameter names of the ORM methods, which JSON-2 needs because it takes named
//! parameters only ("there is no way in JSON-2 to call a function with positional arguments"
//! [P: odoo/documentation `content/developer/reference/external_api.rst` @0516a4dc]).

use serde_json::{Map, Value};
use url::Url;

pub const XMLRPC_COMMON_PATH: &str = "/xmlrpc/2/common";
pub const XMLRPC_OBJECT_PATH: &str = "/xmlrpc/2/object";
/// `POST /json/2/<model>/<method>`.
pub const JSON2_PATH: &str = "/json/2";
/// `GET`, JSON-2's replacement for `common.version()` (external_api.rst).
pub const WEB_VERSION_PATH: &str = "/web/version";
/// Names the database where one server hosts several.
pub const DATABASE_HEADER: &str = "X-Odoo-Database";

/// Longest piece of a non-Odoo error body quoted in an error.
const MAX_QUOTED_BODY: usize = 200;

/// `path` under `base`, keeping a path the base URL already has (`https://host/odoo/`).
pub fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_query(None);
    url
}

/// How an ORM method takes its arguments: whether the first positional argument is the record
/// ids (a record method) or not (an `@api.model` method), and the names of the rest in order.
///
/// From the method signatures in odoo/odoo `odoo/orm/models.py` (master, 19.x era):
/// `search(domain, offset=0, limit=None, order=None)`, `search_count(domain, limit=None)`,
/// `search_read(domain=None, fields=None, offset=0, limit=None, order=None)`,
/// `read(fields=None, load='_classic_read')`, `write(vals)`, `unlink()`,
/// `fields_get(allfields=None, attributes=None)`, `name_search(name='', domain=None,
/// operator='ilike', limit=100)`, `default_get(fields)`, `copy(default=None)`,
/// `name_create(name)`; `create(vals_list)` from `api.model_create_multi`, which also takes a
/// single dict (odoo/orm/decorators.py); `res.users.context_get()` from
/// `odoo/addons/base/models/res_users.py`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The method works on records: JSON-2 `ids`, XML-RPC `args[0]`.
    pub record: bool,
    pub params: &'static [&'static str],
    /// How many of `params` have no default.
    pub required: usize,
}

pub fn signature(method: &str) -> Option<Signature> {
    let (record, params, required): (bool, &'static [&'static str], usize) = match method {
        "search" => (false, &["domain", "offset", "limit", "order"], 1),
        "search_count" => (false, &["domain", "limit"], 1),
        "search_read" => (false, &["domain", "fields", "offset", "limit", "order"], 0),
        "read" => (true, &["fields", "load"], 0),
        "create" => (false, &["vals_list"], 1),
        "write" => (true, &["vals"], 1),
        "unlink" => (true, &[], 0),
        "fields_get" => (false, &["allfields", "attributes"], 0),
        "name_search" => (false, &["name", "domain", "operator", "limit"], 0),
        "default_get" => (false, &["fields"], 1),
        "name_create" => (false, &["name"], 1),
        "copy" => (true, &["default"], 0),
        "context_get" => (false, &[], 0),
        _ => return None,
    };
    Some(Signature {
        record,
        params,
        required,
    })
}

/// A call in JSON-2's terms: the record ids (if the method works on records) and the named
/// parameters, the `context` among them.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedCall {
    pub ids: Option<Value>,
    pub params: Map<String, Value>,
}

/// Names `execute_kw`'s positional `args` after the method's [`Signature`] and merges `kwargs`
/// (which may hold `context`). A method the table does not know can still be called with
/// keyword arguments only (and its ids in `kwargs["ids"]`).
pub fn name_arguments(
    method: &str,
    args: Vec<Value>,
    mut kwargs: Map<String, Value>,
) -> Result<NamedCall, String> {
    let Some(signature) = signature(method) else {
        if !args.is_empty() {
            return Err(format!(
                "JSON-2 takes named parameters only, and the parameter names of {method:?} are not known here; pass its arguments in kwargs"
            ));
        }
        let ids = kwargs.remove("ids");
        return Ok(NamedCall {
            ids,
            params: kwargs,
        });
    };
    let mut args = args.into_iter();
    let ids = if signature.record {
        match args.next() {
            Some(ids) => Some(ids),
            None => kwargs.remove("ids"),
        }
    } else {
        None
    };
    let mut params = Map::new();
    for (i, value) in args.enumerate() {
        let Some(name) = signature.params.get(i) else {
            return Err(format!(
                "{method} takes at most {} positional arguments{}",
                signature.params.len(),
                if signature.record {
                    " after the record ids"
                } else {
                    ""
                }
            ));
        };
        params.insert((*name).to_owned(), value);
    }
    for (name, value) in kwargs {
        if params.contains_key(&name) {
            return Err(format!(
                "{method} got multiple values for argument {name:?}"
            ));
        }
        params.insert(name, value);
    }
    Ok(NamedCall { ids, params })
}

/// What to quote of an error body that is not Odoo's: an HTML page's title, else its start.
pub fn body_detail(body: &str) -> String {
    let lower = body.to_ascii_lowercase();
    if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>"))
        && start + 7 <= end
    {
        let title = body[start + 7..end].trim();
        if !title.is_empty() {
            return title.to_owned();
        }
    }
    match body.trim() {
        "" => "no explanation given".to_owned(),
        text => text.chars().take(MAX_QUOTED_BODY).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints_keep_the_base_path() {
        let base = Url::parse("https://erp.example/odoo/").unwrap();
        assert_eq!(
            endpoint(&base, XMLRPC_COMMON_PATH).as_str(),
            "https://erp.example/odoo/xmlrpc/2/common"
        );
        let base = Url::parse("http://127.0.0.1:8069").unwrap();
        assert_eq!(
            endpoint(&base, "/json/2/res.partner/read").as_str(),
            "http://127.0.0.1:8069/json/2/res.partner/read"
        );
    }

    #[test]
    fn positional_arguments_get_their_names() {
        let call = name_arguments(
            "write",
            vec![json!([7]), json!({"name": "x"})],
            Map::from_iter([("context".to_owned(), json!({"lang": "en_US"}))]),
        )
        .unwrap();
        assert_eq!(call.ids, Some(json!([7])));
        assert_eq!(
            Value::Object(call.params),
            json!({"vals": {"name": "x"}, "context": {"lang": "en_US"}})
        );
        let call = name_arguments(
            "search_read",
            vec![json!([["name", "=", "x"]])],
            Map::from_iter([("limit".to_owned(), json!(5))]),
        )
        .unwrap();
        assert_eq!(call.ids, None);
        assert_eq!(
            Value::Object(call.params),
            json!({"domain": [["name", "=", "x"]], "limit": 5})
        );
        assert!(name_arguments("unlink", vec![json!([1]), json!(2)], Map::new()).is_err());
        assert!(
            name_arguments(
                "search",
                vec![json!([])],
                Map::from_iter([("domain".to_owned(), json!([]))])
            )
            .is_err()
        );
        assert!(name_arguments("action_confirm", vec![json!([1])], Map::new()).is_err());
        let call = name_arguments(
            "action_confirm",
            vec![],
            Map::from_iter([("ids".to_owned(), json!([1]))]),
        )
        .unwrap();
        assert_eq!(call.ids, Some(json!([1])));
    }

    #[test]
    fn error_pages_give_their_title() {
        assert_eq!(
            body_detail("<html><head><title>404: Not Found</title></head><body>…</body></html>"),
            "404: Not Found"
        );
        assert_eq!(body_detail(" "), "no explanation given");
    }
}
