//! Responses as JSON bytes, written straight from the response (no intermediate JSON tree).
//! A request that never ran has no `data` member, as the GraphQL specification asks.

use std::collections::BTreeMap;

use async_graphql::{Response, ServerError, Value};
use bytes::Bytes;
use serde::Serialize;

use crate::graphql::error::code;

/// The extension a client sets to `true` to get the count of SQL statements its request ran
/// back in the response's `extensions`.
pub(super) const SQL_STATEMENTS: &str = "sqlStatements";

/// `response` as JSON; without its `data` member when `ran` is false.
pub(super) fn json(response: &Response, ran: bool) -> Bytes {
    let mut out = Vec::with_capacity(256);
    write(&mut out, response, ran);
    Bytes::from(out)
}

/// A batch's responses (each with whether it ran) as one JSON array.
pub(super) fn batch<'a>(responses: impl ExactSizeIterator<Item = (&'a Response, bool)>) -> Bytes {
    let mut out = Vec::with_capacity(256 * responses.len());
    out.push(b'[');
    for (i, (response, ran)) in responses.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(&mut out, response, ran);
    }
    out.push(b']');
    Bytes::from(out)
}

/// `body` (`{"data":…}`, as cached: no `extensions` member) with `extensions.sqlStatements`
/// added: one copy of the bytes, not a second serialization.
pub(super) fn with_statement_count(body: &Bytes, statements: usize) -> Bytes {
    let Some(open) = body.strip_suffix(b"}") else {
        return body.clone();
    };
    let mut with = Vec::with_capacity(body.len() + 40);
    with.extend_from_slice(open);
    with.extend_from_slice(
        format!(",\"extensions\":{{\"{SQL_STATEMENTS}\":{statements}}}}}").as_bytes(),
    );
    Bytes::from(with)
}

/// The members of a response that never ran. `errors` before `extensions`: the order the
/// handler sent them in when it removed `data` from a JSON tree of the response (which moved
/// the last member, `errors`, into its place).
#[derive(Serialize)]
struct WithoutData<'a> {
    #[serde(skip_serializing_if = "no_errors")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "no_extensions")]
    extensions: &'a BTreeMap<String, Value>,
}

fn no_extensions(extensions: &&BTreeMap<String, Value>) -> bool {
    extensions.is_empty()
}

fn no_errors(errors: &&[ServerError]) -> bool {
    errors.is_empty()
}

fn write(out: &mut Vec<u8>, response: &Response, ran: bool) {
    let start = out.len();
    let written = if ran {
        serde_json::to_writer(&mut *out, response)
    } else {
        let without = WithoutData {
            errors: &response.errors,
            extensions: &response.extensions,
        };
        serde_json::to_writer(&mut *out, &without)
    };
    if let Err(err) = written {
        tracing::error!(error = %err, "cannot serialize a GraphQL response");
        out.truncate(start);
        out.extend_from_slice(
            format!(
                "{{\"errors\":[{{\"message\":\"internal error\",\"extensions\":{{\"code\":\"{}\"}}}}]}}",
                code::INTERNAL
            )
            .as_bytes(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes are those of the JSON tree the handler used to build and print.
    #[test]
    fn written_as_the_json_tree_would_print_it() {
        let mut response = Response::new(
            Value::from_json(serde_json::json!({
                "b": { "z": 1.5, "a": [1, "é\"\n", null, true] }, "a": -3
            }))
            .expect("value"),
        );
        response.errors.push(ServerError::new("boom", None));
        response
            .extensions
            .insert(SQL_STATEMENTS.to_owned(), Value::from(2));
        let tree = serde_json::to_value(&response).expect("tree").to_string();
        assert_eq!(json(&response, true), tree.as_bytes());
        let mut tree = serde_json::to_value(&response).expect("tree");
        tree.as_object_mut().expect("object").remove("data");
        assert_eq!(json(&response, false), tree.to_string().as_bytes());
        let refused = Response::from_errors(vec![ServerError::new("no", None)]);
        assert_eq!(
            json(&refused, false),
            b"{\"errors\":[{\"message\":\"no\"}]}".as_slice()
        );
        let batch = batch([(&response, true), (&refused, false)].into_iter());
        let both = format!(
            "[{},{}]",
            std::str::from_utf8(&json(&response, true)).expect("utf-8"),
            std::str::from_utf8(&json(&refused, false)).expect("utf-8")
        );
        assert_eq!(batch, both.as_bytes());
    }

    #[test]
    fn the_statement_count_joins_a_cached_body() {
        let body = Bytes::from_static(b"{\"data\":{\"a\":1}}");
        assert_eq!(
            with_statement_count(&body, 0),
            b"{\"data\":{\"a\":1},\"extensions\":{\"sqlStatements\":0}}".as_slice()
        );
    }
}
