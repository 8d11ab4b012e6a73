//! The node kinds and the fields each may carry beyond the ones every node has (slug, name,
//! synonyms, summary, codings, citations). The table is the whole policy, like the predicate table.

use entity::sea_orm_active_enums::NodeKind;
use sea_orm::ActiveEnum as _;

use crate::domain::DomainError;

/// A field only some kinds carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    TreatmentType,
}

impl Field {
    /// The field's name in the API and in errors.
    pub fn name(self) -> &'static str {
        match self {
            Field::TreatmentType => "treatmentType",
        }
    }
}

/// One kind and the fields it carries.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    pub kind: NodeKind,
    pub fields: &'static [Field],
}

pub const KINDS: &[Kind] = &[
    Kind {
        kind: NodeKind::Condition,
        fields: &[],
    },
    Kind {
        kind: NodeKind::Symptom,
        fields: &[],
    },
    Kind {
        kind: NodeKind::Cause,
        fields: &[],
    },
    Kind {
        kind: NodeKind::Treatment,
        fields: &[Field::TreatmentType],
    },
    Kind {
        kind: NodeKind::Risk,
        fields: &[],
    },
];

/// INVALID unless nodes of `kind` carry `field`; the error names the kinds that do.
pub fn check_field(kind: NodeKind, field: Field) -> Result<(), DomainError> {
    if KINDS
        .iter()
        .any(|k| k.kind == kind && k.fields.contains(&field))
    {
        return Ok(());
    }
    let carriers: Vec<String> = KINDS
        .iter()
        .filter(|k| k.fields.contains(&field))
        .map(|k| k.kind.to_value().to_lowercase())
        .collect();
    Err(DomainError::invalid(
        field.name(),
        format!(
            "only {} nodes carry it, not a {}",
            carriers.join(" and "),
            kind.to_value().to_lowercase()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn every_kind_has_an_entry() {
        for k in NodeKind::iter() {
            assert!(KINDS.iter().any(|e| e.kind == k), "{k:?}");
        }
    }

    #[test]
    fn fields_only_on_their_kinds() {
        assert!(check_field(NodeKind::Treatment, Field::TreatmentType).is_ok());
        let err = check_field(NodeKind::Symptom, Field::TreatmentType).unwrap_err();
        assert_eq!(
            err.to_string(),
            "treatmentType: only treatment nodes carry it, not a symptom"
        );
    }
}
