//! The response cache as GraphQL sees it: the key a request's answer is filed under (its
//! caller's role, its tokens or persisted-query hash, its operation name and variables), and
//! the store the server keeps, behind a trait so this layer never depends on the HTTP one.

use std::sync::Arc;

use async_graphql::{Request, Variables};
use bytes::Bytes;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use super::lexer;
use crate::graphql::GraphQl;

/// The SHA-256 a cached response is filed under.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Key(pub [u8; 32]);

/// One cached answer.
pub trait CachedAnswer: Send + Sync {
    /// The answer as sent: `{"data":…}`, never with `errors` or `extensions`.
    fn body(&self) -> &Bytes;
    /// The operation label its metrics are counted under.
    fn operation(&self) -> &str;
}

/// Where answers to anonymous queries are kept, and dropped when the content changes
/// (`crate::http::ResponseCache`).
pub trait AnswerCache: Send + Sync {
    type Entry: CachedAnswer;

    fn enabled(&self) -> bool;
    /// The epoch a request about to run belongs to.
    fn epoch(&self) -> u64;
    /// The answer filed under `key`, when it was computed from the content as it is now.
    fn get(&self, key: &Key) -> Option<Arc<Self::Entry>>;
    /// The answer filed under the key of a request's exact bytes; a miss is not counted.
    fn get_exact(&self, exact: &Key) -> Option<Arc<Self::Entry>>;
    /// Files `body` under `key` (and `exact`), computed in `epoch`; the entry, when stored.
    fn insert(
        &self,
        key: Key,
        exact: Option<Key>,
        epoch: u64,
        body: Bytes,
        operation: String,
    ) -> Option<Arc<Self::Entry>>;
    /// Files `entry` under the exact key of another wording of its request.
    fn alias(&self, exact: Key, entry: &Arc<Self::Entry>);
    /// Reads the content generation from `db` again (after a mutation), dropping every
    /// entry when it changed.
    fn refresh(&self, db: &DatabaseConnection) -> impl Future<Output = ()> + Send;
}

/// What identifies a request's document in its key.
enum Document<'a> {
    /// The query text, normalized.
    Text(String),
    /// The SHA-256 of the query text, as a persisted query names it.
    Persisted(&'a str),
}

/// The key of `request` for a caller with `role`; `None` when its document cannot be
/// identified without parsing it (no query text and no persisted-query hash, or text the
/// normalizer does not vouch for).
pub(super) fn key_of(request: &Request, role: &str) -> Option<Key> {
    let document = if request.query.is_empty() {
        Document::Persisted(GraphQl::persisted_hash(request)?)
    } else {
        Document::Text(normalize(&request.query)?)
    };
    Some(key(
        role,
        &document,
        request.operation_name.as_deref(),
        &request.variables,
    ))
}

fn key(role: &str, document: &Document<'_>, operation: Option<&str>, variables: &Variables) -> Key {
    let mut hasher = Sha256::new();
    // Each part is length-prefixed, so no two different requests hash the same bytes.
    let mut part = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    part(b"caregraph response v1");
    part(role.as_bytes());
    match document {
        Document::Text(text) => {
            part(b"text");
            part(text.as_bytes());
        }
        Document::Persisted(hash) => {
            part(b"persisted");
            part(hash.as_bytes());
        }
    }
    match operation {
        Some(name) => {
            part(b"named");
            part(name.as_bytes());
        }
        None => part(b"unnamed"),
    }
    part(canonical_variables(variables).as_bytes());
    Key(hasher.finalize().into())
}

/// The variables as JSON with every object's keys sorted: the order a client wrote them in
/// does not change the answer.
fn canonical_variables(variables: &Variables) -> String {
    let mut json = serde_json::to_value(variables).unwrap_or(serde_json::Value::Null);
    json.sort_all_objects();
    json.to_string()
}

/// The query's tokens, verbatim, one space between each two: white space, commas, comments
/// and a byte-order mark (ignored by GraphQL) do not matter, so `{a}` and `{ a, }` share an
/// entry. Two texts with the same normalized form have the same tokens, hence the same
/// meaning. `None` for a text whose tokens cannot be told apart without the parser (an
/// unterminated string): it never shares an entry with another.
pub(super) fn normalize(query: &str) -> Option<String> {
    let mut out = String::with_capacity(query.len());
    for token in lexer::tokens(query) {
        if !token.complete {
            return None;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token.text);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_characters_do_not_change_the_key() {
        let a = normalize("query Page($slug: String!) {\n  condition(slug: $slug) { name }\n}");
        let b = normalize("# the page\nquery Page($slug:String!){condition(slug:$slug),{name}}");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(
            a.as_deref(),
            Some("query Page ( $ slug : String ! ) { condition ( slug : $ slug ) { name } }")
        );
        assert_eq!(normalize("{ a b }"), normalize(",{\ta,b # c\n}\u{feff}"));
        assert_ne!(normalize("{ ab }"), normalize("{ a b }"));
        assert_ne!(normalize("{ a(x: 1) }"), normalize("{ a(x: -1) }"));
    }

    #[test]
    fn strings_are_kept_verbatim() {
        assert_eq!(
            normalize("{ a(x: \"p  #q, r\") }").as_deref(),
            Some("{ a ( x : \"p  #q, r\" ) }")
        );
        assert_ne!(
            normalize("{ a(x: \"p q\") }"),
            normalize("{ a(x: \"p  q\") }")
        );
        assert_eq!(
            normalize("{a(x:\"\"\"x \\\"\"\" y\"\"\")}").as_deref(),
            Some("{ a ( x : \"\"\"x \\\"\"\" y\"\"\" ) }")
        );
        assert_eq!(
            normalize("{a(x:\"é\\\"\")}").as_deref(),
            Some("{ a ( x : \"é\\\"\" ) }")
        );
        // An unterminated string could otherwise read as a valid query's string.
        assert_eq!(normalize("{ a(x: \"abc\ndef\") }"), None);
        assert_eq!(normalize("{ a(x: \"\"\"abc"), None);
        assert_eq!(normalize("{ a(x: \"abc\\"), None);
    }

    #[test]
    fn keys_depend_on_role_operation_and_variables_not_their_order() {
        let vars = |json: serde_json::Value| Variables::from_json(json);
        let doc = || Document::Text("{ a }".to_owned());
        let k = |role, op, v| key(role, &doc(), op, &v);
        let base = k(
            "anonymous",
            None,
            vars(serde_json::json!({"a": 1, "b": {"x": 1, "y": 2}})),
        );
        assert_eq!(
            base,
            k(
                "anonymous",
                None,
                vars(serde_json::json!({"b": {"y": 2, "x": 1}, "a": 1}))
            )
        );
        assert_ne!(
            base,
            k(
                "invalid",
                None,
                vars(serde_json::json!({"a": 1, "b": {"x": 1, "y": 2}}))
            )
        );
        assert_ne!(
            base,
            k(
                "anonymous",
                Some("A"),
                vars(serde_json::json!({"a": 1, "b": {"x": 1, "y": 2}}))
            )
        );
        assert_ne!(
            base,
            k(
                "anonymous",
                None,
                vars(serde_json::json!({"a": 2, "b": {"x": 1, "y": 2}}))
            )
        );
        assert_ne!(
            key(
                "anonymous",
                &Document::Persisted("{ a }"),
                None,
                &Variables::default()
            ),
            key("anonymous", &doc(), None, &Variables::default())
        );
    }
}
