//! Clinical codes on nodes, in the shape of a FHIR `Coding`: which code systems caregraph
//! knows, how each code is checked, and how an ICD-10-CM code rolls up to its ancestors.
//!
//! A node may carry several codings, of any system; each says how the code relates to the
//! node (`match`) and where it was confirmed (`source`), because a consumer article's
//! "back pain after giving birth" is rarely exactly a code table's concept.

use serde::{Deserialize, Serialize};

use super::validate;
use crate::domain::DomainError;

pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub const SNOMED_CT: &str = "http://snomed.info/sct";
pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
pub const LOINC: &str = "http://loinc.org";

/// Codings one node may carry.
pub const CODINGS_MAX: usize = 50;
/// Codings one lookup may ask for.
pub const LOOKUP_MAX: usize = 100;
const SYSTEM_MAX: usize = 200;
const SOURCE_URL_MAX: usize = 500;

/// A code system caregraph checks codes of: its canonical URI, the HL7 OID EHRs and the
/// Infobutton standard use for it, and a short name for messages.
#[derive(Clone, Copy, Debug)]
pub struct KnownSystem {
    pub uri: &'static str,
    pub oid: &'static str,
    pub name: &'static str,
    check: fn(&str) -> Result<String, String>,
}

pub const KNOWN_SYSTEMS: &[KnownSystem] = &[
    KnownSystem {
        uri: ICD10CM,
        oid: "2.16.840.1.113883.6.90",
        name: "ICD-10-CM",
        check: icd10cm_code,
    },
    KnownSystem {
        uri: SNOMED_CT,
        oid: "2.16.840.1.113883.6.96",
        name: "SNOMED CT",
        check: snomed_ct_code,
    },
    KnownSystem {
        uri: RXNORM,
        oid: "2.16.840.1.113883.6.88",
        name: "RxNorm",
        check: rxnorm_code,
    },
    KnownSystem {
        uri: LOINC,
        oid: "2.16.840.1.113883.6.1",
        name: "LOINC",
        check: loinc_code,
    },
];

/// The known system named by a canonical URI or an OID (`urn:oid:` prefix allowed).
pub fn known_system(system: &str) -> Option<&'static KnownSystem> {
    let system = system.trim();
    let oid = system.strip_prefix("urn:oid:").unwrap_or(system);
    KNOWN_SYSTEMS
        .iter()
        .find(|k| k.uri == system.trim_end_matches('/') || k.oid == oid)
}

/// How a code relates to the node that carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Match {
    /// The code means what the node means.
    Exact,
    /// The code is broader than the node (the node is one case of it).
    Broader,
    /// The code is narrower than the node (one case of what the node means).
    Narrower,
}

impl Match {
    pub fn as_str(self) -> &'static str {
        match self {
            Match::Exact => "EXACT",
            Match::Broader => "BROADER",
            Match::Narrower => "NARROWER",
        }
    }
}

/// Where a coding was confirmed: a public code table's name and address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodingSource {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A checked coding: system canonical, code normalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    pub system: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(rename = "match")]
    pub match_: Match,
    pub source: CodingSource,
}

/// A system and code as a client sends them, checked and normalised.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Code {
    pub system: String,
    pub code: String,
}

impl Code {
    /// Resolves an OID to its URI and checks the code by its system's rules; a system
    /// caregraph does not know must be an absolute URI, and its codes are taken as given.
    /// `field` names the input in errors.
    pub fn parse(field: &str, system: &str, code: &str) -> Result<Self, DomainError> {
        let code = code.trim();
        if code.is_empty() {
            return Err(DomainError::invalid(format!("{field}.code"), "is empty"));
        }
        match known_system(system) {
            Some(known) => {
                let code = (known.check)(code).map_err(|reason| {
                    DomainError::invalid(
                        format!("{field}.code"),
                        format!("{code:?} is not a {} code: {reason}", known.name),
                    )
                })?;
                Ok(Self {
                    system: known.uri.to_owned(),
                    code,
                })
            }
            None => {
                let system = system.trim();
                validate::text_line(&format!("{field}.system"), system, SYSTEM_MAX)?;
                if !is_absolute_uri(system) {
                    return Err(DomainError::invalid(
                        format!("{field}.system"),
                        format!(
                            "{system:?} is neither a code system caregraph knows ({}) nor an absolute URI",
                            KNOWN_SYSTEMS
                                .iter()
                                .map(|k| k.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                validate::text_line(&format!("{field}.code"), code, validate::CODE_MAX)?;
                Ok(Self {
                    system: system.to_owned(),
                    code: code.to_owned(),
                })
            }
        }
    }

    /// The codes a lookup of this one tries, nearest first: the code itself and, for
    /// ICD-10-CM, its ancestors by the code's hierarchy (M48.062 → M48.06 → M48.0 → M48).
    pub fn with_ancestors(&self) -> Vec<String> {
        let mut out = vec![self.code.clone()];
        if self.system == ICD10CM {
            let mut code = self.code.as_str();
            while code.len() > 3 {
                code = code[..code.len() - 1].trim_end_matches('.');
                out.push(code.to_owned());
            }
        }
        out
    }
}

impl Coding {
    /// Checks a coding a content team writes. `field` names it in errors (`codings[2]`).
    pub fn parse(
        field: &str,
        system: &str,
        code: &str,
        display: Option<&str>,
        match_: Match,
        source: CodingSource,
    ) -> Result<Self, DomainError> {
        let Code { system, code } = Code::parse(field, system, code)?;
        let display = display.map(str::trim).filter(|d| !d.is_empty());
        validate::optional_text(&format!("{field}.display"), display, validate::NAME_MAX)?;
        let name = source.name.trim();
        validate::text_line(&format!("{field}.source.name"), name, validate::NAME_MAX)?;
        let url = source
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        if let Some(url) = url {
            validate::text_line(&format!("{field}.source.url"), url, SOURCE_URL_MAX)?;
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(DomainError::invalid(
                    format!("{field}.source.url"),
                    format!("{url:?} is not an http(s) address"),
                ));
            }
        }
        Ok(Self {
            system,
            code,
            display: display.map(str::to_owned),
            match_,
            source: CodingSource {
                name: name.to_owned(),
                url: url.map(str::to_owned),
            },
        })
    }

    /// The system's short name for people (`ICD-10-CM`), or its URI when caregraph does not
    /// know it.
    pub fn system_name(&self) -> &str {
        known_system(&self.system).map_or(self.system.as_str(), |k| k.name)
    }

    pub fn code(&self) -> Code {
        Code {
            system: self.system.clone(),
            code: self.code.clone(),
        }
    }
}

/// The codings a node holds, in its order (none when the stored list is unreadable).
pub fn of_node(row: &entity::node::Model) -> Vec<Coding> {
    serde_json::from_value(row.codings.clone()).unwrap_or_default()
}

/// Checks a node's whole list: bounded, every coding valid, no code twice.
pub fn check_list(field: &str, codings: &[Coding]) -> Result<(), DomainError> {
    if codings.len() > CODINGS_MAX {
        return Err(DomainError::invalid(
            field,
            format!("at most {CODINGS_MAX} codings per node"),
        ));
    }
    for (i, c) in codings.iter().enumerate() {
        // Codings read back from storage or a file are checked as if they were new.
        let again = Coding::parse(
            &format!("{field}[{i}]"),
            &c.system,
            &c.code,
            c.display.as_deref(),
            c.match_,
            c.source.clone(),
        )?;
        if &again != c {
            return Err(DomainError::invalid(
                format!("{field}[{i}]"),
                format!(
                    "is not in its normal form (system {:?}, code {:?})",
                    again.system, again.code
                ),
            ));
        }
        if codings[..i]
            .iter()
            .any(|o| o.system == c.system && o.code == c.code)
        {
            return Err(DomainError::invalid(
                format!("{field}[{i}]"),
                format!("{} {} is already on this node", c.system, c.code),
            ));
        }
    }
    Ok(())
}

fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && !s.contains(char::is_whitespace)
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// ICD-10-CM: a letter, a digit, a letter or digit, then optionally a dot and one to four
/// letters or digits (`M48.062`, `O26.891`, `U07.1`). EHRs often send it without the dot
/// (`M48062`) or in lower case; both are normalised.
fn icd10cm_code(code: &str) -> Result<String, String> {
    let upper = code.to_ascii_uppercase();
    let (category, rest) = match upper.split_once('.') {
        Some((c, r)) => (c.to_owned(), r.to_owned()),
        None if upper.len() > 3 => (upper[..3].to_owned(), upper[3..].to_owned()),
        None => (upper.clone(), String::new()),
    };
    let c = category.as_bytes();
    let shape = c.len() == 3
        && c[0].is_ascii_uppercase()
        && c[1].is_ascii_digit()
        && c[2].is_ascii_alphanumeric()
        && rest.len() <= 4
        && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        && !(upper.contains('.') && rest.is_empty());
    if !shape {
        return Err(
            "ICD-10-CM codes are a letter, a digit, a letter or digit, then up to four more after a dot (M48.062)"
                .to_owned(),
        );
    }
    Ok(if rest.is_empty() {
        category
    } else {
        format!("{category}.{rest}")
    })
}

/// SNOMED CT: a concept id of 6 to 18 digits, no leading zero, ending in a Verhoeff check
/// digit.
fn snomed_ct_code(code: &str) -> Result<String, String> {
    if !(6..=18).contains(&code.len())
        || !code.bytes().all(|b| b.is_ascii_digit())
        || code.starts_with('0')
    {
        return Err("SNOMED CT ids are 6 to 18 digits, not starting with 0".to_owned());
    }
    if !verhoeff_valid(code) {
        return Err("its check digit (Verhoeff) is wrong".to_owned());
    }
    Ok(code.to_owned())
}

/// RxNorm: an RXCUI, 1 to 9 digits.
fn rxnorm_code(code: &str) -> Result<String, String> {
    if code.is_empty() || code.len() > 9 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err("RxNorm RXCUIs are 1 to 9 digits".to_owned());
    }
    Ok(code.to_owned())
}

/// LOINC: 1 to 5 digits, a hyphen and the mod-10 check digit (`2345-7`).
fn loinc_code(code: &str) -> Result<String, String> {
    let Some((body, check)) = code.split_once('-') else {
        return Err("LOINC codes are digits, a hyphen and a check digit (2345-7)".to_owned());
    };
    if body.is_empty()
        || body.len() > 7
        || check.len() != 1
        || !body
            .bytes()
            .chain(check.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err("LOINC codes are digits, a hyphen and a check digit (2345-7)".to_owned());
    }
    if loinc_check_digit(body) != check.as_bytes()[0] - b'0' {
        return Err("its check digit (mod 10) is wrong".to_owned());
    }
    Ok(code.to_owned())
}

/// LOINC's mod-10 check digit: from the right, every other digit doubled (starting with the
/// last), the digits of the products summed with the rest.
fn loinc_check_digit(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let p = d * 2;
                p / 10 + p % 10
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Whether `digits` (check digit last) passes the Verhoeff check SNOMED CT ids carry.
fn verhoeff_valid(digits: &str) -> bool {
    let mut c = 0u8;
    for (i, b) in digits.bytes().rev().enumerate() {
        c = VERHOEFF_D[usize::from(c)][usize::from(VERHOEFF_P[i % 8][usize::from(b - b'0')])];
    }
    c == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(system: &str, code: &str) -> Result<Code, String> {
        Code::parse("c", system, code).map_err(|e| e.to_string())
    }

    #[test]
    fn icd10cm_codes_are_normalised_and_checked() {
        assert_eq!(code(ICD10CM, "m48062").unwrap().code, "M48.062");
        assert_eq!(code(ICD10CM, "M48.06").unwrap().code, "M48.06");
        assert_eq!(code(ICD10CM, "M48").unwrap().code, "M48");
        assert_eq!(code(ICD10CM, "U07.1").unwrap().code, "U07.1");
        for bad in ["48.06", "M4", "M48.", "M48.06201", "M-48", "MM8.0"] {
            let err = code(ICD10CM, bad).unwrap_err();
            assert!(err.starts_with("c.code: "), "{bad}: {err}");
            assert!(err.contains("is not a ICD-10-CM code"), "{bad}: {err}");
        }
    }

    #[test]
    fn snomed_ids_carry_a_verhoeff_check_digit() {
        // Real concept ids: low back pain, spinal stenosis, back pain.
        for good in ["279039007", "76107001", "161891005", "22253000"] {
            assert!(code(SNOMED_CT, good).is_ok(), "{good}");
        }
        let err = code(SNOMED_CT, "279039008").unwrap_err();
        assert!(err.contains("check digit (Verhoeff)"), "{err}");
        assert!(code(SNOMED_CT, "12345").is_err());
        assert!(code(SNOMED_CT, "0279039007").is_err());
    }

    #[test]
    fn loinc_codes_carry_a_mod10_check_digit() {
        for good in ["2345-7", "718-7", "4548-4", "8302-2"] {
            assert!(code(LOINC, good).is_ok(), "{good}");
        }
        assert!(code(LOINC, "2345-8").unwrap_err().contains("mod 10"));
        assert!(code(LOINC, "2345").is_err());
    }

    #[test]
    fn rxnorm_codes_are_digits() {
        assert!(code(RXNORM, "5640").is_ok());
        assert!(code(RXNORM, "56x").is_err());
    }

    #[test]
    fn oids_and_uris_name_the_same_system() {
        assert_eq!(
            code("2.16.840.1.113883.6.90", "M48.06").unwrap().system,
            ICD10CM
        );
        assert_eq!(
            code("urn:oid:2.16.840.1.113883.6.96", "76107001")
                .unwrap()
                .system,
            SNOMED_CT
        );
        assert_eq!(
            code("2.16.840.1.113883.6.88", "5640").unwrap().system,
            RXNORM
        );
        assert_eq!(
            code("2.16.840.1.113883.6.1", "718-7").unwrap().system,
            LOINC
        );
        assert_eq!(
            code("http://snomed.info/sct/", "76107001").unwrap().system,
            SNOMED_CT
        );
    }

    #[test]
    fn other_systems_need_an_absolute_uri() {
        assert_eq!(
            code("http://example.org/codes", "X-1").unwrap(),
            Code {
                system: "http://example.org/codes".into(),
                code: "X-1".into()
            }
        );
        let err = code("ICD9", "724.02").unwrap_err();
        assert!(err.starts_with("c.system: "), "{err}");
    }

    #[test]
    fn icd10cm_rolls_up_by_its_hierarchy() {
        let c = code(ICD10CM, "M48.062").unwrap();
        assert_eq!(c.with_ancestors(), ["M48.062", "M48.06", "M48.0", "M48"]);
        assert_eq!(
            code(SNOMED_CT, "76107001").unwrap().with_ancestors(),
            ["76107001"]
        );
    }

    #[test]
    fn a_list_holds_each_code_once_in_normal_form() {
        let source = CodingSource {
            name: "CMS ICD-10-CM 2025".into(),
            url: None,
        };
        let c = Coding::parse("x", ICD10CM, "m48062", None, Match::Exact, source).unwrap();
        assert_eq!(c.code, "M48.062");
        assert!(check_list("codings", std::slice::from_ref(&c)).is_ok());
        let err = check_list("codings", &[c.clone(), c.clone()]).unwrap_err();
        assert!(err.to_string().starts_with("codings[1]: "), "{err}");
        let raw = Coding {
            code: "m48062".into(),
            ..c
        };
        assert!(check_list("codings", &[raw]).is_err());
    }

    #[test]
    fn a_source_url_is_an_http_address() {
        let source = CodingSource {
            name: "t".into(),
            url: Some("javascript:alert(1)".into()),
        };
        let err = Coding::parse("x", ICD10CM, "M48", None, Match::Exact, source).unwrap_err();
        assert!(err.to_string().starts_with("x.source.url"), "{err}");
    }
}
