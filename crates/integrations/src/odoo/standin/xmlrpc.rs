//! The stand-in's `/xmlrpc/2/common` and `/xmlrpc/2/object`: every answer is HTTP 200 with a
//! `<methodResponse>`, a fault included, as Odoo's `_xmlrpc_common` does.

use super::records::{OrmError, has_method, is_record_method, repr};
use super::{StandIn, StandInConfig, StandInUser};
use crate::odoo::wire::{NamedCall, name_arguments};
use crate::odoo::xmlrpc_codec::{Fault, decode_call, encode_fault, encode_response};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub(super) async fn common(State(sim): State<Arc<StandIn>>, body: String) -> Response {
    answer(
        decode_call(&body)
            .map_err(malformed)
            .and_then(|(method, params)| {
                sim.count("common", &method);
                common_call(&sim.config, &method, &params)
            }),
    )
}

pub(super) async fn object(State(sim): State<Arc<StandIn>>, body: String) -> Response {
    answer(
        decode_call(&body)
            .map_err(malformed)
            .and_then(|(method, params)| object_call(&sim, &method, params)),
    )
}

fn answer(result: Result<Value, Fault>) -> Response {
    let body = match result {
        Ok(value) => encode_response(&value),
        Err(fault) => encode_fault(&fault),
    };
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

fn malformed(reason: impl std::fmt::Display) -> Fault {
    python_fault("xml.parsers.expat.ExpatError", &reason.to_string())
}

/// Fault 1 as Odoo sends it: the formatted traceback, its last line the exception.
fn python_fault(exception: &str, message: &str) -> Fault {
    Fault {
        code: 1,
        message: format!(
            "Traceback (most recent call last):\n  File \"/opt/odoo/odoo/service/model.py\", line 1, in execute_cr\n    (the Odoo stand-in)\n{exception}: {message}\n"
        ),
    }
}

fn access_denied() -> Fault {
    Fault {
        code: 3,
        message: "Access Denied".to_owned(),
    }
}

fn orm_fault(error: OrmError) -> Fault {
    match error {
        OrmError::User(message) | OrmError::Validation(message) | OrmError::Missing(message) => {
            Fault { code: 2, message }
        }
        OrmError::Python { exception, message } => python_fault(exception, &message),
    }
}

fn string_at<'a>(params: &'a [Value], i: usize, function: &str) -> Result<&'a str, Fault> {
    params.get(i).and_then(Value::as_str).ok_or_else(|| {
        python_fault(
            "TypeError",
            &format!("{function}() is missing argument {i} or it is not a string"),
        )
    })
}

/// A database other than ours fails to connect, as Odoo's registry does (UNCONFIRMED wording).
fn check_database(config: &StandInConfig, db: &str) -> Result<(), Fault> {
    if db == config.database {
        Ok(())
    } else {
        Err(python_fault(
            "psycopg2.OperationalError",
            &format!("connection to server failed: FATAL:  database \"{db}\" does not exist"),
        ))
    }
}

fn common_call(config: &StandInConfig, method: &str, params: &[Value]) -> Result<Value, Fault> {
    match method {
        "version" => Ok(json!({
            "server_version": config.server_version,
            "server_version_info": config.version_info(),
            "server_serie": config.server_serie(),
            "protocol_version": 1,
        })),
        "login" | "authenticate" => {
            let expected = if method == "login" { 3 } else { 4 };
            if params.len() != expected {
                return Err(python_fault(
                    "TypeError",
                    &format!(
                        "exp_{method}() takes {expected} positional arguments but {} were given",
                        params.len()
                    ),
                ));
            }
            let db = string_at(params, 0, method)?;
            let login = string_at(params, 1, method)?;
            let key = string_at(params, 2, method)?;
            check_database(config, db)?;
            match config
                .users
                .iter()
                .find(|u| u.login == login && u.api_key == key)
            {
                Some(user) => Ok(json!(user.uid)),
                None if config.authenticate_faults => Err(access_denied()),
                None => Ok(json!(false)),
            }
        }
        other => Err(python_fault(
            "NameError",
            &format!("Method not available {other}"),
        )),
    }
}

/// `execute_kw(db, uid, key, model, method, args, kw={})` or `execute(db, uid, key, model,
/// method, *args)`.
fn object_call(sim: &StandIn, method: &str, params: Vec<Value>) -> Result<Value, Fault> {
    let (args, kwargs) = match method {
        "execute_kw" => {
            if !(6..=7).contains(&params.len()) {
                return Err(python_fault(
                    "TypeError",
                    &format!(
                        "execute_kw() takes from 6 to 7 positional arguments but {} were given",
                        params.len()
                    ),
                ));
            }
            let args = match &params[5] {
                Value::Array(args) => args.clone(),
                other => {
                    return Err(python_fault(
                        "TypeError",
                        &format!("execute_kw() args must be a list, not {other}"),
                    ));
                }
            };
            let kwargs = match params.get(6) {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(kw)) => kw.clone(),
                Some(other) => {
                    return Err(python_fault(
                        "TypeError",
                        &format!("execute_kw() kw must be a dict, not {other}"),
                    ));
                }
            };
            (args, kwargs)
        }
        "execute" if params.len() >= 5 => (params[5..].to_vec(), Map::new()),
        other => {
            return Err(python_fault(
                "NameError",
                &format!("Method not available {other}"),
            ));
        }
    };
    let db = string_at(&params, 0, method)?;
    check_database(&sim.config, db)?;
    let uid = params.get(1).and_then(Value::as_i64);
    let key = params.get(2).and_then(Value::as_str);
    let user: Option<&StandInUser> = sim
        .config
        .users
        .iter()
        .find(|u| Some(u.uid) == uid && Some(u.api_key.as_str()) == key);
    let Some(user) = user else {
        return Err(access_denied());
    };
    let model = string_at(&params, 3, method)?;
    let function = string_at(&params, 4, method)?;
    if function.starts_with('_') {
        return Err(Fault {
            code: 4,
            message: format!(
                "Private methods (such as {}) cannot be called remotely.",
                repr(function)
            ),
        });
    }
    if sim.db().model(model).is_none() {
        return Err(orm_fault(OrmError::User(format!(
            "Object {model} doesn't exist"
        ))));
    }
    if !has_method(model, function) {
        return Err(python_fault(
            "AttributeError",
            &format!(
                "The method {} does not exist on the model {}",
                repr(function),
                repr(model)
            ),
        ));
    }
    let single_create = function == "create" && args.first().is_some_and(Value::is_object);
    // The stand-in's business methods (`action_post`, …) take the record ids as `args[0]` and
    // nothing else, as Odoo's `call_kw` passes them to a method not decorated `@api.model`.
    let call = if is_record_method(model, function) {
        let mut args = args.into_iter();
        let ids = args.next();
        if args.next().is_some() {
            return Err(python_fault(
                "TypeError",
                &format!("{function}() takes 1 positional argument but more were given"),
            ));
        }
        NamedCall {
            ids,
            params: kwargs,
        }
    } else {
        name_arguments(function, args, kwargs).map_err(|e| python_fault("TypeError", &e))?
    };
    let ids = record_ids(call.ids.as_ref()).map_err(orm_fault)?;
    sim.count(model, function);
    let result = sim
        .db()
        .call(user.uid, model, function, ids, call.params)
        .map_err(orm_fault)?;
    // A method answering None: Odoo's XML-RPC marshaller refuses it after the call is done
    // (and committed) (UNCONFIRMED for 19.0: xmlrpc.client's `allow_none` is off in rpc.py).
    if result.is_null() {
        return Err(python_fault(
            "TypeError",
            "cannot marshal None unless allow_none is enabled",
        ));
    }
    // `create` with one dict answers its id, with a list the ids (odoo api.call_kw).
    Ok(match result {
        Value::Array(mut ids) if single_create && ids.len() == 1 => ids.remove(0),
        other => other,
    })
}

/// The ids a record method was given: one id or a list of them.
pub(super) fn record_ids(ids: Option<&Value>) -> Result<Vec<i64>, OrmError> {
    match ids {
        None | Some(Value::Null | Value::Bool(false)) => Ok(Vec::new()),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(|id| vec![id])
            .ok_or_else(|| OrmError::type_error(format!("{n} is not a record id"))),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| OrmError::type_error(format!("{v} is not a record id")))
            })
            .collect(),
        Some(other) => Err(OrmError::type_error(format!(
            "{other} is not a list of ids"
        ))),
    }
}
