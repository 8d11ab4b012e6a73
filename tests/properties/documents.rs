//! GraphQL-ish documents from a small grammar over the real names of `schema.graphql` (so many
//! parse, some validate and a few run), then corrupted with random garbage (so many do not).

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

/// Root fields of `QueryRoot` and `MutationRoot`.
const ROOT_FIELDS: &[&str] = &[
    "node",
    "condition",
    "cause",
    "symptom",
    "risk",
    "treatment",
    "conditions",
    "causes",
    "symptoms",
    "risks",
    "treatments",
    "sources",
    "viewer",
    "auditEvents",
    "apiTokens",
    "createNode",
    "updateNode",
    "deleteNode",
    "link",
    "updateLink",
    "unlink",
    "createSource",
    "submitForReview",
    "publish",
    "reject",
    "archive",
    "revert",
    "addCitation",
    "removeCitation",
    "createToken",
    "revokeToken",
    "__schema",
    "__type",
    "__typename",
];

/// Fields of the object types, plus a few that exist nowhere.
const FIELDS: &[&str] = &[
    "id",
    "kind",
    "slug",
    "name",
    "synonyms",
    "summary",
    "status",
    "version",
    "createdAt",
    "updatedAt",
    "pending",
    "pendingStatus",
    "reviewedBy",
    "citations",
    "quote",
    "source",
    "title",
    "content",
    "symptoms",
    "symptomLinks",
    "symptom",
    "causes",
    "causeLinks",
    "cause",
    "notCausedBy",
    "treatments",
    "treatmentLinks",
    "treatment",
    "treatmentType",
    "riskFactors",
    "riskFactorLinks",
    "risk",
    "leadsTo",
    "differentials",
    "broader",
    "narrower",
    "conditions",
    "edges",
    "nodes",
    "node",
    "cursor",
    "pageInfo",
    "hasNextPage",
    "endCursor",
    "totalCount",
    "timing",
    "place",
    "howTo",
    "circumstance",
    "note",
    "negated",
    "predicate",
    "subject",
    "object",
    "events",
    "action",
    "before",
    "after",
    "__typename",
    "types",
    "fields",
    "ofType",
    "nosuchfield",
    "password",
];

const ARGUMENTS: &[&str] = &[
    "id",
    "slug",
    "first",
    "after",
    "filter",
    "orderBy",
    "input",
    "version",
    "reason",
    "name",
    "role",
    "targetId",
    "auditEventId",
    "nameContains",
    "field",
    "direction",
    "kind",
    "citations",
    "sourceId",
    "quote",
    "if",
    "bogus",
];

const ENUM_VALUES: &[&str] = &[
    "CONDITION",
    "TREATMENT",
    "SYMPTOM",
    "CAUSE",
    "RISK",
    "TREATED_BY",
    "HAS_SYMPTOM",
    "NAME",
    "SLUG",
    "CREATED_AT",
    "ASC",
    "DESC",
    "EDITOR",
    "ADMIN",
    "FIRST_LINE",
    "SELF_CARE",
    "NOT_AN_ENUM",
];

const TYPES: &[&str] = &[
    "Condition",
    "Treatment",
    "Cause",
    "Symptom",
    "Risk",
    "Link",
    "Node",
    "Content",
    "QueryRoot",
    "Nope",
];

const SLUGS: &[&str] = &[
    "postpartum-low-back-pain",
    "epidural-related-back-pain",
    "spinal-stenosis",
    "epidural-anesthesia",
    "no-such-slug",
];

/// Tokens that break documents in interesting places.
const GARBAGE: &[&str] = &[
    "{", "}", "(", ")", "[", "]", ":", "$", "...", "@", "\"", "\"\"\"", "\\", "#", ",", "!", "=",
    "|", "&", "query", "mutation", "fragment", "on", "null", "\u{0}", "\u{feff}", "é", "🙂",
    "\u{2028}", "0x1F", "1e999", "-0", "\n", "\t",
];

fn string_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(SLUGS).prop_map(|s| format!("\"{s}\"")),
        2 => any::<String>().prop_map(|s| Value::String(s).to_string()),
        1 => "[a-z \"]{0,12}".prop_map(|s| format!("\"\"\"{s}\"\"\"")),
        1 => Just("\"0197a3b0-0000-7000-8000-000000000000\"".to_owned()),
    ]
}

fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => (-3i64..120).prop_map(|n| n.to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => Just("99999999999999999999999".to_owned()),
        1 => Just("1.5e3".to_owned()),
        4 => string_literal(),
        2 => select(ENUM_VALUES).prop_map(str::to_owned),
        1 => select(&["null", "true", "false"][..]).prop_map(str::to_owned),
        2 => select(&["$v", "$s", "$id", "$undefined"][..]).prop_map(str::to_owned),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((select(ARGUMENTS), inner), 0..3).prop_map(|kv| {
                let fields: Vec<String> =
                    kv.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", fields.join(", "))
            }),
        ]
    })
}

fn arguments() -> impl Strategy<Value = String> {
    prop::collection::vec((select(ARGUMENTS), value()), 0..3).prop_map(|args| {
        if args.is_empty() {
            String::new()
        } else {
            let args: Vec<String> = args.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("({})", args.join(", "))
        }
    })
}

fn directive() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just(String::new()),
        1 => value().prop_map(|v| format!(" @include(if: {v})")),
        1 => Just(" @skip(if: true)".to_owned()),
        1 => Just(" @deprecated".to_owned()),
        1 => Just(" @nosuch(x: 1)".to_owned()),
    ]
}

fn alias() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        1 => "[a-z][a-zA-Z0-9]{0,5}".prop_map(|a| format!("{a}: ")),
    ]
}

/// One selection: a field (with alias, arguments, directive and sub-selection), an inline
/// fragment or a fragment spread.
fn selection(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        8 => select(names).prop_map(str::to_owned),
        1 => Just("...F".to_owned()),
    ];
    leaf.prop_recursive(5, 48, 4, move |inner| {
        let set = prop::collection::vec(inner, 1..4).prop_map(|v| v.join(" "));
        prop_oneof![
            4 => (alias(), select(FIELDS), arguments(), directive(), set.clone())
                .prop_map(|(a, f, args, d, s)| format!("{a}{f}{args}{d} {{ {s} }}")),
            1 => (select(TYPES), set).prop_map(|(t, s)| format!("... on {t} {{ {s} }}")),
        ]
    })
}

fn root_selection() -> impl Strategy<Value = String> {
    (
        alias(),
        select(ROOT_FIELDS),
        arguments(),
        directive(),
        prop::option::of(prop::collection::vec(selection(FIELDS), 1..4)),
    )
        .prop_map(|(a, f, args, d, sub)| match sub {
            Some(sub) => format!("{a}{f}{args}{d} {{ {} }}", sub.join(" ")),
            None => format!("{a}{f}{args}{d}"),
        })
}

fn operation() -> impl Strategy<Value = String> {
    (
        select(
            &[
                "",
                "query",
                "mutation",
                "subscription",
                "query Q",
                "mutation M",
            ][..],
        ),
        select(
            &[
                "",
                "($v: Int)",
                "($s: String!, $v: Int = 3)",
                "($id: ID!)",
                "($v: Nope)",
            ][..],
        ),
        prop::collection::vec(root_selection(), 1..4),
    )
        .prop_map(|(kind, vars, fields)| {
            let head = if kind.is_empty() && !vars.is_empty() {
                format!("query{vars}")
            } else {
                format!("{kind}{vars}")
            };
            format!("{head} {{ {} }}", fields.join(" "))
        })
}

/// A corruption of a document: garbage in, text out, or the end cut off.
#[derive(Clone, Debug)]
enum Edit {
    Insert(prop::sample::Index, &'static str),
    Delete(prop::sample::Index, usize),
    Truncate(prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<prop::sample::Index>(), select(GARBAGE)).prop_map(|(i, g)| Edit::Insert(i, g)),
        1 => (any::<prop::sample::Index>(), 1..8usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => any::<prop::sample::Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(doc: &str, edit: &Edit) -> String {
    let chars: Vec<char> = doc.chars().collect();
    let mut out: Vec<char> = chars.clone();
    match edit {
        Edit::Insert(at, garbage) => {
            let i = at.index(chars.len() + 1);
            out.splice(i..i, garbage.chars());
        }
        Edit::Delete(at, n) => {
            let i = at.index(chars.len() + 1);
            let end = (i + n).min(chars.len());
            out.drain(i..end);
        }
        Edit::Truncate(at) => out.truncate(at.index(chars.len() + 1)),
    }
    out.into_iter().collect()
}

/// Mostly a small integer, sometimes any value.
fn int() -> impl Strategy<Value = String> {
    prop_oneof![4 => (-2i64..120).prop_map(|n| n.to_string()), 1 => value()]
}

/// Mostly an id of the running server's graph (`ids`), sometimes any value.
fn id(ids: &[String]) -> impl Strategy<Value = String> {
    let mut known: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    known.push("\"0197a3b0-0000-7000-8000-000000000000\"".to_owned());
    prop_oneof![4 => select(known), 1 => string_literal(), 1 => value()]
}

/// Mostly an enum value of the right type, sometimes any name.
fn one_of(values: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(values).prop_map(str::to_owned),
        1 => select(ENUM_VALUES).prop_map(str::to_owned),
    ]
}

/// Citations: often a real sentence of a real source, sometimes odd ones.
fn citations(ids: &[String]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (id(ids), select(&[
            "It is vital to note that epidural is not the cause of low back pain after giving birth.",
            "Rest.",
            "not in the article",
        ][..])).prop_map(|(source, quote)| format!("[{{ sourceId: {source}, quote: \"{quote}\" }}]")),
        1 => Just("[]".to_owned()),
        1 => value(),
    ]
}

const KINDS: &[&str] = &["CONDITION", "CAUSE", "SYMPTOM", "RISK", "TREATMENT"];
const PREDICATES: &[&str] = &[
    "HAS_SYMPTOM",
    "CAUSED_BY",
    "TREATED_BY",
    "HAS_RISK_FACTOR",
    "HAS_ADVERSE_RISK",
    "MAY_LEAD_TO",
    "IS_CONDITION",
    "DIFFERENTIAL_OF",
    "SUBCLASS_OF",
];
const CONDITION_FIELDS: &[&str] = &[
    "name",
    "slug",
    "summary",
    "status",
    "version",
    "icd10cm",
    "reviewedBy",
    "__typename",
];

/// Real operations of the article's frontends and content teams, with generated argument
/// values (mostly of the right type, ids of the running graph): these get past validation
/// often, so resolvers, loaders and writes run with odd inputs.
fn realistic(ids: &[String]) -> impl Strategy<Value = String> {
    let condition = (string_literal(), select(CONDITION_FIELDS)).prop_map(|(slug, field)| {
        format!(
            "{{ condition(slug: {slug}) {{ name {field} causes {{ name }} \
             treatmentLinks {{ place howTo citations {{ quote }} }} }} }}"
        )
    });
    let list = (
        int(),
        prop_oneof![2 => Just("null".to_owned()), 1 => string_literal(), 1 => value()],
        string_literal(),
        one_of(&["NAME", "SLUG", "CREATED_AT"]),
    )
        .prop_map(|(first, after, name, field)| {
            format!(
                "{{ conditions(first: {first}, after: {after}, filter: {{ nameContains: {name} }}, \
                 orderBy: {{ field: {field} }}) {{ totalCount edges {{ cursor node {{ slug }} }} \
                 pageInfo {{ hasNextPage endCursor }} }} }}"
            )
        });
    let node = id(ids).prop_map(|id| {
        format!(
            "{{ node(id: {id}) {{ id kind version ... on Condition {{ symptoms {{ name }} }} \
             ... on Treatment {{ risks {{ name }} }} }} }}"
        )
    });
    let audit = (int(), id(ids)).prop_map(|(first, target)| {
        format!(
            "{{ auditEvents(first: {first}, targetId: {target}) {{ events {{ action }} nextCursor }} \
             viewer {{ name role }} }}"
        )
    });
    let create = (
        one_of(KINDS),
        string_literal(),
        string_literal(),
        citations(ids),
    )
        .prop_map(|(kind, slug, name, cites)| {
            format!(
                "mutation {{ createNode(input: {{ kind: {kind}, slug: {slug}, name: {name}, \
                 citations: {cites} }}) {{ id status }} }}"
            )
        });
    let link = (id(ids), id(ids), one_of(PREDICATES), citations(ids)).prop_map(
        |(subject, object, predicate, cites)| {
            format!(
                "mutation {{ link(input: {{ subjectId: {subject}, predicate: {predicate}, \
                 objectId: {object}, citations: {cites} }}) {{ id }} }}"
            )
        },
    );
    let update = (id(ids), int(), string_literal()).prop_map(|(id, version, name)| {
        format!(
            "mutation {{ updateNode(input: {{ id: {id}, version: {version}, name: {name} }}) \
             {{ id version }} }}"
        )
    });
    let step = (
        one_of(&["submitForReview", "publish", "archive", "reject"]),
        id(ids),
        int(),
    )
        .prop_map(|(step, id, version)| {
            format!("mutation {{ {step}(id: {id}, version: {version}) {{ __typename }} }}")
        });
    prop_oneof![condition, list, node, audit, create, link, update, step]
}

/// A document: a realistic operation, mostly intact; or one or two operations of the grammar,
/// maybe with a fragment, often corrupted.
pub fn document() -> impl Strategy<Value = String> {
    document_over(&[])
}

/// `document()` whose realistic operations mostly name the ids in `ids`.
pub fn document_over(ids: &[String]) -> impl Strategy<Value = String> {
    let edits = |intact: u32| prop_oneof![intact => Just(Vec::new()), 1 => prop::collection::vec(edit(), 1..4)];
    let realistic = (realistic(ids), edits(6)).prop_map(|(doc, edits)| corrupt(doc, &edits));
    let grammar = (
        (operation(), prop::option::weighted(0.25, operation())),
        prop::option::weighted(
            0.3,
            (
                select(TYPES),
                prop::collection::vec(selection(FIELDS), 1..3),
            ),
        ),
        edits(2),
    )
        .prop_map(|((first, second), fragment, edits)| {
            let mut doc = first;
            if let Some(second) = second {
                doc.push('\n');
                doc.push_str(&second);
            }
            if let Some((on, sel)) = fragment {
                doc.push_str(&format!("\nfragment F on {on} {{ {} }}", sel.join(" ")));
            }
            corrupt(doc, &edits)
        });
    prop_oneof![3 => realistic, 2 => grammar]
}

fn corrupt(mut doc: String, edits: &[Edit]) -> String {
    for e in edits {
        doc = apply(&doc, e);
    }
    doc
}

/// Variables: usually an object with the names documents use, sometimes any JSON.
pub fn variables() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => Just(Value::Null),
        3 => (prop::option::of(any::<i64>()), prop::option::of(any::<String>()), prop::option::of(json()))
            .prop_map(|(v, s, id)| {
                let mut m = serde_json::Map::new();
                if let Some(v) = v { m.insert("v".into(), v.into()); }
                if let Some(s) = s { m.insert("s".into(), s.into()); }
                if let Some(id) = id { m.insert("id".into(), id); }
                Value::Object(m)
            }),
        1 => json(),
    ]
}

/// Any JSON value, keys biased towards the names a GraphQL request uses.
pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        select(SLUGS).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        select(
                            &[
                                "query",
                                "variables",
                                "operationName",
                                "extensions",
                                "sqlStatements"
                            ][..]
                        )
                        .prop_map(str::to_owned),
                        any::<String>(),
                    ],
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}
