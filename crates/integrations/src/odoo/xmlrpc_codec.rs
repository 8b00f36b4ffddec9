//! XML-RPC text <-> [`serde_json::Value`], the one place where the two value models meet, used
//! by the client and by the stand-in alike.
//!
//! | XML-RPC | JSON |
//! |---|---|
//! | `int`, `i4`, `i8` (and `i1`, `i2`, `biginteger`, read only) | integer |
//! | `double` (and `float`, `bigdecimal`, read only) | number (finite only) |
//! | `boolean` | bool |
//! | `string`, or a `value` with no type | string |
//! | `nil` | null |
//! | `array` | array |
//! | `struct` | object |
//! | `dateTime.iso8601` | string, as sent (`20260115T10:30:00`) |
//! | `base64` | string, the base64 text without whitespace |
//!
//! Odoo itself sends dates and binaries as strings [P: odoo/odoo `addons/base/controllers/rpc.py`,
//! `OdooMarshaller.dump_datetime` / `dump_bytes`], so the last two rows only matter for other
//! servers. Writing: an integer outside `i32` goes out as `i8` (which Python's `xmlrpc.client`
//! reads), an unsigned integer beyond `i64` as a `double`; control characters that XML 1.0
//! forbids are dropped, as Odoo's own marshaller does (`CONTROL_CHARACTERS` in rpc.py), and a
//! carriage return is written `&#13;` so that XML's end-of-line normalisation keeps it.
//!
//! Hand-written over quick-xml rather than dxr (DEPENDENCIES.md): dxr's typed values would need a
//! second conversion to JSON anyway, and its client does not check the HTTP status.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Number, Value};

/// Deeper documents are refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 256;

/// Why a document is not the XML-RPC expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CodecError(String);

impl CodecError {
    fn new(reason: impl Into<String>) -> CodecError {
        CodecError(reason.into())
    }
}

/// A `<fault>`: Odoo's integer code (the legacy `/xmlrpc` routes send strings, read as 0) and
/// its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub code: i64,
    pub message: String,
}

/// `<methodCall>` for `method` with `params`.
pub fn encode_call(method: &str, params: &[Value]) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodCall><methodName>");
    escape_into(&mut out, method);
    out.push_str("</methodName><params>");
    for param in params {
        out.push_str("<param>");
        encode_value(&mut out, param);
        out.push_str("</param>");
    }
    out.push_str("</params></methodCall>\n");
    out
}

/// `<methodResponse>` carrying one value.
pub fn encode_response(value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodResponse><params><param>");
    encode_value(&mut out, value);
    out.push_str("</param></params></methodResponse>\n");
    out
}

/// `<methodResponse>` carrying a fault.
pub fn encode_fault(fault: &Fault) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodResponse><fault>");
    let mut members = Map::new();
    members.insert("faultCode".into(), Value::from(fault.code));
    members.insert("faultString".into(), Value::from(fault.message.as_str()));
    encode_value(&mut out, &Value::Object(members));
    out.push_str("</fault></methodResponse>\n");
    out
}

/// One `<value>…</value>`.
pub fn encode_value(out: &mut String, value: &Value) {
    out.push_str("<value>");
    match value {
        Value::Null => out.push_str("<nil/>"),
        Value::Bool(b) => {
            out.push_str(if *b {
                "<boolean>1</boolean>"
            } else {
                "<boolean>0</boolean>"
            });
        }
        Value::Number(n) => encode_number(out, n),
        Value::String(s) => {
            out.push_str("<string>");
            escape_into(out, s);
            out.push_str("</string>");
        }
        Value::Array(items) => {
            out.push_str("<array><data>");
            for item in items {
                encode_value(out, item);
            }
            out.push_str("</data></array>");
        }
        Value::Object(members) => {
            out.push_str("<struct>");
            for (name, member) in members {
                out.push_str("<member><name>");
                escape_into(out, name);
                out.push_str("</name>");
                encode_value(out, member);
                out.push_str("</member>");
            }
            out.push_str("</struct>");
        }
    }
    out.push_str("</value>");
}

fn encode_number(out: &mut String, n: &Number) {
    let text = match (n.as_i64(), n.as_u64()) {
        (Some(i), _) if i32::try_from(i).is_ok() => format!("<int>{i}</int>"),
        (Some(i), _) => format!("<i8>{i}</i8>"),
        // Beyond i64: only a double can carry it (approximately).
        (None, Some(u)) => format!("<double>{:?}</double>", u as f64),
        // Debug keeps a `.0` on whole numbers, so the reader sees a double.
        (None, None) => format!("<double>{:?}</double>", n.as_f64().unwrap_or(0.0)),
    };
    out.push_str(&text);
}

/// Escapes markup characters, keeps `\r` through end-of-line normalisation and drops the
/// characters XML 1.0 cannot carry.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// A `<methodCall>`: the method's name and its parameters.
pub fn decode_call(xml: &str) -> Result<(String, Vec<Value>), CodecError> {
    let root = parse_tree(xml)?;
    if root.name != "methodCall" {
        return Err(CodecError::new(format!(
            "expected <methodCall>, found <{}>",
            root.name
        )));
    }
    let method = root
        .child("methodName")
        .ok_or_else(|| CodecError::new("<methodCall> has no <methodName>"))?
        .text
        .trim()
        .to_owned();
    let params = match root.child("params") {
        Some(params) => decode_params(params)?,
        None => Vec::new(),
    };
    Ok((method, params))
}

/// A `<methodResponse>`: its value, or the fault it carries.
pub fn decode_response(xml: &str) -> Result<Result<Value, Fault>, CodecError> {
    let root = parse_tree(xml)?;
    if root.name != "methodResponse" {
        return Err(CodecError::new(format!(
            "expected <methodResponse>, found <{}>",
            root.name
        )));
    }
    if let Some(fault) = root.child("fault") {
        let value = fault
            .child("value")
            .ok_or_else(|| CodecError::new("<fault> has no <value>"))?;
        return Ok(Err(decode_fault(decode_value(value, 0)?)?));
    }
    let params = root
        .child("params")
        .ok_or_else(|| CodecError::new("<methodResponse> has neither <params> nor <fault>"))?;
    let mut values = decode_params(params)?;
    match values.len() {
        1 => Ok(Ok(values.remove(0))),
        n => Err(CodecError::new(format!(
            "a response carries one value, this one {n}"
        ))),
    }
}

fn decode_fault(value: Value) -> Result<Fault, CodecError> {
    let Value::Object(members) = value else {
        return Err(CodecError::new("a fault's value is not a struct"));
    };
    let code = match members.get("faultCode") {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(_)) => 0,
        _ => return Err(CodecError::new("a fault has no faultCode")),
    };
    let message = match members.get("faultString") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(CodecError::new("a fault has no faultString")),
    };
    Ok(Fault { code, message })
}

fn decode_params(params: &Node) -> Result<Vec<Value>, CodecError> {
    params
        .elements("param")?
        .map(|param| {
            let value = param
                .child("value")
                .ok_or_else(|| CodecError::new("a <param> has no <value>"))?;
            decode_value(value, 0)
        })
        .collect()
}

fn decode_value(node: &Node, depth: usize) -> Result<Value, CodecError> {
    if depth > MAX_DEPTH {
        return Err(CodecError::new("values are nested too deeply"));
    }
    let typed = match node.children.as_slice() {
        [] => return Ok(Value::String(node.text.clone())),
        [typed] => typed,
        _ => return Err(CodecError::new("a <value> holds more than one element")),
    };
    let scalar = || typed.text.trim();
    match typed.name.as_str() {
        "int" | "i4" | "i8" | "i1" | "i2" | "biginteger" => scalar()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| CodecError::new(format!("{:?} is not an integer", scalar()))),
        "double" | "float" | "bigdecimal" => {
            let parsed = scalar()
                .parse::<f64>()
                .map_err(|_| CodecError::new(format!("{:?} is not a double", scalar())))?;
            Number::from_f64(parsed)
                .map(Value::Number)
                .ok_or_else(|| CodecError::new(format!("{:?} is not a finite double", scalar())))
        }
        "boolean" => match scalar() {
            "1" => Ok(Value::Bool(true)),
            "0" => Ok(Value::Bool(false)),
            other => Err(CodecError::new(format!("{other:?} is not a boolean"))),
        },
        "string" => Ok(Value::String(typed.text.clone())),
        "dateTime.iso8601" => Ok(Value::String(scalar().to_owned())),
        "base64" => Ok(Value::String(
            typed.text.chars().filter(|c| !c.is_whitespace()).collect(),
        )),
        "nil" => Ok(Value::Null),
        "array" => {
            let data = typed
                .child("data")
                .ok_or_else(|| CodecError::new("an <array> has no <data>"))?;
            data.elements("value")?
                .map(|item| decode_value(item, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        "struct" => {
            let mut members = Map::new();
            for member in typed.elements("member")? {
                let name = member
                    .child("name")
                    .ok_or_else(|| CodecError::new("a <member> has no <name>"))?;
                let value = member
                    .child("value")
                    .ok_or_else(|| CodecError::new("a <member> has no <value>"))?;
                members.insert(name.text.clone(), decode_value(value, depth + 1)?);
            }
            Ok(Value::Object(members))
        }
        other => Err(CodecError::new(format!("<{other}> is not an XML-RPC type"))),
    }
}

/// An element with its child elements and its text (entities resolved).
#[derive(Debug, Default)]
struct Node {
    name: String,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The children, which must all be `name` elements.
    fn elements<'a>(
        &'a self,
        name: &'a str,
    ) -> Result<impl Iterator<Item = &'a Node> + 'a, CodecError> {
        match self.children.iter().find(|c| c.name != name) {
            Some(other) => Err(CodecError::new(format!(
                "<{}> may only hold <{name}>, not <{}>",
                self.name, other.name
            ))),
            None => Ok(self.children.iter()),
        }
    }
}

fn parse_tree(xml: &str) -> Result<Node, CodecError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let malformed = |e: &dyn std::fmt::Display| CodecError::new(format!("malformed XML: {e}"));
    loop {
        let event = reader.read_event().map_err(|e| malformed(&e))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(CodecError::new("content after the root element"));
                }
                if stack.len() >= MAX_DEPTH * 3 {
                    return Err(CodecError::new("elements are nested too deeply"));
                }
                stack.push(Node {
                    name: element_name(start.local_name().as_ref())?,
                    ..Node::default()
                });
            }
            Event::Empty(empty) => {
                let node = Node {
                    name: element_name(empty.local_name().as_ref())?,
                    ..Node::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err(CodecError::new("content after the root element")),
                }
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| CodecError::new("an end tag without a start"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(text) => {
                let content = text.xml10_content().map_err(|e| malformed(&e))?;
                push_text(&mut stack, &content)?;
            }
            Event::CData(data) => {
                let content = data.decode().map_err(|e| malformed(&e))?;
                push_text(&mut stack, &content)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| malformed(&e))? {
                    Some(c) => c,
                    None => match reference.decode().map_err(|e| malformed(&e))?.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => {
                            return Err(CodecError::new(format!("unknown entity &{other};")));
                        }
                    },
                };
                push_text(&mut stack, resolved.encode_utf8(&mut [0; 4]))?;
            }
            Event::DocType(_) => {
                return Err(CodecError::new("a DOCTYPE is not allowed in XML-RPC"));
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(CodecError::new("the document ends inside an element"));
    }
    root.ok_or_else(|| CodecError::new("the document is empty"))
}

fn element_name(raw: &[u8]) -> Result<String, CodecError> {
    std::str::from_utf8(raw)
        .map(str::to_owned)
        .map_err(|_| CodecError::new("an element name is not UTF-8"))
}

fn push_text(stack: &mut [Node], content: &str) -> Result<(), CodecError> {
    match stack.last_mut() {
        Some(node) => {
            node.text.push_str(content);
            Ok(())
        }
        None if content.trim().is_empty() => Ok(()),
        None => Err(CodecError::new("text outside the root element")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: &Value) -> Value {
        match decode_response(&encode_response(value)) {
            Ok(Ok(decoded)) => decoded,
            other => panic!("{value} did not round-trip: {other:?}"),
        }
    }

    #[test]
    fn values_round_trip() {
        for value in [
            json!(null),
            json!(true),
            json!(0),
            json!(-7),
            json!(5_000_000_000_i64),
            json!(1.5),
            json!(-0.25),
            json!(3.0),
            json!(""),
            json!("a & b < c > d \"quoted\" 'single'\nline\ttab é 漢 😀"),
            json!("carriage\rreturn"),
            json!([]),
            json!({}),
            json!([1, [2, [3, {"x": [false, null]}]], {"": ""}]),
            json!({"partner_id": [7, "Deco Addict"], "email": false, "amount": 1234.5}),
        ] {
            assert_eq!(round_trip(&value), value);
        }
    }

    #[test]
    fn forbidden_characters_are_dropped() {
        assert_eq!(round_trip(&json!("a\u{1}b\u{8}c")), json!("abc"));
    }

    #[test]
    fn reads_what_python_writes() {
        let xml = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><dateTime.iso8601>20260115T10:30:00</dateTime.iso8601></value>\n<value><base64>\naGVsbG8=\n</base64></value>\n<value><double>1e+300</double></value>\n<value>untyped &amp; plain</value>\n<value><string></string></value>\n<value><i4>-3</i4></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n";
        let value = decode_response(xml).unwrap().unwrap();
        assert_eq!(
            value,
            json!([
                "20260115T10:30:00",
                "aGVsbG8=",
                1e300,
                "untyped & plain",
                "",
                -3
            ])
        );
    }

    #[test]
    fn faults_and_calls_decode() {
        let fault = Fault {
            code: 3,
            message: "Access Denied".into(),
        };
        assert_eq!(decode_response(&encode_fault(&fault)).unwrap(), Err(fault));
        let (method, params) =
            decode_call(&encode_call("execute_kw", &[json!("db"), json!(2)])).unwrap();
        assert_eq!(method, "execute_kw");
        assert_eq!(params, [json!("db"), json!(2)]);
    }

    #[test]
    fn rejects_what_is_not_xml_rpc() {
        for bad in [
            "",
            "<html><body>404 Not Found</body></html>",
            "<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
            "<methodResponse><params><param><value><double>inf</double></value></param></params></methodResponse>",
            "<methodResponse><params><param><value><int>1</int>",
            "<!DOCTYPE x [<!ENTITY a \"b\">]><methodResponse/>",
        ] {
            assert!(decode_response(bad).is_err(), "{bad}");
        }
        let deep = format!(
            "<methodResponse><params><param>{}{}</param></params></methodResponse>",
            "<value><array><data>".repeat(400),
            "</data></array></value>".repeat(400)
        );
        assert!(decode_response(&deep).is_err());
    }
}
