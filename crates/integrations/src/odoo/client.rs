//! [`OdooClient`]: one agency's access to its Odoo, over JSON-2 or XML-RPC with the same calls
//! and the same values ([`serde_json::Value`], see [`xmlrpc_codec`](super::xmlrpc_codec)).

use super::config::{OdooConfig, OdooProtocol};
use super::error::OdooError;
use super::json2::Json2;
use super::wire::{XMLRPC_COMMON_PATH, XMLRPC_OBJECT_PATH, name_arguments};
use super::xmlrpc::XmlRpc;
use serde_json::{Map, Value, json};
use tokio::sync::OnceCell;

/// What the server says it is.
#[derive(Clone, Debug, PartialEq)]
pub struct OdooVersion {
    /// `"19.0"`, `"saas~18.3+e"`.
    pub server_version: String,
    /// `[19, 0, 0, "final", 0, ""]`.
    pub server_version_info: Vec<Value>,
    /// `"19.0"`: over JSON-2, the first two items of `server_version_info` (`/web/version` has
    /// no `server_serie`).
    pub server_serie: String,
    /// XML-RPC's `protocol_version` (1); JSON-2 has none.
    pub protocol_version: Option<i64>,
}

/// Who the API key signs in as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OdooUser {
    pub uid: i64,
    pub name: Option<String>,
    pub login: String,
}

/// A tenant's Odoo client. Keep one per tenant (it caches the user id XML-RPC needs) and call
/// it through [`Resilience`](crate::Resilience): [`OdooError`] says which failures are
/// retryable.
pub struct OdooClient {
    config: OdooConfig,
    http: reqwest::Client,
    uid: OnceCell<i64>,
}

impl OdooClient {
    /// `http` carries timeouts and TLS settings.
    pub fn new(config: OdooConfig, http: reqwest::Client) -> OdooClient {
        OdooClient {
            config,
            http,
            uid: OnceCell::new(),
        }
    }

    pub fn config(&self) -> &OdooConfig {
        &self.config
    }

    /// The user id learnt by [`OdooClient::authenticate`] (or by the first XML-RPC call).
    pub fn cached_uid(&self) -> Option<i64> {
        self.uid.get().copied()
    }

    /// XML-RPC `common.version()`; JSON-2 `GET /web/version`. Needs no credentials.
    pub async fn version(&self) -> Result<OdooVersion, OdooError> {
        match self.config.protocol {
            OdooProtocol::XmlRpc => {
                let value = self
                    .xmlrpc()
                    .call(XMLRPC_COMMON_PATH, "version", &[])
                    .await?;
                Ok(OdooVersion {
                    server_version: string_field(&value, "server_version")?,
                    server_version_info: array_field(&value, "server_version_info")?,
                    server_serie: string_field(&value, "server_serie")?,
                    protocol_version: value.get("protocol_version").and_then(Value::as_i64),
                })
            }
            OdooProtocol::Json2 => {
                let value = self.json2().version().await?;
                let info = array_field(&value, "version_info")?;
                let serie = match info.as_slice() {
                    [major, minor, ..] => format!("{}.{}", plain(major), plain(minor)),
                    _ => string_field(&value, "version")?,
                };
                Ok(OdooVersion {
                    server_version: string_field(&value, "version")?,
                    server_version_info: info,
                    server_serie: serie,
                    protocol_version: None,
                })
            }
        }
    }

    /// Signs in and says as whom; two HTTP calls. XML-RPC: `common.authenticate(db, login, key,
    /// {})`, which answers `False` or (in some versions) faults with 3 when refused; the user id
    /// is cached for [`OdooClient::execute_kw`]. JSON-2 has no sign-in: the key names the user,
    /// whose id `res.users/context_get` returns ("It is still possible to retrieve the user's
    /// own ID by sending a JSON-2 request to `res.users/context_get` with no ID"
    /// [P: odoo/documentation external_api.rst @0516a4dc]; its `uid` entry, odoo/odoo
    /// `odoo/addons/base/models/res_users.py`). Then `res.users.read([uid], ["name", "login"])`,
    /// which every user may do on their own record (`SELF_READABLE_FIELDS`, same file).
    pub async fn authenticate(&self) -> Result<OdooUser, OdooError> {
        let uid = match self.config.protocol {
            OdooProtocol::XmlRpc => self.xmlrpc_login().await?,
            OdooProtocol::Json2 => {
                let context = self
                    .json2()
                    .call("res.users", "context_get", Map::new())
                    .await?;
                context.get("uid").and_then(Value::as_i64).ok_or_else(|| {
                    OdooError::bad_response(format!(
                        "res.users/context_get gave no uid: {}",
                        short(&context)
                    ))
                })?
            }
        };
        // The same key always names the same user, so a value already there is this one.
        let _ = self.uid.set(uid);
        let mut users = self.read("res.users", &[uid], &["name", "login"]).await?;
        let user = users.pop().unwrap_or_default();
        Ok(OdooUser {
            uid,
            name: user.get("name").and_then(Value::as_str).map(str::to_owned),
            login: user
                .get("login")
                .and_then(Value::as_str)
                .unwrap_or(&self.config.login)
                .to_owned(),
        })
    }

    /// Any model method: `args` positional and `kwargs` named, as XML-RPC's `execute_kw` takes
    /// them (`kwargs["context"]` for the context). Over JSON-2 the positional arguments are
    /// named after the method's signature ([`wire::signature`](super::wire::signature)): the
    /// first is the record `ids` for record methods (`read`, `write`, `unlink`, `copy`), the
    /// others take their parameter names (`search_read(domain, fields, offset, limit, order)`,
    /// `create(vals_list)`, `write(vals)`, `fields_get(allfields, attributes)`, …); a method
    /// not in that table takes `kwargs` only, with its ids as `kwargs["ids"]`. JSON-2 answers a
    /// recordset as its ids, so `create` with one dict gives `[id]` there: it is unwrapped to
    /// `id`, as XML-RPC returns it.
    pub async fn execute_kw(
        &self,
        model: &str,
        method: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, OdooError> {
        match self.config.protocol {
            OdooProtocol::XmlRpc => {
                let uid = *self.uid.get_or_try_init(|| self.xmlrpc_login()).await?;
                let params = [
                    Value::from(self.config.database.as_str()),
                    Value::from(uid),
                    Value::from(self.config.api_key.expose()),
                    Value::from(model),
                    Value::from(method),
                    Value::Array(args),
                    Value::Object(kwargs),
                ];
                self.xmlrpc()
                    .call(XMLRPC_OBJECT_PATH, "execute_kw", &params)
                    .await
            }
            OdooProtocol::Json2 => {
                let single_create =
                    method == "create" && args.first().is_some_and(Value::is_object);
                let call = name_arguments(method, args, kwargs)
                    .map_err(|reason| OdooError::InvalidCall { reason })?;
                let mut body = call.params;
                if let Some(ids) = call.ids {
                    body.insert("ids".to_owned(), ids);
                }
                let result = self.json2().call(model, method, body).await?;
                Ok(match result {
                    Value::Array(mut ids) if single_create && ids.len() == 1 => ids.remove(0),
                    other => other,
                })
            }
        }
    }

    /// Records matching `domain` (e.g. `[["is_company", "=", true]]`), with `fields` (all when
    /// empty). Many2one values read as `[id, "display name"]` or `false`.
    pub async fn search_read(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        limit: Option<u32>,
    ) -> Result<Vec<Map<String, Value>>, OdooError> {
        let mut kwargs = Map::new();
        if !fields.is_empty() {
            kwargs.insert("fields".into(), json!(fields));
        }
        if let Some(limit) = limit {
            kwargs.insert("limit".into(), json!(limit));
        }
        let value = self
            .execute_kw(model, "search_read", vec![domain], kwargs)
            .await?;
        records(value, model, "search_read")
    }

    pub async fn search(
        &self,
        model: &str,
        domain: Value,
        limit: Option<u32>,
    ) -> Result<Vec<i64>, OdooError> {
        let mut kwargs = Map::new();
        if let Some(limit) = limit {
            kwargs.insert("limit".into(), json!(limit));
        }
        let value = self
            .execute_kw(model, "search", vec![domain], kwargs)
            .await?;
        ids(&value, model, "search")
    }

    /// The records of `ids` that still exist (Odoo leaves deleted ones out).
    pub async fn read(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[&str],
    ) -> Result<Vec<Map<String, Value>>, OdooError> {
        let mut kwargs = Map::new();
        if !fields.is_empty() {
            kwargs.insert("fields".into(), json!(fields));
        }
        let value = self
            .execute_kw(model, "read", vec![json!(ids)], kwargs)
            .await?;
        records(value, model, "read")
    }

    /// The new record's id. x2many fields take command lists, e.g.
    /// `"invoice_line_ids": [[0, 0, {"name": "Filing fee", "price_unit": 150.0}]]`.
    pub async fn create(&self, model: &str, vals: Map<String, Value>) -> Result<i64, OdooError> {
        let value = self
            .execute_kw(model, "create", vec![Value::Object(vals)], Map::new())
            .await?;
        match &value {
            Value::Array(items) if items.len() == 1 => items[0].as_i64(),
            other => other.as_i64(),
        }
        .ok_or_else(|| unexpected(model, "create", "an id", &value))
    }

    pub async fn write(
        &self,
        model: &str,
        ids: &[i64],
        vals: Map<String, Value>,
    ) -> Result<bool, OdooError> {
        let value = self
            .execute_kw(
                model,
                "write",
                vec![json!(ids), Value::Object(vals)],
                Map::new(),
            )
            .await?;
        value
            .as_bool()
            .ok_or_else(|| unexpected(model, "write", "true or false", &value))
    }

    pub async fn unlink(&self, model: &str, ids: &[i64]) -> Result<bool, OdooError> {
        let value = self
            .execute_kw(model, "unlink", vec![json!(ids)], Map::new())
            .await?;
        value
            .as_bool()
            .ok_or_else(|| unexpected(model, "unlink", "true or false", &value))
    }

    /// Field name -> its attributes (`string`, `type`, `required`, `relation`, …), only
    /// `attributes` when not empty.
    pub async fn fields_get(
        &self,
        model: &str,
        attributes: &[&str],
    ) -> Result<Map<String, Value>, OdooError> {
        let mut kwargs = Map::new();
        if !attributes.is_empty() {
            kwargs.insert("attributes".into(), json!(attributes));
        }
        match self.execute_kw(model, "fields_get", vec![], kwargs).await? {
            Value::Object(fields) => Ok(fields),
            other => Err(unexpected(model, "fields_get", "an object", &other)),
        }
    }

    /// Which of `models` this database has (e.g. whether the `x_comply360_commission` model is
    /// installed), in the order given; one `ir.model` search_read.
    pub async fn models_present(&self, models: &[&str]) -> Result<Vec<String>, OdooError> {
        if models.is_empty() {
            return Ok(Vec::new());
        }
        let found = self
            .search_read(
                "ir.model",
                json!([["model", "in", models]]),
                &["model"],
                None,
            )
            .await?;
        let found: Vec<&str> = found
            .iter()
            .filter_map(|r| r.get("model").and_then(Value::as_str))
            .collect();
        Ok(models
            .iter()
            .filter(|m| found.contains(m))
            .map(|m| (*m).to_owned())
            .collect())
    }

    /// XML-RPC `common.authenticate`, the user id or why not.
    async fn xmlrpc_login(&self) -> Result<i64, OdooError> {
        let params = [
            Value::from(self.config.database.as_str()),
            Value::from(self.config.login.as_str()),
            Value::from(self.config.api_key.expose()),
            json!({}),
        ];
        let value = self
            .xmlrpc()
            .call(XMLRPC_COMMON_PATH, "authenticate", &params)
            .await?;
        match value {
            Value::Number(n) => n
                .as_i64()
                .ok_or_else(|| OdooError::bad_response(format!("authenticate gave uid {n}"))),
            Value::Bool(false) => Err(OdooError::AuthenticationRefused {
                login: self.config.login.clone(),
                message: "the login or API key is wrong, or the database does not exist (Odoo answered False)".to_owned(),
            }),
            other => Err(unexpected("common", "authenticate", "a user id", &other)),
        }
    }

    fn xmlrpc(&self) -> XmlRpc<'_> {
        XmlRpc {
            http: &self.http,
            base_url: &self.config.base_url,
            login: &self.config.login,
        }
    }

    fn json2(&self) -> Json2<'_> {
        Json2 {
            http: &self.http,
            base_url: &self.config.base_url,
            database: &self.config.database,
            api_key: &self.config.api_key,
            login: &self.config.login,
        }
    }
}

fn records(value: Value, model: &str, method: &str) -> Result<Vec<Map<String, Value>>, OdooError> {
    let Value::Array(items) = value else {
        return Err(unexpected(model, method, "a list of records", &value));
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(record) => Ok(record),
            other => Err(unexpected(model, method, "a record", &other)),
        })
        .collect()
}

fn ids(value: &Value, model: &str, method: &str) -> Result<Vec<i64>, OdooError> {
    value
        .as_array()
        .and_then(|items| items.iter().map(Value::as_i64).collect())
        .ok_or_else(|| unexpected(model, method, "a list of ids", value))
}

fn string_field(value: &Value, name: &str) -> Result<String, OdooError> {
    value
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| OdooError::bad_response(format!("no {name:?} in {}", short(value))))
}

fn array_field(value: &Value, name: &str) -> Result<Vec<Value>, OdooError> {
    value
        .get(name)
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| OdooError::bad_response(format!("no {name:?} list in {}", short(value))))
}

/// A version part as written in a version: `19`, `saas~18`.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn unexpected(model: &str, method: &str, expected: &str, got: &Value) -> OdooError {
    OdooError::bad_response(format!(
        "{model}.{method} should give {expected}, gave {}",
        short(got)
    ))
}

/// A value cut short for an error message.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 120 {
        let mut cut: String = text.chars().take(120).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}
