//! The URL-based parameters of an HL7 Infobutton request (Context-Aware Knowledge Retrieval,
//! URL-based implementation guide), as EHRs send them to MedlinePlus Connect:
//! `mainSearchCriteria.v.c` (code), `.v.cs` (code system OID), `.v.dn` (display name), each
//! optionally numbered for several criteria (`mainSearchCriteria.v.c1`, `.v.cs1`…);
//! `informationRecipient` (PAT or PROV); `knowledgeResponseType` (`text/xml`, the default,
//! or `application/json`). Other parameters of the standard are accepted and ignored.

use std::collections::BTreeMap;

/// Criteria one request may carry.
pub const CRITERIA_MAX: usize = 20;
const DISPLAY_MAX: usize = 200;

/// One code the EHR asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Criterion {
    /// The code system as given: an OID (`2.16.840.1.113883.6.90`) or a URI.
    pub system: String,
    pub code: String,
    pub display: Option<String>,
}

/// Who will read the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    Patient,
    Provider,
}

impl Recipient {
    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Patient => "PAT",
            Recipient::Provider => "PROV",
        }
    }
}

/// The answer's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Atom XML (`text/xml`), the standard's default.
    Xml,
    /// Atom as JSON, in MedlinePlus Connect's layout (`application/json`).
    Json,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub criteria: Vec<Criterion>,
    pub recipient: Recipient,
    pub format: Format,
}

#[derive(Default)]
struct Partial {
    code: Option<String>,
    system: Option<String>,
    display: Option<String>,
}

/// Reads the query string's pairs; the error is a sentence for the EHR's integrator.
pub fn parse(pairs: &[(String, String)]) -> Result<Params, String> {
    let mut criteria: BTreeMap<u32, Partial> = BTreeMap::new();
    let mut recipient = Recipient::Patient;
    let mut format = Format::Xml;
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in pairs {
        if seen.contains(&key.as_str()) {
            return Err(format!("{key} is given twice"));
        }
        seen.push(key);
        let value = value.trim();
        if let Some(rest) = key.strip_prefix("mainSearchCriteria.v.") {
            let (field, index) = split_index(rest)
                .ok_or_else(|| format!("{key} is not a mainSearchCriteria parameter"))?;
            let c = criteria.entry(index).or_default();
            let slot = match field {
                "c" => &mut c.code,
                "cs" => &mut c.system,
                "dn" => &mut c.display,
                // The standard's original text and other qualifiers: not used.
                _ => continue,
            };
            if !value.is_empty() {
                *slot = Some(value.to_owned());
            }
            continue;
        }
        match key.as_str() {
            "informationRecipient" => {
                recipient = match value {
                    "PAT" | "" => Recipient::Patient,
                    "PROV" => Recipient::Provider,
                    other => {
                        return Err(format!(
                            "informationRecipient must be PAT or PROV, not {other:?}"
                        ));
                    }
                }
            }
            "knowledgeResponseType" => {
                format = match value {
                    "text/xml" | "application/atom+xml" | "" => Format::Xml,
                    "application/json" => Format::Json,
                    "application/javascript" => {
                        return Err("JSONP (application/javascript) is not served: ask for \
                             application/json, which CORS lets browsers read"
                            .to_owned());
                    }
                    other => {
                        return Err(format!(
                            "knowledgeResponseType must be text/xml or application/json, not {other:?}"
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    if criteria.len() > CRITERIA_MAX {
        return Err(format!(
            "at most {CRITERIA_MAX} mainSearchCriteria per request, not {}",
            criteria.len()
        ));
    }
    let criteria = criteria
        .into_iter()
        .map(|(index, p)| {
            let suffix = if index == 0 {
                String::new()
            } else {
                index.to_string()
            };
            let code = p
                .code
                .ok_or_else(|| format!("mainSearchCriteria.v.c{suffix} (the code) is missing"))?;
            let system = p.system.ok_or_else(|| {
                format!(
                    "mainSearchCriteria.v.cs{suffix} (the code system's OID, such as \
                     2.16.840.1.113883.6.90 for ICD-10-CM) is missing"
                )
            })?;
            let display = p
                .display
                .map(|d| d.chars().take(DISPLAY_MAX).collect::<String>());
            Ok(Criterion {
                system: as_system(&system),
                code,
                display,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    if criteria.is_empty() {
        return Err(
            "mainSearchCriteria.v.c (the code) and mainSearchCriteria.v.cs (its code system's OID) are required"
                .to_owned(),
        );
    }
    Ok(Params {
        criteria,
        recipient,
        format,
    })
}

/// `c`, `cs`, `dn` with an optional criterion number (`c2`): the field and the number (0 for
/// none).
fn split_index(rest: &str) -> Option<(&str, u32)> {
    let digits = rest.len() - rest.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (field, number) = rest.split_at(rest.len() - digits);
    let index = if number.is_empty() {
        0
    } else {
        number.parse().ok()?
    };
    (!field.is_empty()).then_some((field, index))
}

/// An OID caregraph does not know is still a system: `urn:oid:` makes it a URI, so its codes
/// are looked up (and find nothing) instead of being refused.
fn as_system(system: &str) -> String {
    let is_oid = !system.is_empty()
        && system
            .split('.')
            .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()));
    if is_oid && crate::domain::rules::coding::known_system(system).is_none() {
        format!("urn:oid:{system}")
    } else {
        system.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_a_medlineplus_connect_request() {
        let p = parse(&pairs(&[
            ("mainSearchCriteria.v.cs", "2.16.840.1.113883.6.90"),
            ("mainSearchCriteria.v.c", "M48.062"),
            ("mainSearchCriteria.v.dn", "Lumbar stenosis"),
            ("informationRecipient", "PROV"),
            ("informationRecipient.languageCode.c", "en"),
            ("knowledgeResponseType", "application/json"),
        ]))
        .unwrap();
        assert_eq!(
            p.criteria,
            [Criterion {
                system: "2.16.840.1.113883.6.90".into(),
                code: "M48.062".into(),
                display: Some("Lumbar stenosis".into()),
            }]
        );
        assert_eq!(p.recipient, Recipient::Provider);
        assert_eq!(p.format, Format::Json);
    }

    #[test]
    fn numbered_criteria_are_several_codes() {
        let p = parse(&pairs(&[
            ("mainSearchCriteria.v.c", "M48.062"),
            ("mainSearchCriteria.v.cs", "2.16.840.1.113883.6.90"),
            ("mainSearchCriteria.v.c1", "76107001"),
            ("mainSearchCriteria.v.cs1", "2.16.840.1.113883.6.96"),
        ]))
        .unwrap();
        assert_eq!(p.criteria.len(), 2);
        assert_eq!(p.criteria[1].code, "76107001");
        assert_eq!(p.format, Format::Xml);
        assert_eq!(p.recipient, Recipient::Patient);
    }

    #[test]
    fn unknown_oids_become_urns() {
        let p = parse(&pairs(&[
            ("mainSearchCriteria.v.c", "724.2"),
            ("mainSearchCriteria.v.cs", "2.16.840.1.113883.6.103"),
        ]))
        .unwrap();
        assert_eq!(p.criteria[0].system, "urn:oid:2.16.840.1.113883.6.103");
    }

    #[test]
    fn says_what_is_missing_or_wrong() {
        let err = parse(&pairs(&[("mainSearchCriteria.v.c", "M48.062")])).unwrap_err();
        assert!(err.contains("mainSearchCriteria.v.cs"), "{err}");
        let err = parse(&pairs(&[])).unwrap_err();
        assert!(err.contains("required"), "{err}");
        let err = parse(&pairs(&[
            ("mainSearchCriteria.v.c", "M48"),
            ("mainSearchCriteria.v.cs", "2.16.840.1.113883.6.90"),
            ("knowledgeResponseType", "application/javascript"),
        ]))
        .unwrap_err();
        assert!(err.contains("JSONP"), "{err}");
        let err = parse(&pairs(&[
            ("mainSearchCriteria.v.c", "M48"),
            ("mainSearchCriteria.v.c", "M49"),
        ]))
        .unwrap_err();
        assert!(err.contains("twice"), "{err}");
        let err = parse(&pairs(&[("informationRecipient", "DOG")])).unwrap_err();
        assert!(err.contains("PAT or PROV"), "{err}");
    }
}
