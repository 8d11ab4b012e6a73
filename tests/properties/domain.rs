//! The domain's validation rules (`domain::rules::validate`) and the predicate table
//! (`domain::rules::predicate`), checked against their documented contracts rather than against
//! their own code.

use std::collections::BTreeSet;

use caregraph::domain::DomainError;
use caregraph::domain::rules::predicate::{self, RULES};
use caregraph::domain::rules::validate::{
    self, NAME_MAX, QUOTE_MAX, SLUG_MAX, SUMMARY_MAX, SYNONYM_MAX, SYNONYMS_MAX,
};
use entity::sea_orm_active_enums::{NodeKind, Predicate};
use proptest::prelude::*;
use sea_orm::{ActiveEnum as _, Iterable as _};

use crate::config;

/// The article the seed cites, as shipped.
pub const ARTICLE: &str = include_str!("../../data/sources/back-pain-after-epidural.txt");

/// The field an `InvalidInput` names; any other error is a failure of the property.
fn field_of(err: DomainError) -> String {
    match err {
        DomainError::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// The documented slug pattern, `^[a-z0-9]+(-[a-z0-9]+)*$`, as a two-state automaton written
/// apart from the implementation (which splits on hyphens).
fn matches_slug_pattern(s: &str) -> bool {
    // At the start, as after a hyphen, only a letter or a digit may come.
    let mut after_hyphen = true;
    for c in s.chars() {
        match c {
            'a'..='z' | '0'..='9' => after_hyphen = false,
            '-' if !after_hyphen => after_hyphen = true,
            _ => return false,
        }
    }
    !after_hyphen
}

/// Field names as callers pass them (`slug`, `citations[3].quote`, …).
fn field_name() -> impl Strategy<Value = String> {
    "[a-z][A-Za-z]{0,9}(\\[[0-9]\\]\\.[a-z]{1,6})?"
}

fn valid_slug() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,4}"
}

/// Mostly near-slugs, so both answers are common, plus arbitrary Unicode.
fn slug_candidate() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => valid_slug(),
        3 => "[a-z0-9-]{0,14}",
        2 => "[a-zA-Z0-9_ .é/-]{0,14}",
        1 => any::<String>(),
    ]
}

/// Characters that cannot be in a slug, each a mistake a human makes.
fn foreign_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::char::range('A', 'Z'),
        Just('_'),
        Just(' '),
        Just('.'),
        Just('é'),
        Just('\u{2010}'), // a Unicode hyphen that looks like '-'
        Just('\n'),
        Just('\0'),
    ]
}

/// Lines of text mixing ASCII, multi-byte letters, emoji, whitespace and control characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Zé漢🙂 ’.,-]{0,40}",
        1 => "[ \t\u{a0}\u{3000}\u{2028}]{0,6}",
        1 => any::<String>(),
    ]
}

fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

proptest! {
    #![proptest_config(config(256))]

    /// A slug is accepted exactly when it matches the documented pattern and has at most
    /// `SLUG_MAX` characters; a refusal is `InvalidInput` naming the caller's field.
    #[test]
    fn slug_is_accepted_iff_it_matches_the_pattern(field in field_name(), s in slug_candidate()) {
        let expected = matches_slug_pattern(&s) && s.chars().count() <= SLUG_MAX;
        match validate::slug(&field, &s) {
            Ok(()) => prop_assert!(expected, "accepted {s:?}"),
            Err(err) => {
                prop_assert!(!expected, "refused {s:?}: {err}");
                let message = err.to_string();
                prop_assert!(message.starts_with(&format!("{field}: ")), "{message}");
                prop_assert_eq!(field_of(err), field);
            }
        }
    }

    /// Any one slip in a valid slug (a foreign character, a doubled, leading or trailing
    /// hyphen) gets it refused.
    #[test]
    fn a_slug_with_one_slip_is_refused(
        s in valid_slug(),
        at in any::<prop::sample::Index>(),
        c in foreign_char(),
        slip in 0..4u8,
    ) {
        prop_assert!(validate::slug("slug", &s).is_ok());
        let broken = match slip {
            0 => {
                let i = at.index(s.len() + 1);
                format!("{}{c}{}", &s[..i], &s[i..])
            }
            1 => format!("-{s}"),
            2 => format!("{s}-"),
            _ => {
                let i = at.index(s.len() + 1);
                format!("{}--{}", &s[..i], &s[i..])
            }
        };
        let err = validate::slug("slug", &broken);
        prop_assert!(err.is_err(), "accepted {broken:?}");
        prop_assert_eq!(field_of(err.unwrap_err()), "slug");
    }

    /// The length bound: well-formed slugs pass up to `SLUG_MAX` characters, never beyond.
    #[test]
    fn slug_length_is_bounded(words in prop::collection::vec("[a-z0-9]{1,24}", 1..10)) {
        let s = words.join("-");
        prop_assert_eq!(validate::slug("slug", &s).is_ok(), s.len() <= SLUG_MAX, "{}", s.len());
    }

    /// A name (any `text_line`) is accepted exactly when it is not blank, has no control
    /// character and has at most `max` characters, counted as characters, not bytes.
    #[test]
    fn text_line_is_accepted_iff_not_blank_no_control_and_bounded(
        field in field_name(),
        s in text(),
        max in 0..48usize,
    ) {
        let expected = !is_blank(&s)
            && !s.chars().any(char::is_control)
            && s.chars().count() <= max;
        match validate::text_line(&field, &s, max) {
            Ok(()) => prop_assert!(expected, "accepted {s:?} (max {max})"),
            Err(err) => {
                prop_assert!(!expected, "refused {s:?} (max {max}): {err}");
                prop_assert_eq!(field_of(err), field);
            }
        }
    }

    /// Bounds count characters: a name of `NAME_MAX` multi-byte characters passes (it is up
    /// to four times as many bytes), one more character does not.
    #[test]
    fn name_bound_counts_characters(c in "[a-zé漢🙂]", extra in "[a-zé漢🙂]") {
        let at_bound = c.repeat(NAME_MAX);
        prop_assert!(validate::text_line("name", &at_bound, NAME_MAX).is_ok());
        let over = format!("{at_bound}{extra}");
        prop_assert_eq!(field_of(validate::text_line("name", &over, NAME_MAX).unwrap_err()), "name");
    }

    /// A control character anywhere refuses a one-line text but not a summary (free text may
    /// run over several lines), while blank text is refused by both.
    #[test]
    fn control_characters_are_refused_in_lines_but_not_in_summaries(
        s in "[a-z ]{1,20}",
        at in any::<prop::sample::Index>(),
        control in prop_oneof![Just('\n'), Just('\r'), Just('\t'), Just('\0'), Just('\u{7f}'), Just('\u{85}')],
    ) {
        let i = at.index(s.len() + 1);
        let with = format!("{}{control}x{}", &s[..i], &s[i..]);
        prop_assert_eq!(field_of(validate::text_line("name", &with, NAME_MAX).unwrap_err()), "name");
        prop_assert!(validate::optional_text("summary", Some(&with), SUMMARY_MAX).is_ok());
    }

    /// Optional text: absent is always fine; present, it must be non-blank and bounded.
    #[test]
    fn optional_text_is_absent_or_non_blank_and_bounded(
        s in prop::option::of(text()),
        max in 0..48usize,
    ) {
        let expected = s.as_deref().is_none_or(|v| !is_blank(v) && v.chars().count() <= max);
        match validate::optional_text("timing", s.as_deref(), max) {
            Ok(()) => prop_assert!(expected, "accepted {s:?}"),
            Err(err) => {
                prop_assert!(!expected, "refused {s:?}: {err}");
                prop_assert_eq!(field_of(err), "timing");
            }
        }
    }

    /// Synonyms: at most `SYNONYMS_MAX`, each a valid line of at most `SYNONYM_MAX`
    /// characters; the error names the first offending entry by index.
    #[test]
    fn synonyms_name_the_first_bad_entry(
        values in prop::collection::vec(
            prop_oneof![4 => "[a-zA-Z é]{1,12}", 1 => text(), 1 => Just("x".repeat(SYNONYM_MAX + 1))],
            0..(SYNONYMS_MAX + 4),
        ),
    ) {
        let first_bad = values.iter().position(|v| {
            is_blank(v) || v.chars().any(char::is_control) || v.chars().count() > SYNONYM_MAX
        });
        let result = validate::synonyms("synonyms", &values);
        if values.len() > SYNONYMS_MAX {
            prop_assert_eq!(field_of(result.unwrap_err()), "synonyms");
        } else if let Some(i) = first_bad {
            prop_assert_eq!(field_of(result.unwrap_err()), format!("synonyms[{i}]"));
        } else {
            prop_assert!(result.is_ok());
        }
    }

    /// Every non-blank passage of the article up to `QUOTE_MAX` characters is a valid quote
    /// of it; the same passage with one character changed, or with its curly apostrophes
    /// straightened, is not (quotes are verbatim).
    #[test]
    fn quotes_are_verbatim_passages(
        start in any::<prop::sample::Index>(),
        len in 1..400usize,
        changed in any::<prop::sample::Index>(),
        replacement in prop_oneof![Just('§'), Just('\u{fffd}'), Just('ß')],
    ) {
        let chars: Vec<char> = ARTICLE.chars().collect();
        let from = start.index(chars.len());
        let to = (from + len).min(chars.len());
        let passage: String = chars[from..to].iter().collect();
        prop_assume!(!is_blank(&passage));
        prop_assert!(validate::quote("quote", &passage, Some(ARTICLE)).is_ok(), "{passage:?}");
        prop_assert!(validate::quote("quote", &passage, None).is_ok());

        let mut edited: Vec<char> = passage.chars().collect();
        let i = changed.index(edited.len());
        edited[i] = replacement;
        let edited: String = edited.into_iter().collect();
        let err = validate::quote("citations[0].quote", &edited, Some(ARTICLE)).unwrap_err();
        prop_assert_eq!(field_of(err), "citations[0].quote");

        if passage.contains('’') {
            let straight = passage.replace('’', "'");
            prop_assert!(validate::quote("quote", &straight, Some(ARTICLE)).is_err());
        }
    }

    /// Whatever the source, a blank quote or one over `QUOTE_MAX` characters is refused.
    #[test]
    fn quotes_are_non_blank_and_bounded(s in text(), extra in 0..3usize) {
        let source = format!("{s}{}", "q".repeat(QUOTE_MAX + 3));
        if is_blank(&s) {
            prop_assert!(validate::quote("quote", &s, Some(&source)).is_err());
            prop_assert!(validate::quote("quote", &s, None).is_err());
        }
        let long = "q".repeat(QUOTE_MAX + extra);
        prop_assert_eq!(validate::quote("quote", &long, Some(&source)).is_ok(), extra == 0);
    }
}

/// The kinds a predicate may join, as `schema.graphql` documents them to clients: each value
/// of `enum Predicate` is described as `SUBJECT[ or SUBJECT] predicate OBJECT`.
pub fn documented_rules() -> BTreeSet<(String, String, String)> {
    let sdl = include_str!("../../schema.graphql");
    let start = sdl
        .find("enum Predicate {")
        .expect("enum Predicate in schema.graphql");
    let body = &sdl[start..sdl[start..].find("\n}").map_or(sdl.len(), |e| start + e)];
    let mut rules = BTreeSet::new();
    let mut lines = body.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        if line != "\"\"\"" {
            continue;
        }
        let doc = lines.next().unwrap_or_default();
        // "CAUSE or RISK is_condition CONDITION: the cause …" → the part before ':' or '.'.
        let shape = doc.split([':', '.']).next().unwrap_or_default();
        let words: Vec<&str> = shape.split_whitespace().collect();
        let Some((object, rest)) = words.split_last() else {
            continue;
        };
        let Some((predicate, subjects)) = rest.split_last() else {
            continue;
        };
        for subject in subjects.iter().filter(|w| **w != "or") {
            rules.insert((
                (*subject).to_owned(),
                (*predicate).to_owned(),
                (*object).to_owned(),
            ));
        }
    }
    rules
}

/// For all 5 × 9 × 5 (subject kind, predicate, object kind), `predicate::check` accepts
/// exactly the shapes the schema documents, and `RULES` lists exactly those; a refusal names
/// the field `predicate` and both offending kinds.
#[test]
fn predicate_check_accepts_exactly_the_documented_shapes() {
    let documented = documented_rules();
    assert_eq!(
        documented.len(),
        10,
        "every predicate documents its shapes: {documented:?}"
    );
    let table: BTreeSet<_> = RULES
        .iter()
        .map(|r| {
            (
                r.subject.to_value(),
                r.predicate.to_value(),
                r.object.to_value(),
            )
        })
        .collect();
    assert_eq!(table.len(), RULES.len(), "no rule is listed twice");
    assert_eq!(table, documented, "RULES and schema.graphql disagree");

    let mut accepted = 0;
    for subject in NodeKind::iter() {
        for p in Predicate::iter() {
            for object in NodeKind::iter() {
                let key = (subject.to_value(), p.to_value(), object.to_value());
                match predicate::check(subject, p, object) {
                    Ok(()) => {
                        assert!(documented.contains(&key), "accepted {key:?}");
                        accepted += 1;
                    }
                    Err(err) => {
                        assert!(!documented.contains(&key), "refused {key:?}: {err}");
                        let message = err.to_string();
                        assert!(
                            message.contains(&format!("not a {} to a {}", key.0, key.2)),
                            "{message}"
                        );
                        assert_eq!(field_of(err), "predicate");
                    }
                }
            }
        }
    }
    assert_eq!(accepted, documented.len());
}
