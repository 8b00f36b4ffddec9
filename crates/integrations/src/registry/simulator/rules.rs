//! What the simulator knows about each registry and company type, as data.
//!
//! Sources are FACTS.md sections 1 (CIPC) and 4 (Zimbabwe). Where FACTS is silent or marks a
//! fact UNCONFIRMED, the value is the simulator's own choice and says so: the simulator must
//! behave plausibly, but nothing here is a rule for real filings.

use chrono::{Days, Months, NaiveDate};
use comply360_domain::Jurisdiction;
use comply360_domain::identifiers::{SaCompanyKind, ZwEntityKind};

/// The papers a registry issues for each decision (shown to people, never branched on).
pub struct Documents {
    pub name_reserved: &'static str,
    pub names_refused: &'static str,
    pub incorporated: &'static str,
    pub rejected: &'static str,
}

/// How long a reserved name stays reserved.
#[derive(Clone, Copy)]
pub enum Validity {
    Months(u32),
    Days(u64),
}

impl Validity {
    pub fn after(self, applied_on: NaiveDate) -> Option<NaiveDate> {
        match self {
            Validity::Months(m) => applied_on.checked_add_months(Months::new(m)),
            Validity::Days(d) => applied_on.checked_add_days(Days::new(d)),
        }
    }
}

pub struct RegistryRules {
    /// The registry's short name, used in messages.
    pub registry: &'static str,
    pub documents: Documents,
    /// Most names one reservation may list.
    pub max_names: usize,
    pub reservation_validity: Validity,
    /// Put in front of the registration number to make the enterprise number.
    pub enterprise_prefix: &'static str,
    /// Put in front of the year in the simulator's registration numbers.
    pub number_prefix: &'static str,
}

/// CIPC: CoR 9.4 / 9.5 / 14.3 / 14.2, up to 4 names, 6 months from the application date,
/// enterprise prefix K for companies registered after 1 May 2011 (FACTS.md section 1).
pub const CIPC: RegistryRules = RegistryRules {
    registry: "CIPC",
    documents: Documents {
        name_reserved: "CoR 9.4",
        names_refused: "CoR 9.5",
        incorporated: "CoR 14.3",
        rejected: "CoR 14.2",
    },
    max_names: 4,
    reservation_validity: Validity::Months(6),
    enterprise_prefix: "K",
    number_prefix: "",
};

/// CIPZ. FACTS.md section 4 names no documents for these decisions, so the labels are neutral;
/// "4–5 names" and "valid about 30 days" are secondary sources (statutory validity is
/// UNCONFIRMED); the number format `ZW-SIM/YYYY/NNNNNN/<type>` is the simulator's own because
/// Zimbabwean formats are not documented, and there is no enterprise prefix.
pub const CIPZ: RegistryRules = RegistryRules {
    registry: "CIPZ",
    documents: Documents {
        name_reserved: "name search result (approved)",
        names_refused: "name search result (refused)",
        incorporated: "certificate of incorporation",
        rejected: "rejection notice",
    },
    max_names: 5,
    reservation_validity: Validity::Days(30),
    enterprise_prefix: "",
    number_prefix: "ZW-SIM/",
};

pub fn registry_rules(jurisdiction: Jurisdiction) -> &'static RegistryRules {
    match jurisdiction {
        Jurisdiction::SouthAfrica => &CIPC,
        Jurisdiction::Zimbabwe => &CIPZ,
    }
}

/// Which name rules of `comply360_domain` apply.
#[derive(Clone, Copy)]
pub enum NameKind {
    Sa(SaCompanyKind),
    Zw(ZwEntityKind),
}

pub struct CompanyTypeRule {
    /// As in `IncorporationRequest::company_type`.
    pub code: &'static str,
    pub label: &'static str,
    pub jurisdiction: Jurisdiction,
    pub name_kind: NameKind,
    /// Appended to a name given without an ending.
    pub ending: &'static str,
    pub min_directors: usize,
    pub max_directors: Option<usize>,
    /// Where the minimum comes from, quoted in the rejection.
    pub directors_source: &'static str,
    /// The last part of the registration number.
    pub number_suffix: &'static str,
    /// Only profit companies may use their registration number as a name (s11(1)(b)).
    pub number_name: bool,
}

pub const COMPANY_TYPES: &[CompanyTypeRule] = &[
    CompanyTypeRule {
        code: "private_company",
        label: "private company",
        jurisdiction: Jurisdiction::SouthAfrica,
        name_kind: NameKind::Sa(SaCompanyKind::Private),
        ending: "(Pty) Ltd",
        min_directors: 1,
        max_directors: None,
        directors_source: "Companies Act s66(2)",
        // 07 = private company [P] (FACTS.md section 1).
        number_suffix: "07",
        number_name: true,
    },
    CompanyTypeRule {
        code: "non_profit_company",
        label: "non-profit company",
        jurisdiction: Jurisdiction::SouthAfrica,
        name_kind: NameKind::Sa(SaCompanyKind::NonProfit),
        ending: "NPC",
        min_directors: 3,
        max_directors: None,
        directors_source: "Companies Act s66(2)",
        // 08 for an NPC is commonly cited but UNCONFIRMED (FACTS.md section 1).
        number_suffix: "08",
        number_name: false,
    },
    CompanyTypeRule {
        code: "zw_private_limited",
        label: "Zimbabwean private limited company",
        jurisdiction: Jurisdiction::Zimbabwe,
        name_kind: NameKind::Zw(ZwEntityKind::PrivateLimited),
        ending: "(Private) Limited",
        // The minimum is UNCONFIRMED (FACTS.md section 4); the simulator asks for one.
        min_directors: 1,
        max_directors: None,
        directors_source: "the simulator's own minimum (the statutory one is unconfirmed)",
        number_suffix: "PL",
        number_name: false,
    },
    CompanyTypeRule {
        code: "zw_pbc",
        label: "Private Business Corporation",
        jurisdiction: Jurisdiction::Zimbabwe,
        name_kind: NameKind::Zw(ZwEntityKind::Pbc),
        ending: "PBC",
        // 1–20 members, who are also the directors (FACTS.md section 4, secondary sources).
        min_directors: 1,
        max_directors: Some(20),
        directors_source: "a PBC has 1 to 20 members, who are its directors",
        number_suffix: "PBC",
        number_name: false,
    },
];

pub fn company_type(code: &str) -> Option<&'static CompanyTypeRule> {
    COMPANY_TYPES.iter().find(|rule| rule.code == code)
}

/// The codes accepted for `jurisdiction`, for error messages.
pub fn company_type_codes(jurisdiction: Jurisdiction) -> Vec<&'static str> {
    COMPANY_TYPES
        .iter()
        .filter(|rule| rule.jurisdiction == jurisdiction)
        .map(|rule| rule.code)
        .collect()
}
