//! The limits, checked on documents from the harmless to the hostile.

use async_graphql::Name;

use super::scan::{Scan, scan};
use super::*;

/// The shape of the served schema, learnt once for all the tests here.
fn shape() -> Arc<SchemaShape> {
    static SHAPE: std::sync::OnceLock<Arc<SchemaShape>> = std::sync::OnceLock::new();
    SHAPE
        .get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime");
            let schema = crate::graphql::build_schema();
            Arc::new(runtime.block_on(SchemaShape::of(&schema)))
        })
        .clone()
}

fn limits() -> RequestLimits {
    RequestLimits::new(&LimitsConfig::default(), shape())
}

fn check(query: &str) -> Result<(), ServerError> {
    limits()
        .check(&mut Request::new(query), false)
        .map_err(|refused| *refused.error)
}

fn limit_of(err: &ServerError) -> String {
    let ext = err.extensions.as_ref().expect("extensions");
    match ext.get("limit") {
        Some(Value::String(s)) => s.clone(),
        other => panic!("no limit: {other:?} in {err:?}"),
    }
}

#[test]
fn tokens_are_counted_like_the_grammar_does() {
    let count = |q: &str| {
        (0..100)
            .find(|&max| scan(q, max) == Scan::Fine)
            .expect("fewer than 100")
    };
    assert_eq!(count("{ a }"), 3);
    assert_eq!(
        count("query Q($x: Int = -1.5e3) { a(x: $x) @skip(if: true) }"),
        26
    );
    assert_eq!(count("{ a, b # comment { { {\n c }"), 5);
    assert_eq!(count(r#"{ a(s: "x { \" y", t: """ { \""" } """) }"#), 11);
    assert_eq!(count("{ ...F } fragment F on Q { a }"), 11);
    assert_eq!(count("\u{feff}{ a }"), 3);
}

#[test]
fn bracket_nesting_is_bounded_before_parsing() {
    let deep = format!("{}{}", "{a".repeat(65), "}".repeat(65));
    assert_eq!(scan(&deep, 10_000), Scan::TooDeep);
    let fine = format!("{}{}", "{a".repeat(64), "}".repeat(64));
    assert_eq!(scan(&fine, 10_000), Scan::Fine);
}

#[test]
fn fragments_count_where_they_are_spread_and_are_measured_once() {
    // 2^40 fields once expanded; refused at once.
    let mut q = String::from("{ ...F0 }\n");
    for i in 0..40 {
        q.push_str(&format!(
            "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
            i + 1,
            i + 1
        ));
    }
    q.push_str("fragment F40 on Query { __typename }\n");
    let err = check(&q).expect_err("too complex");
    assert_eq!(limit_of(&err), "complexity");
}

#[test]
fn a_fragment_that_spreads_itself_is_refused() {
    let err = check("{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }")
        .expect_err("cycle");
    assert!(err.message.contains("spreads itself"), "{err:?}");
}

#[test]
fn each_limit_names_itself() {
    let cases = [
        (
            format!("{{ a{} }}", " { a".repeat(12) + &" }".repeat(12)),
            "depth",
        ),
        (
            format!(
                "{{ {} }}",
                (0..31)
                    .map(|i| format!("a{i}: a"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "aliases",
        ),
        (
            format!(
                "{{ {} }}",
                (0..21)
                    .map(|i| format!("f{i}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "rootFields",
        ),
        ("{ a @a @b @c @d @e @f }".to_owned(), "directives"),
        (format!("{{ a }} #{}", "x".repeat(40_000)), "queryBytes"),
        (format!("{{ {} }}", "a ".repeat(5000)), "tokens"),
    ];
    for (query, limit) in cases {
        let err = check(&query).expect_err(limit);
        assert_eq!(limit_of(&err), limit, "{query:.80}");
    }
    assert!(check("{ a { b { c } } }").is_ok());
}

#[test]
fn introspection_can_need_a_token() {
    let mut config = LimitsConfig::default();
    config.require_token_for_introspection();
    let limits = RequestLimits::new(&config, shape());
    let query = "{ ...F } fragment F on Query { __schema { queryType { name } } }";
    assert!(limits.check(&mut Request::new(query), false).is_err());
    assert!(limits.check(&mut Request::new(query), true).is_ok());
    assert!(
        limits
            .check(&mut Request::new("{ __typename }"), false)
            .is_ok()
    );
}

#[test]
fn the_operation_to_run_must_be_known() {
    let doc = "query A { a } query B { b }";
    assert!(check(doc).is_err());
    let mut named = Request::new(doc).operation_name("B");
    assert!(limits().check(&mut named, false).is_ok());
    let mut unknown = Request::new(doc).operation_name("C");
    let refused = limits().check(&mut unknown, false).expect_err("unknown");
    assert_eq!(refused.refusal, Refusal::Operation);
    assert!(refused.error.message.contains("\"C\""), "{refused:?}");
}

/// The introspection queries standard clients send, generated from graphql-js's npm
/// packages (`tests/fixtures/introspection/`).
const STANDARD_INTROSPECTION: [&str; 4] = [
    include_str!("../../../../tests/fixtures/introspection/graphql-js-14-default.graphql"),
    include_str!("../../../../tests/fixtures/introspection/graphql-js-15-default.graphql"),
    include_str!("../../../../tests/fixtures/introspection/graphql-js-16-default.graphql"),
    include_str!("../introspection_query.graphql"),
];

#[test]
fn standard_introspection_passes_although_deeper_than_the_depth_limit() {
    for query in STANDARD_INTROSPECTION {
        assert!(check(query).is_ok(), "{:.60}: {:?}", query, check(query));
    }
    // Twice over (aliases) is still within the budget.
    let twice = "{ a: __schema { types { ...T } } b: __schema { types { ...T } } }
        fragment T on __Type { name fields { name args { name type { name } } type { name kind ofType { name kind ofType { name } } } } }";
    assert!(check(twice).is_ok(), "{:?}", check(twice));
    // The data limit still holds beside it.
    let deep_data = format!(
        "{{ __schema {{ types {{ name }} }} a{} }}",
        " { a".repeat(12) + &" }".repeat(12)
    );
    assert_eq!(limit_of(&check(&deep_data).expect_err("deep")), "depth");
}

#[test]
fn the_budget_is_twice_the_fullest_standard_answer() {
    let shape = shape();
    let fullest = async_graphql::parser::parse_query(STANDARD_INTROSPECTION[3]).expect("parse");
    let size = shape
        .cost(&fullest, &Variables::default(), usize::MAX)
        .expect("cost");
    assert_eq!(shape.budget(), size * 2);
    // The schema is not trivially small: the bound means something.
    assert!(size > 5_000, "{size}");
}

/// A selection on `__Type` that follows each field to its named type (through up to three
/// wrappers) and lists that type's fields again, `levels` times: the schema's cycle.
fn through_fields(levels: usize) -> String {
    if levels == 0 {
        return "name".to_owned();
    }
    let inner = through_fields(levels - 1);
    format!(
        "fields {{ name type {{ {inner} ofType {{ {inner} ofType {{ {inner} ofType {{ {inner} }} }} }} }} }}"
    )
}

#[test]
fn hostile_introspection_is_refused_quickly() {
    let cycle = format!("{{ __schema {{ types {{ {} }} }} }}", through_fields(3));
    let by_type = format!(
        "{{ __type(name: \"QueryRoot\") {{ {} }} }}",
        through_fields(4)
    );
    // The same through fragments, one per level.
    let mut fragments = String::from("{ __schema { types { ...F0 } } }\n");
    for i in 0..4 {
        let next = format!("...F{}", i + 1);
        fragments.push_str(&format!(
            "fragment F{i} on __Type {{ fields {{ type {{ {next} ofType {{ {next} ofType {{ {next} ofType {{ {next} }} }} }} }} }} }}\n"
        ));
    }
    fragments.push_str("fragment F4 on __Type { name }\n");
    // The full query, many times over under aliases.
    let aliased = (0..3)
        .map(|i| format!("a{i}: __schema {{ types {{ ...FullType }} }}"))
        .collect::<Vec<_>>()
        .join(" ");
    let full = STANDARD_INTROSPECTION[3];
    let fragments_of_full = &full[full.find("fragment FullType").expect("FullType")..];
    let aliased = format!("{{ {aliased} }}\n{fragments_of_full}");
    // The issue's literal cycle: cheap to answer (most field types are non-null wrappers,
    // whose `fields` are null), refused all the same for walking the cycle.
    let literal = format!(
        "{{ __schema {{ types {{ {} name {} }} }} }}",
        "fields { type { ".repeat(3),
        "} } ".repeat(3)
    );
    for (query, limit) in [
        (literal.as_str(), "introspectionLists"),
        (&cycle, "introspectionLists"),
        (&by_type, "introspectionLists"),
        (&fragments, "introspectionLists"),
        (&aliased, "introspection"),
    ] {
        let started = std::time::Instant::now();
        let err = check(query).expect_err("refused");
        assert_eq!(limit_of(&err), limit, "{query:.80}: {err:?}");
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    // Two laps of member lists within the budget pass; past the budget they do not.
    let two = |alias: &str| format!("{alias}: __schema {{ types {{ {} }} }}", through_fields(2));
    assert!(check(&format!("{{ {} }}", two("a"))).is_ok());
    let many = (0..8)
        .map(|i| two(&format!("a{i}")))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        limit_of(&check(&format!("{{ {many} }}")).expect_err("over budget")),
        "introspection"
    );
    // One level of the cycle is what an analyst asks, and it passes.
    let one_level = format!("{{ __schema {{ types {{ {} }} }} }}", through_fields(1));
    assert!(check(&one_level).is_ok(), "{:?}", check(&one_level));
    // ofType nested 100 deep never reaches the parser.
    let deep = format!(
        "{{ __schema {{ types {{ {} name {} }} }} }}",
        "ofType { ".repeat(100),
        "} ".repeat(100)
    );
    let err = check(&deep).expect_err("too deep");
    assert!(err.message.contains("nests brackets"), "{err:?}");
}

#[test]
fn a_type_asked_by_variable_costs_its_own_size() {
    let query = "query Q($n: String!) { __type(name: $n) { fields { name type { name } } } }";
    let mut known = Request::new(query).variables(Variables::from_json(
        serde_json::json!({ "n": "Condition" }),
    ));
    assert!(limits().check(&mut known, false).is_ok());
    // The variables are given back to the request.
    assert_eq!(
        known.variables.get(&Name::new("n")),
        Some(&Value::from("Condition"))
    );
}

#[test]
fn a_fragment_spreading_itself_inside_introspection_is_refused() {
    let err =
        check("{ __schema { types { ...F } } } fragment F on __Type { fields { type { ...F } } }")
            .expect_err("cycle");
    assert!(err.message.contains("spreads itself"), "{err:?}");
}

#[test]
fn a_text_seen_before_is_not_parsed_again_but_each_request_is_still_checked() {
    let mut config = LimitsConfig::default();
    config.require_token_for_introspection();
    let limits = RequestLimits::new(&config, shape());
    let doc = "query A { a } query B { __schema { queryType { name } } }";
    // The first request parses it, and leaves the document in the request.
    let mut first = Request::new(doc).operation_name("A");
    assert!(limits.check(&mut first, true).is_ok());
    assert!(limits.documents.get(doc).is_some());
    // The second gets the parsed document from the cache, and its own checks: the
    // operation it names, whether it may introspect.
    let mut second = Request::new(doc).operation_name("B");
    assert!(limits.check(&mut second, true).is_ok());
    assert!(second.parsed_query().is_ok());
    let mut anonymous = Request::new(doc).operation_name("B");
    let refused = limits.check(&mut anonymous, false).expect_err("no token");
    assert_eq!(refused.refusal, Refusal::Unauthenticated);
    assert_eq!(
        refused
            .error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code")),
        Some(&Value::from(code::UNAUTHENTICATED))
    );
    let mut unknown = Request::new(doc).operation_name("C");
    assert!(limits.check(&mut unknown, true).is_err());
    // A refused text is refused every time, and never kept.
    let deep = format!("{{ a{} }}", " { a".repeat(12) + &" }".repeat(12));
    for _ in 0..2 {
        assert_eq!(
            limit_of(
                &limits
                    .check(&mut Request::new(&deep), true)
                    .expect_err("deep")
                    .error
            ),
            "depth"
        );
    }
    assert!(limits.documents.get(&deep).is_none());
    // An introspection by variable is measured with each request's variables.
    let by_name = "query Q($n: String!) { __type(name: $n) { fields { name } } }";
    let mut named = Request::new(by_name).variables(Variables::from_json(
        serde_json::json!({ "n": "Condition" }),
    ));
    assert!(limits.check(&mut named, true).is_ok());
    let mut again = Request::new(by_name).variables(Variables::from_json(
        serde_json::json!({ "n": "Condition" }),
    ));
    assert!(limits.check(&mut again, true).is_ok());
}
