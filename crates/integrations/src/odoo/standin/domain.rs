//! Search domains: a list of terms `[field, operator, value]` and the prefix operators `"&"`,
//! `"|"` (two operands) and `"!"` (one), the top-level terms joined by an implicit AND (Polish
//! notation, as Odoo reads them).
//!
//! Supported operators: `=`, `!=`, `in`, `not in`, `like`, `ilike`, `>`, `<`, `>=`, `<=`, on
//! the model's own fields and `id`. `like`/`ilike` match the value anywhere (Odoo wraps it in
//! `%…%`), with `%` and `_` as SQL wildcards. `= false` matches an unset field; `!=` and `not
//! in` match unset fields too, as in Odoo. Anything else (`child_of`, `=like`, a path such as
//! `partner_id.name`) is refused with a `ValueError`, never guessed.

use super::records::{OrmError, repr};
use super::schema::{FieldType, Model};
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Domain {
    Leaf(Leaf),
    And(Box<Domain>, Box<Domain>),
    Or(Box<Domain>, Box<Domain>),
    Not(Box<Domain>),
    True,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Leaf {
    pub field: String,
    pub op: Op,
    pub value: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Like,
    Ilike,
    Gt,
    Lt,
    Ge,
    Le,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "=" | "==" => Op::Eq,
            "!=" | "<>" => Op::Ne,
            "in" => Op::In,
            "not in" => Op::NotIn,
            "like" => Op::Like,
            "ilike" => Op::Ilike,
            ">" => Op::Gt,
            "<" => Op::Lt,
            ">=" => Op::Ge,
            "<=" => Op::Le,
            _ => return None,
        })
    }
}

impl Domain {
    /// Reads `value` (a list) for `model`, checking fields and operators.
    pub fn parse(value: &Value, model: &Model) -> Result<Domain, OrmError> {
        let items = match value {
            Value::Array(items) => items,
            Value::Null | Value::Bool(false) => return Ok(Domain::True),
            other => return Err(OrmError::value(format!("Invalid domain: {other}"))),
        };
        let mut rest = items.iter();
        let mut terms = Vec::new();
        while rest.len() > 0 {
            terms.push(parse_term(&mut rest, model, value)?);
        }
        Ok(terms
            .into_iter()
            .rev()
            .reduce(|acc, term| Domain::And(Box::new(term), Box::new(acc)))
            .unwrap_or(Domain::True))
    }

    /// Whether any leaf names `field` (a domain that mentions `active` turns off the implicit
    /// `active = True`).
    pub fn mentions(&self, field: &str) -> bool {
        match self {
            Domain::Leaf(leaf) => leaf.field == field,
            Domain::And(a, b) | Domain::Or(a, b) => a.mentions(field) || b.mentions(field),
            Domain::Not(a) => a.mentions(field),
            Domain::True => false,
        }
    }

    /// Whether the stored record `row` (with `id`) matches.
    pub fn matches(&self, row: &Map<String, Value>) -> bool {
        match self {
            Domain::True => true,
            Domain::And(a, b) => a.matches(row) && b.matches(row),
            Domain::Or(a, b) => a.matches(row) || b.matches(row),
            Domain::Not(a) => !a.matches(row),
            Domain::Leaf(leaf) => leaf.matches(row),
        }
    }
}

fn parse_term<'a>(
    rest: &mut impl Iterator<Item = &'a Value>,
    model: &Model,
    whole: &Value,
) -> Result<Domain, OrmError> {
    let incomplete = || OrmError::value(format!("Domain {whole} is syntactically not correct."));
    let item = rest.next().ok_or_else(incomplete)?;
    match item {
        Value::String(op) if op == "&" || op == "|" => {
            let a = parse_term(rest, model, whole)?;
            let b = parse_term(rest, model, whole)?;
            Ok(if op == "&" {
                Domain::And(Box::new(a), Box::new(b))
            } else {
                Domain::Or(Box::new(a), Box::new(b))
            })
        }
        Value::String(op) if op == "!" => {
            Ok(Domain::Not(Box::new(parse_term(rest, model, whole)?)))
        }
        Value::Array(parts) if parts.len() == 3 => {
            let (Some(field), Some(op)) = (parts[0].as_str(), parts[1].as_str()) else {
                return Err(OrmError::value(format!("Invalid leaf {item}")));
            };
            if field.contains('.') {
                return Err(OrmError::value(format!(
                    "Invalid leaf {item}: the Odoo stand-in does not follow field paths ({})",
                    repr(field)
                )));
            }
            match model.field(field).map(|f| f.kind) {
                _ if field == "id" => {}
                Some(FieldType::One2many { .. }) => {
                    return Err(OrmError::value(format!(
                        "Invalid leaf {item}: the Odoo stand-in does not search one2many fields"
                    )));
                }
                Some(_) => {}
                None => {
                    return Err(OrmError::value(format!(
                        "Invalid field {} on model {}",
                        repr(field),
                        repr(model.name)
                    )));
                }
            }
            let op = Op::parse(&op.to_ascii_lowercase()).ok_or_else(|| {
                OrmError::value(format!(
                    "Invalid operator {} in {item}: the Odoo stand-in supports =, !=, in, not in, like, ilike, >, <, >=, <=",
                    repr(op)
                ))
            })?;
            Ok(Domain::Leaf(Leaf {
                field: field.to_owned(),
                op,
                value: parts[2].clone(),
            }))
        }
        other => Err(OrmError::value(format!("Invalid leaf {other}"))),
    }
}

impl Leaf {
    fn matches(&self, row: &Map<String, Value>) -> bool {
        let stored = row.get(&self.field).unwrap_or(&Value::Bool(false));
        match self.op {
            Op::Eq => equal(stored, &self.value),
            Op::Ne => !equal(stored, &self.value),
            Op::In => list(&self.value).iter().any(|v| equal(stored, v)),
            Op::NotIn => !list(&self.value).iter().any(|v| equal(stored, v)),
            Op::Like | Op::Ilike => {
                let (Value::String(text), Some(pattern)) = (stored, text_of(&self.value)) else {
                    return false;
                };
                if self.op == Op::Ilike {
                    like(&text.to_lowercase(), &pattern.to_lowercase())
                } else {
                    like(text, &pattern)
                }
            }
            Op::Gt | Op::Lt | Op::Ge | Op::Le => {
                let Some(order) = compare(stored, &self.value) else {
                    return false;
                };
                match self.op {
                    Op::Gt => order.is_gt(),
                    Op::Lt => order.is_lt(),
                    Op::Ge => order.is_ge(),
                    _ => order.is_le(),
                }
            }
        }
    }
}

/// Unset is `false`, `null` or an empty string.
fn is_unset(value: &Value) -> bool {
    matches!(value, Value::Null | Value::Bool(false)) || value.as_str() == Some("")
}

/// Odoo's `=`: `false` matches unset; numbers compare by value (`True == 1` as in Python);
/// a many2one read back as `[id, name]` compares by id.
fn equal(stored: &Value, wanted: &Value) -> bool {
    if matches!(wanted, Value::Bool(false) | Value::Null) {
        return is_unset(stored) || stored == &Value::Bool(false);
    }
    if let Value::Array(pair) = wanted
        && let [id, Value::String(_)] = pair.as_slice()
    {
        return equal(stored, id);
    }
    match (number(stored), number(wanted)) {
        (Some(a), Some(b)) => a == b,
        _ => stored == wanted,
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn compare(stored: &Value, wanted: &Value) -> Option<std::cmp::Ordering> {
    if is_unset(stored) && !matches!(stored, Value::Number(_)) {
        return None;
    }
    match (stored, wanted) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
        _ => None,
    }
}

fn list(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// SQL `LIKE '%pattern%'`: `%` any run, `_` any one character.
pub(crate) fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let mut wrapped = vec!['%'];
    wrapped.extend(pattern.chars());
    wrapped.push('%');
    // Classic wildcard matching, O(text × pattern), without recursion.
    let (mut t, mut p) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < wrapped.len() && (wrapped[p] == '_' || wrapped[p] == text[t]) {
            t += 1;
            p += 1;
        } else if p < wrapped.len() && wrapped[p] == '%' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    while p < wrapped.len() && wrapped[p] == '%' {
        p += 1;
    }
    p == wrapped.len()
}

#[cfg(test)]
mod tests {
    use super::super::schema::models;
    use super::*;
    use serde_json::json;

    fn partner() -> Model {
        models(false)
            .into_iter()
            .find(|m| m.name == "res.partner")
            .unwrap()
    }

    fn row(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn check(domain: Value, record: &Map<String, Value>) -> bool {
        Domain::parse(&domain, &partner()).unwrap().matches(record)
    }

    #[test]
    fn operators_and_prefix_notation() {
        let deco = row(
            json!({"id": 3, "name": "Deco Addict", "is_company": true, "email": false, "parent_id": false}),
        );
        assert!(check(json!([["name", "ilike", "deco"]]), &deco));
        assert!(check(json!([["name", "ilike", "%deco%"]]), &deco));
        assert!(!check(json!([["name", "like", "deco"]]), &deco));
        assert!(check(json!([["name", "like", "D_co"]]), &deco));
        assert!(check(
            json!([["is_company", "=", true], ["id", "in", [1, 3]]]),
            &deco
        ));
        assert!(!check(
            json!([["is_company", "=", true], ["id", "in", [1, 2]]]),
            &deco
        ));
        assert!(check(
            json!(["|", ["id", "=", 9], ["name", "=", "Deco Addict"]]),
            &deco
        ));
        assert!(!check(
            json!(["&", ["id", "=", 9], ["name", "=", "Deco Addict"]]),
            &deco
        ));
        assert!(check(json!(["!", ["id", "=", 9]]), &deco));
        assert!(check(json!([["email", "=", false]]), &deco));
        assert!(check(json!([["email", "!=", "x@y"]]), &deco));
        assert!(check(json!([["parent_id", "not in", [1]]]), &deco));
        assert!(check(json!([["id", ">", 2], ["id", "<=", 3]]), &deco));
        assert!(!check(json!([["id", ">=", 4]]), &deco));
        assert!(check(json!([]), &deco));
    }

    #[test]
    fn unsupported_domains_are_refused() {
        for bad in [
            json!([["parent_id", "child_of", 1]]),
            json!([["parent_id.name", "=", "x"]]),
            json!([["nope", "=", 1]]),
            json!(["|", ["id", "=", 1]]),
            json!([["id", "="]]),
            json!("name = 1"),
        ] {
            let err = Domain::parse(&bad, &partner()).unwrap_err();
            assert!(
                matches!(
                    err,
                    OrmError::Python {
                        exception: "ValueError",
                        ..
                    }
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn like_wildcards() {
        assert!(like("abc", ""));
        assert!(like("abc", "b"));
        assert!(like("abc", "a%c"));
        assert!(!like("abc", "c%a"));
        assert!(like("a%c", "%"));
    }
}
