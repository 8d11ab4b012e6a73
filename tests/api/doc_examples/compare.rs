//! Compares an answer a page shows with the server's, and carries ids from one example to the
//! next.
//!
//! Ids are new on every run, yet a session's later steps use the ids its earlier answers gave.
//! So an id a page shows is a name: the first answer that shows it binds it to the real id in
//! the same place, later answers must show the same real id there, and queries and variables
//! that use it get the real id substituted. Anything else must be equal, except `"…"`, which
//! the page writes for a value that changes from run to run (a timestamp, a score).

use std::collections::HashMap;

use serde_json::Value;

/// What the page shows for a value it cannot know in advance.
pub(crate) const ANY: &str = "…";

/// The page's ids and the real ids they stand for, both ways (one name per id).
#[derive(Default)]
pub(crate) struct Ids {
    real: HashMap<String, String>,
    shown: HashMap<String, String>,
}

impl Ids {
    /// `text` with every id the page showed earlier replaced by the real one; an id no earlier
    /// answer showed is an error, since the server cannot know it.
    pub fn substitute(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((start, id)) = first_uuid(rest) {
            out.push_str(&rest[..start]);
            let real = self
                .real
                .get(id)
                .ok_or_else(|| format!("uses the id {id}, which no answer shown before it gave"))?;
            out.push_str(real);
            rest = &rest[start + id.len()..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn bind(&mut self, shown: &str, real: &str) -> Result<(), String> {
        match (self.real.get(shown), self.shown.get(real)) {
            (Some(r), _) if r != real => Err(format!(
                "the page shows {shown} here, which stood for {r} before, but the id is {real}"
            )),
            (_, Some(s)) if s != shown => Err(format!(
                "the page shows {shown} here, but this id ({real}) was shown as {s} before"
            )),
            _ => {
                self.real.insert(shown.to_owned(), real.to_owned());
                self.shown.insert(real.to_owned(), shown.to_owned());
                Ok(())
            }
        }
    }
}

/// Whether `real` answers as `shown` says; the error names the first place they differ.
pub(crate) fn matches(shown: &Value, real: &Value, ids: &mut Ids) -> Result<(), String> {
    compare(shown, real, ids, "$")
}

fn compare(shown: &Value, real: &Value, ids: &mut Ids, at: &str) -> Result<(), String> {
    let differ = || format!("{at}: the page shows {shown}, the server answers {real}");
    match (shown, real) {
        (Value::String(s), _) if s == ANY => Ok(()),
        (Value::String(s), Value::String(r)) if is_uuid(s) && is_uuid(r) => {
            ids.bind(s, r).map_err(|e| format!("{at}: {e}"))
        }
        (Value::Object(s), Value::Object(r)) => {
            let mut shown_keys: Vec<_> = s.keys().collect();
            let mut real_keys: Vec<_> = r.keys().collect();
            shown_keys.sort();
            real_keys.sort();
            if shown_keys != real_keys {
                return Err(format!(
                    "{at}: the page shows the members {shown_keys:?}, the server answers {real_keys:?}"
                ));
            }
            s.iter()
                .try_for_each(|(k, v)| compare(v, &r[k], ids, &format!("{at}.{k}")))
        }
        (Value::Array(s), Value::Array(r)) if s.len() == r.len() => s
            .iter()
            .zip(r)
            .enumerate()
            .try_for_each(|(i, (s, r))| compare(s, r, ids, &format!("{at}[{i}]"))),
        (Value::Array(s), Value::Array(r)) => Err(format!(
            "{at}: the page shows {} items, the server answers {}: {real}",
            s.len(),
            r.len()
        )),
        _ if shown == real => Ok(()),
        _ => Err(differ()),
    }
}

/// The first UUID in `text` (lower-case hex, as the server writes them) and where it starts.
fn first_uuid(text: &str) -> Option<(usize, &str)> {
    (0..text.len().saturating_sub(35))
        .filter(|&i| text.is_char_boundary(i) && text.is_char_boundary(i + 36))
        .map(|i| (i, &text[i..i + 36]))
        .find(|(_, candidate)| is_uuid(candidate))
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const A: &str = "01a2181c-b6ec-7094-b389-640adeb09fc6";
    const B: &str = "01a2181c-b6f5-7140-916d-b7167d6ef43f";
    const REAL_A: &str = "0190aaaa-0000-7000-8000-000000000001";
    const REAL_B: &str = "0190aaaa-0000-7000-8000-000000000002";

    #[test]
    fn an_id_shown_once_stands_for_the_same_real_id_afterwards() {
        let mut ids = Ids::default();
        matches(
            &json!({"id": A, "at": ANY}),
            &json!({"id": REAL_A, "at": "2026"}),
            &mut ids,
        )
        .expect("bound");
        assert_eq!(
            ids.substitute(&format!(r#"{{ node(id: "{A}") {{ id }} }}"#)),
            Ok(format!(r#"{{ node(id: "{REAL_A}") {{ id }} }}"#))
        );
        assert!(matches(&json!([A]), &json!([REAL_B]), &mut ids).is_err());
        assert!(matches(&json!([B]), &json!([REAL_A]), &mut ids).is_err());
        assert!(ids.substitute(B).is_err(), "never shown");
    }

    #[test]
    fn everything_else_must_be_equal() {
        let mut ids = Ids::default();
        let shown = json!({"data": {"n": [1, "x", null]}});
        assert!(matches(&shown, &json!({"data": {"n": [1, "x", null]}}), &mut ids).is_ok());
        assert!(matches(&shown, &json!({"data": {"n": [1, "y", null]}}), &mut ids).is_err());
        assert!(matches(&shown, &json!({"data": {"n": [1, "x"]}}), &mut ids).is_err());
        assert!(
            matches(
                &shown,
                &json!({"data": {"n": [1, "x", null]}, "errors": []}),
                &mut ids
            )
            .is_err()
        );
    }
}
