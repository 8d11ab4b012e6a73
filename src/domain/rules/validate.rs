//! What valid content looks like. Every entry point (seed file, mutations) goes through these.

use crate::domain::DomainError;

pub const SLUG_MAX: usize = 100;
pub const NAME_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 4000;
pub const SYNONYM_MAX: usize = 200;
pub const SYNONYMS_MAX: usize = 50;
pub const QUOTE_MAX: usize = 2000;
pub const ATTRIBUTE_MAX: usize = 1000;
pub const CODE_MAX: usize = 20;
pub const TITLE_MAX: usize = 300;
pub const REASON_MAX: usize = 2000;

/// A well-formed slug: holding one proves it was checked, so services never check it again.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// `field` names the input in the error.
    pub fn parse(field: &str, value: impl Into<String>) -> Result<Self, DomainError> {
        let value = value.into();
        slug(field, &value)?;
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A quote of the right shape (not blank, bounded). Whether it is a verbatim passage of its
/// source is known only with the source's text: [`Quote::check_in`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote(String);

impl Quote {
    pub fn parse(field: &str, value: impl Into<String>) -> Result<Self, DomainError> {
        let value = value.into();
        quote(field, &value, None)?;
        Ok(Self(value))
    }

    /// INVALID unless the quote is a verbatim passage of `source_text` (when it is held).
    pub fn check_in(&self, field: &str, source_text: Option<&str>) -> Result<(), DomainError> {
        quote(field, &self.0, source_text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A slug: lowercase ASCII letters and digits in hyphen-separated words, e.g. `spinal-stenosis`.
pub fn slug(field: &str, value: &str) -> Result<(), DomainError> {
    let well_formed = !value.is_empty()
        && value.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !well_formed {
        return Err(DomainError::invalid(
            field,
            format!(
                "{value:?} is not a slug: use lowercase letters and digits in words joined by single hyphens"
            ),
        ));
    }
    bounded(field, value, SLUG_MAX)
}

/// A required line of text: not blank, no control characters, at most `max` characters.
pub fn text_line(field: &str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.trim().is_empty() {
        return Err(DomainError::invalid(field, "must not be blank"));
    }
    if value.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    bounded(field, value, max)
}

/// Optional free text: when present, not blank and at most `max` characters.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<(), DomainError> {
    match value {
        None => Ok(()),
        Some(v) if v.trim().is_empty() => {
            Err(DomainError::invalid(field, "must not be blank when given"))
        }
        Some(v) => bounded(field, v, max),
    }
}

pub fn synonyms(field: &str, values: &[String]) -> Result<(), DomainError> {
    if values.len() > SYNONYMS_MAX {
        return Err(DomainError::invalid(
            field,
            format!("at most {SYNONYMS_MAX} synonyms"),
        ));
    }
    for (i, s) in values.iter().enumerate() {
        text_line(&format!("{field}[{i}]"), s, SYNONYM_MAX)?;
    }
    Ok(())
}

/// A quote must be non-empty and, where the source's full text is held, appear in it verbatim.
pub fn quote(field: &str, quote: &str, source_text: Option<&str>) -> Result<(), DomainError> {
    if quote.trim().is_empty() {
        return Err(DomainError::invalid(
            field,
            "a citation needs a non-empty quote",
        ));
    }
    bounded(field, quote, QUOTE_MAX)?;
    match source_text {
        Some(text) if !text.contains(quote) => Err(DomainError::invalid(
            field,
            format!("{quote:?} is not a verbatim passage of the source"),
        )),
        _ => Ok(()),
    }
}

fn bounded(field: &str, value: &str, max: usize) -> Result<(), DomainError> {
    let len = value.chars().count();
    if len > max {
        return Err(DomainError::invalid(
            field,
            format!("at most {max} characters (got {len})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(slug("slug", "spinal-stenosis").is_ok());
        assert!(slug("slug", "x2").is_ok());
        for bad in ["", "-a", "a-", "a--b", "Spinal", "a b", "é", "a_b"] {
            let err = slug("slug", bad).unwrap_err();
            assert!(err.to_string().starts_with("slug: "), "{bad:?}: {err}");
        }
        assert!(slug("slug", &"a".repeat(SLUG_MAX + 1)).is_err());
    }

    #[test]
    fn names_are_not_blank_and_bounded() {
        assert!(text_line("name", "Spinal stenosis", NAME_MAX).is_ok());
        assert!(text_line("name", "  ", NAME_MAX).is_err());
        assert!(text_line("name", "a\nb", NAME_MAX).is_err());
        assert!(text_line("name", &"é".repeat(NAME_MAX), NAME_MAX).is_ok());
        assert!(text_line("name", &"é".repeat(NAME_MAX + 1), NAME_MAX).is_err());
    }

    #[test]
    fn quotes_are_verbatim() {
        let text = "It’s time to seek help. Rest.";
        assert!(quote("quote", "It’s time to seek help.", Some(text)).is_ok());
        // A straight apostrophe is not the article's curly one.
        assert!(quote("quote", "It's time to seek help.", Some(text)).is_err());
        assert!(quote("quote", " ", Some(text)).is_err());
        assert!(quote("quote", "anything", None).is_ok());
    }
}
