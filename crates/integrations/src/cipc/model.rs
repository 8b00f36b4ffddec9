//! What the CIPC API returns, typed where it matters and kept whole in `raw`.
//!
//! Only the Beneficial Ownership register's shape is documented (FACTS.md section 1); the
//! Companies API's field names are not. So parsing is tolerant: a field is found under any
//! spelling that matches once case, spaces and punctuation are ignored (`EnterpriseName`,
//! `enterprise_name`, `enterpriseName`), among a few plausible synonyms; dates are read in the
//! usual formats (ISO, `YYYY/MM/DD`, `DD/MM/YYYY`, `/Date(ms)/`); lists are found at the top
//! level or under a wrapper key. Every record keeps the object it came from in `raw`, so a field
//! the parser does not know is never lost. The structs themselves (de)serialise as plain
//! snake_case with `#[serde(default)]`, for storing.
//!
//! Kept in one file because it is one job, the data model of one outside API: the records and
//! the tolerant field lookup (`Fields`, `records`, `parse_date`) that only these records use.

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `GET` company profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanyProfile {
    pub enterprise_number: Option<String>,
    pub name: Option<String>,
    pub company_type: Option<String>,
    /// E.g. "07" (CIPC data: `CompanyTypeCode "07" = "Private Company"`).
    pub company_type_code: Option<String>,
    pub status: Option<String>,
    pub registration_date: Option<NaiveDate>,
    pub registered_address: Option<String>,
    pub raw: Value,
}

impl CompanyProfile {
    pub fn from_cipc(value: Value) -> CompanyProfile {
        let object = first_record(
            &value,
            &["companyprofile", "profile", "company", "enterprise"],
        );
        let f = Fields(object);
        CompanyProfile {
            enterprise_number: f.text(&[
                "enterprisenumber",
                "registrationnumber",
                "regno",
                "companynumber",
            ]),
            name: f.text(&["enterprisename", "companyname", "name", "registeredname"]),
            company_type: f.text(&[
                "enterprisetypedescription",
                "companytypedescription",
                "enterprisetype",
                "companytype",
                "type",
            ]),
            company_type_code: f.text(&["companytypecode", "enterprisetypecode", "typecode"]),
            status: f.text(&[
                "enterprisestatusdescription",
                "enterprisestatus",
                "companystatus",
                "statusdescription",
                "status",
            ]),
            registration_date: f.date(&[
                "registrationdate",
                "dateofregistration",
                "incorporationdate",
                "dateregistered",
                "businessstartdate",
            ]),
            registered_address: f.address(&[
                "registeredaddress",
                "registeredofficeaddress",
                "registeredoffice",
                "physicaladdress",
                "address",
            ]),
            raw: value,
        }
    }
}

/// One entry of the directors (appointments) list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DirectorRecord {
    pub full_name: Option<String>,
    pub id_number: Option<String>,
    pub appointed_on: Option<NaiveDate>,
    pub resigned_on: Option<NaiveDate>,
    pub role: Option<String>,
    pub status: Option<String>,
    pub raw: Value,
}

impl DirectorRecord {
    /// Whether the director still holds office (no resignation date, no resigned status).
    pub fn is_current(&self) -> bool {
        let status = self.status.as_deref().unwrap_or("").to_lowercase();
        self.resigned_on.is_none()
            && !["resign", "inactive", "removed", "deceased"]
                .iter()
                .any(|word| status.contains(word))
    }

    /// Every director in a directors response.
    pub fn list_from_cipc(value: &Value) -> Vec<DirectorRecord> {
        records(value, &["directors", "appointments", "officers", "members"])
            .into_iter()
            .map(|object| {
                let f = Fields(object);
                let full_name = f.text(&["fullname", "directorname", "name"]).or_else(|| {
                    let first = f.text(&[
                        "firstnames",
                        "firstname",
                        "forenames",
                        "givennames",
                        "givenname",
                    ]);
                    let last = f.text(&["surname", "lastname", "familyname"]);
                    let joined = [first, last]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    (!joined.is_empty()).then_some(joined)
                });
                DirectorRecord {
                    full_name,
                    id_number: f.text(&[
                        "idnumber",
                        "identitynumber",
                        "identificationnumber",
                        "idno",
                        "passportnumber",
                    ]),
                    appointed_on: f.date(&[
                        "appointmentdate",
                        "dateappointed",
                        "appointedon",
                        "appointeddate",
                        "startdate",
                    ]),
                    resigned_on: f.date(&[
                        "resignationdate",
                        "dateresigned",
                        "resignedon",
                        "enddate",
                    ]),
                    role: f.text(&[
                        "directortypedescription",
                        "directortype",
                        "appointmenttype",
                        "role",
                        "designation",
                        "type",
                    ]),
                    status: f.text(&["directorstatusdescription", "directorstatus", "status"]),
                    raw: Value::Object(object.clone()),
                }
            })
            .collect()
    }
}

/// One entry of the filing history.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FilingRecord {
    pub kind: Option<String>,
    pub filed_on: Option<NaiveDate>,
    pub reference: Option<String>,
    pub status: Option<String>,
    pub raw: Value,
}

impl FilingRecord {
    pub fn list_from_cipc(value: &Value) -> Vec<FilingRecord> {
        records(
            value,
            &["filinghistory", "filings", "history", "transactions"],
        )
        .into_iter()
        .map(|object| {
            let f = Fields(object);
            FilingRecord {
                kind: f.text(&[
                    "filingtype",
                    "filingdescription",
                    "transactiontype",
                    "documenttype",
                    "description",
                    "kind",
                    "type",
                ]),
                filed_on: f.date(&[
                    "filingdate",
                    "datefiled",
                    "filedon",
                    "lodgementdate",
                    "transactiondate",
                    "date",
                ]),
                reference: f.text(&[
                    "reference",
                    "trackingnumber",
                    "referencenumber",
                    "filingnumber",
                    "customerreference",
                ]),
                status: f.text(&["filingstatus", "status"]),
                raw: Value::Object(object.clone()),
            }
        })
        .collect()
    }
}

/// `GET /…/boreg/enterprise/register/{enterprise_number}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BeneficialOwnershipRegister {
    pub statements: Vec<BoStatement>,
    pub links: Vec<Value>,
    pub raw: Value,
}

/// What a register statement is about (entity, natural person, or ownership-or-control).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    Entity,
    Person,
    OwnershipOrControl,
    #[default]
    Other,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoStatement {
    /// As sent, e.g. `entityStatement`.
    pub statement_type: Option<String>,
    pub kind: StatementKind,
    /// E.g. "Private Company".
    pub legal_entity_type: Option<String>,
    /// E.g. "NON-AFFECTED COMPANY WITH BENEFICIAL OWNERSHIP".
    pub company_type: Option<String>,
    /// A person's or entity's name, where the statement has one.
    pub name: Option<String>,
    pub identifiers: Vec<BoIdentifier>,
    pub raw: Value,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoIdentifier {
    /// E.g. "ZA-CIPC" (sent as `registration authority`, with a space).
    pub registration_authority: Option<String>,
    pub enterprise_number: Option<String>,
    pub raw: Value,
}

impl BeneficialOwnershipRegister {
    pub fn from_cipc(value: Value) -> BeneficialOwnershipRegister {
        let statements = records(&value, &["register", "statements"])
            .into_iter()
            .map(BoStatement::from_cipc)
            .collect();
        let links = match &value {
            Value::Object(map) => Fields(map)
                .get(&["links"])
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        BeneficialOwnershipRegister {
            statements,
            links,
            raw: value,
        }
    }

    /// The natural persons named in the register.
    pub fn people(&self) -> impl Iterator<Item = &BoStatement> {
        self.statements
            .iter()
            .filter(|s| s.kind == StatementKind::Person)
    }

    /// The company type the register states (affected or not), from its entity statement.
    pub fn company_type(&self) -> Option<&str> {
        self.statements
            .iter()
            .filter(|s| s.kind == StatementKind::Entity)
            .find_map(|s| s.company_type.as_deref())
    }
}

impl BoStatement {
    fn from_cipc(object: &Map<String, Value>) -> BoStatement {
        let f = Fields(object);
        let statement_type = f.text(&["statementtype", "type"]);
        let kind = match statement_type.as_deref().map(key) {
            Some(t) if t.contains("entity") => StatementKind::Entity,
            Some(t) if t.contains("person") => StatementKind::Person,
            Some(t) if t.contains("ownership") || t.contains("control") => {
                StatementKind::OwnershipOrControl
            }
            _ => StatementKind::Other,
        };
        // A name may be plain, or BODS-style `names: [{fullName}]`.
        let name = f.text(&["fullname", "name", "entityname"]).or_else(|| {
            f.get(&["names"])
                .and_then(Value::as_array)
                .and_then(|names| names.iter().find_map(Value::as_object))
                .and_then(|first| Fields(first).text(&["fullname", "name"]))
        });
        let identifiers = f
            .get(&["identifiers"])
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_object)
                    .map(|id| {
                        let f = Fields(id);
                        BoIdentifier {
                            registration_authority: f.text(&[
                                "registrationauthority",
                                "scheme",
                                "authority",
                            ]),
                            enterprise_number: f.text(&[
                                "enterprisenumber",
                                "registrationnumber",
                                "id",
                            ]),
                            raw: Value::Object(id.clone()),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        BoStatement {
            statement_type,
            kind,
            legal_entity_type: f.text(&["legalentitytype", "entitytype"]),
            company_type: f.text(&["companytype"]),
            name,
            identifiers,
            raw: Value::Object(object.clone()),
        }
    }
}

/// A key with case, spaces and punctuation removed: `Registration Authority` → `registrationauthority`.
fn key(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Keys tried when a list sits one level down.
const WRAPPERS: &[&str] = &[
    "data", "result", "results", "value", "items", "records", "response",
];

/// The objects of the list in `value`: the value itself when it is an array, else under one of
/// `names` or a generic wrapper (two levels at most).
fn records<'a>(value: &'a Value, names: &[&str]) -> Vec<&'a Map<String, Value>> {
    fn find<'a>(value: &'a Value, names: &[&str], depth: u8) -> Option<&'a Vec<Value>> {
        match value {
            Value::Array(list) => Some(list),
            Value::Object(map) if depth > 0 => {
                let f = Fields(map);
                names
                    .iter()
                    .chain(WRAPPERS)
                    .filter_map(|name| f.get(&[*name]))
                    .find_map(|inner| find(inner, names, depth - 1))
            }
            _ => None,
        }
    }
    find(value, names, 2)
        .map(|list| list.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

/// The object describing one record: `value` itself, or the object under one of `names` or a
/// wrapper, or the first object of a list.
fn first_record<'a>(value: &'a Value, names: &[&str]) -> &'a Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    let empty = || EMPTY.get_or_init(Map::new);
    match value {
        Value::Array(list) => list.iter().find_map(Value::as_object).unwrap_or_else(empty),
        Value::Object(map) => {
            let f = Fields(map);
            names
                .iter()
                .chain(WRAPPERS)
                .filter_map(|name| f.get(&[*name]))
                .find_map(|inner| match inner {
                    Value::Object(inner) => Some(inner),
                    Value::Array(list) => list.iter().find_map(Value::as_object),
                    _ => None,
                })
                .unwrap_or(map)
        }
        _ => empty(),
    }
}

/// Field lookup that ignores how a key is spelt.
#[derive(Clone, Copy)]
struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The first of `names` (already in [`key`] form) present and not null.
    fn get(self, names: &[&str]) -> Option<&'a Value> {
        names.iter().find_map(|name| {
            self.0
                .iter()
                .find(|(k, v)| key(k) == *name && !v.is_null())
                .map(|(_, v)| v)
        })
    }

    fn text(self, names: &[&str]) -> Option<String> {
        let text = match self.get(names)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!text.is_empty()).then_some(text)
    }

    fn date(self, names: &[&str]) -> Option<NaiveDate> {
        parse_date(&self.text(names)?)
    }

    /// An address as one line, whether sent as text or as an object of lines.
    fn address(self, names: &[&str]) -> Option<String> {
        fn leaves(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
                Value::Number(n) => out.push(n.to_string()),
                Value::Array(list) => list.iter().for_each(|v| leaves(v, out)),
                Value::Object(map) => {
                    // Maps arrive sorted by key, so put the lines back in address order.
                    let mut entries: Vec<_> = map.iter().collect();
                    entries.sort_by_key(|(k, _)| (address_rank(k), key(k)));
                    entries.into_iter().for_each(|(_, v)| leaves(v, out));
                }
                _ => {}
            }
        }
        let mut parts = Vec::new();
        leaves(self.get(names)?, &mut parts);
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// Where an address part goes: street lines, suburb, city, province, code, country.
fn address_rank(name: &str) -> u8 {
    let name = key(name);
    let ranks: [(&[&str], u8); 6] = [
        (
            &["line", "street", "unit", "building", "complex", "address"],
            0,
        ),
        (&["suburb"], 1),
        (&["city", "town"], 2),
        (&["province", "region"], 3),
        (&["code", "postal"], 4),
        (&["country"], 5),
    ];
    ranks
        .iter()
        .find(|(words, _)| words.iter().any(|w| name.contains(w)))
        .map_or(6, |(_, rank)| *rank)
}

/// Dates as CIPC-era systems write them.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Some(ms) = text
        .strip_prefix("/Date(")
        .and_then(|rest| rest.split([')', '+', '-']).next())
        .and_then(|ms| ms.parse::<i64>().ok())
    {
        return DateTime::from_timestamp_millis(ms).map(|t| t.date_naive());
    }
    let head = text.get(..10).unwrap_or(text);
    ["%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(head, format).ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%Y%m%d").ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_found_however_they_are_spelt() {
        let profile = CompanyProfile::from_cipc(json!({
            "EnterpriseName": "Karoo Solar (Pty) Ltd",
            "enterprise_number": "K2015/255566/07",
            "CompanyTypeCode": "07",
            "Registration Date": "2015-06-01T00:00:00",
            "RegisteredAddress": {"Line1": "1 Main Road", "City": "Cape Town", "Code": 8001},
            "Unknown": 1
        }));
        assert_eq!(profile.name.as_deref(), Some("Karoo Solar (Pty) Ltd"));
        assert_eq!(
            profile.enterprise_number.as_deref(),
            Some("K2015/255566/07")
        );
        assert_eq!(profile.company_type_code.as_deref(), Some("07"));
        assert_eq!(
            profile.registration_date,
            NaiveDate::from_ymd_opt(2015, 6, 1)
        );
        assert_eq!(
            profile.registered_address.as_deref(),
            Some("1 Main Road, Cape Town, 8001")
        );
        assert_eq!(profile.raw["Unknown"], 1);
    }

    #[test]
    fn lists_are_found_under_wrappers() {
        let directors = DirectorRecord::list_from_cipc(&json!({"data": {"Directors": [
            {"FirstNames": "Thandi", "Surname": "Nkosi", "DateAppointed": "2015/06/01"},
            {"FullName": "Old Director", "ResignationDate": "01/02/2019"}
        ]}}));
        assert_eq!(directors.len(), 2);
        assert_eq!(directors[0].full_name.as_deref(), Some("Thandi Nkosi"));
        assert!(directors[0].is_current());
        assert_eq!(
            directors[1].resigned_on,
            NaiveDate::from_ymd_opt(2019, 2, 1)
        );
        assert!(!directors[1].is_current());
        assert!(DirectorRecord::list_from_cipc(&json!({"nothing": 1})).is_empty());
    }

    #[test]
    fn dates_in_the_usual_formats() {
        let d = NaiveDate::from_ymd_opt(2015, 6, 1);
        for text in [
            "2015-06-01",
            "2015/06/01",
            "01/06/2015",
            "20150601",
            "/Date(1433116800000)/",
            "2015-06-01T10:00:00Z",
        ] {
            assert_eq!(parse_date(text), d, "{text}");
        }
        assert_eq!(parse_date("soon"), None);
    }
}
