//! Every standard client can introspect the schema, and what it learns is `schema.graphql`;
//! hostile introspection is refused quickly and the server keeps serving.
//!
//! The queries in `tests/fixtures/introspection/` (and the fullest one, which the server itself
//! runs at start, in `src/graphql/`) were generated once from graphql-js's npm packages
//! (`getIntrospectionQuery()` of 14.7.0, 15.10.1, 16.15.0, and 17.1.0 with every option on);
//! they are what GraphiQL, Apollo, GraphQL Code Generator, Postman and Insomnia send.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{assert_code, spawn_app, spawn_app_configured};

const FIXTURES: [(&str, &str); 4] = [
    (
        "graphql-js 14",
        include_str!("../fixtures/introspection/graphql-js-14-default.graphql"),
    ),
    (
        "graphql-js 15",
        include_str!("../fixtures/introspection/graphql-js-15-default.graphql"),
    ),
    (
        "graphql-js 16",
        include_str!("../fixtures/introspection/graphql-js-16-default.graphql"),
    ),
    (
        "graphql-js 17, every option",
        include_str!("../../src/graphql/request/introspection_query.graphql"),
    ),
];

#[tokio::test]
async fn standard_clients_introspect_and_learn_the_committed_schema() {
    let app = spawn_app().await;
    for (client, query) in FIXTURES {
        let (status, resp) = app
            .post_json(&json!({ "query": query, "operationName": "IntrospectionQuery" }))
            .await;
        assert_eq!(status, StatusCode::OK, "{client}: {resp}");
        assert!(resp.get("errors").is_none(), "{client}: {resp}");
        assert_eq!(
            resp["data"]["__schema"]["queryType"]["name"], "QueryRoot",
            "{client}"
        );
    }
    let fullest = FIXTURES[3].1;

    // By GET as well, and as an automatic persisted query (registered, then by hash alone).
    let resp = app.get_graphql(fullest, &Value::Null, &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp: Value = resp.json().await.expect("json");
    assert!(resp.get("errors").is_none(), "GET: {resp}");
    let hash = format!("{:x}", Sha256::digest(fullest.as_bytes()));
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let (_, resp) = app
        .post_json(&json!({ "query": fullest, "extensions": persisted }))
        .await;
    assert!(resp.get("errors").is_none(), "APQ registration: {resp}");
    let (_, resp) = app.post_json(&json!({ "extensions": persisted })).await;
    assert!(resp.get("errors").is_none(), "APQ by hash: {resp}");

    // The client schema built from the answer is the committed SDL, type by type.
    let learnt = client_schema(&resp["data"]["__schema"]);
    let committed = sdl_schema(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
            .expect("schema.graphql"),
    );
    let missing: Vec<_> = committed.difference(&learnt).collect();
    let extra: Vec<_> = learnt.difference(&committed).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "introspection differs from schema.graphql\nonly in schema.graphql: {missing:#?}\nonly in the introspection: {extra:#?}"
    );
    assert!(committed.len() > 500, "{} facts compared", committed.len());
}

/// An operator who tightens the data limits does not lock out the clients' introspection.
#[tokio::test]
async fn tight_data_limits_leave_introspection_alone() {
    let app = spawn_app_configured(|_, serve| {
        serve.limits.max_depth = 3;
        serve.limits.max_complexity = 10;
        serve.limits.max_aliases = 0;
    })
    .await;
    let (status, resp) = app.gql(FIXTURES[3].1, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert!(resp.get("errors").is_none(), "{resp}");
    // While data queries are held to them.
    let (_, resp) = app
        .gql("{ conditions { edges { node { name } } } }", json!({}))
        .await;
    assert_code(&resp, "LIMIT_EXCEEDED");
    assert_eq!(resp["errors"][0]["extensions"]["limit"], "depth", "{resp}");
}

#[tokio::test]
async fn hostile_introspection_is_refused_quickly_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    // The schema's cycle: each field followed to its named type (through up to three
    // wrappers), whose fields are listed again; one fragment per level.
    let mut cycle = String::from("{ __schema { types { ...L0 } } }\n");
    for level in 0..4 {
        let next = format!("...L{}", level + 1);
        cycle.push_str(&format!(
            "fragment L{level} on __Type {{ fields {{ type {{ {next} ofType {{ {next} ofType {{ {next} ofType {{ {next} }} }} }} }} }} }}\n"
        ));
    }
    cycle.push_str("fragment L4 on __Type { name }\n");
    // The fullest standard query, three times over under aliases.
    let full = FIXTURES[3].1;
    let aliased = format!(
        "{{ a: __schema {{ types {{ ...FullType }} }} b: __schema {{ types {{ ...FullType }} }} \
         c: __schema {{ types {{ ...FullType }} }} }}\n{}",
        &full[full.find("fragment FullType").expect("FullType")..]
    );
    // The literal cycle: types through their fields, three laps.
    let literal = "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }";
    let hostile = [
        (cycle.as_str(), "introspectionLists"),
        (literal, "introspectionLists"),
        (&aliased, "introspection"),
    ];
    for (query, limit) in hostile {
        let started = Instant::now();
        let (status, resp) = app.gql(query, json!({})).await;
        let took = started.elapsed();
        assert_eq!(status, StatusCode::OK, "{resp}");
        assert_code(&resp, "LIMIT_EXCEEDED");
        assert_eq!(resp["errors"][0]["extensions"]["limit"], limit, "{resp}");
        assert!(resp.get("data").is_none(), "nothing ran: {resp}");
        assert!(took < Duration::from_secs(2), "refused after {took:?}");
    }
    // `ofType` 100 deep is refused before it is parsed.
    let deep = format!(
        "{{ __schema {{ types {{ {} name {} }} }} }}",
        "ofType { ".repeat(100),
        "} ".repeat(100)
    );
    let (_, resp) = app.gql(&deep, json!({})).await;
    assert_code(&resp, "GRAPHQL_PARSE_FAILED");
    // And the server still answers.
    let data = app.data("{ sources { title } }", json!({})).await;
    assert!(!data["sources"].as_array().expect("sources").is_empty());
}

/// One line per fact a client schema holds: types and their kinds, descriptions, fields with
/// their types, arguments with types and defaults, deprecations, interfaces, union members,
/// enum values, input fields, the roots, and the directives.
fn client_schema(schema: &Value) -> BTreeSet<String> {
    let mut facts = BTreeSet::new();
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    for root in ["queryType", "mutationType", "subscriptionType"] {
        if let Some(name) = schema[root]["name"].as_str() {
            facts.insert(format!("root {root} {name}"));
        }
    }
    for ty in list(&schema["types"]) {
        let name = ty["name"].as_str().expect("name");
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name) {
            continue;
        }
        facts.insert(format!(
            "type {name} {}",
            ty["kind"].as_str().expect("kind")
        ));
        describe(&mut facts, name, &ty["description"]);
        for field in list(&ty["fields"]) {
            let at = format!("{name}.{}", field["name"].as_str().expect("name"));
            facts.insert(format!("field {at}: {}", type_ref(&field["type"])));
            describe(&mut facts, &at, &field["description"]);
            deprecation(&mut facts, &at, &field);
            for arg in list(&field["args"]) {
                input_value(&mut facts, &at, &arg);
            }
        }
        for input in list(&ty["inputFields"]) {
            input_value(&mut facts, name, &input);
        }
        for interface in list(&ty["interfaces"]) {
            facts.insert(format!(
                "implements {name} {}",
                interface["name"].as_str().expect("name")
            ));
        }
        if ty["kind"] == "UNION" {
            for member in list(&ty["possibleTypes"]) {
                facts.insert(format!(
                    "member {name} {}",
                    member["name"].as_str().expect("name")
                ));
            }
        }
        for value in list(&ty["enumValues"]) {
            let at = format!("{name}.{}", value["name"].as_str().expect("name"));
            facts.insert(format!("value {at}"));
            describe(&mut facts, &at, &value["description"]);
            deprecation(&mut facts, &at, &value);
        }
    }
    for directive in list(&schema["directives"]) {
        let name = directive["name"].as_str().expect("name");
        if SPECIFIED_DIRECTIVES.contains(&name) {
            continue;
        }
        let at = format!("@{name}");
        let locations: Vec<_> = list(&directive["locations"])
            .iter()
            .map(|l| l.as_str().unwrap_or_default().to_owned())
            .collect();
        facts.insert(format!("directive {at} on {}", locations.join(" | ")));
        describe(&mut facts, &at, &directive["description"]);
        for arg in list(&directive["args"]) {
            input_value(&mut facts, &at, &arg);
        }
    }
    facts
}

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// The directives the GraphQL spec defines: every server has them, and SDL printers (graphql-js's
/// `printSchema`, async-graphql's `sdl()`) leave them out or print them partly.
const SPECIFIED_DIRECTIVES: [&str; 5] = ["include", "skip", "deprecated", "specifiedBy", "oneOf"];

fn describe(facts: &mut BTreeSet<String>, at: &str, description: &Value) {
    if let Some(text) = description.as_str() {
        facts.insert(format!("description {at}: {text}"));
    }
}

fn deprecation(facts: &mut BTreeSet<String>, at: &str, item: &Value) {
    if item["isDeprecated"] == true {
        facts.insert(format!(
            "deprecated {at}: {}",
            item["deprecationReason"].as_str().unwrap_or_default()
        ));
    }
}

fn input_value(facts: &mut BTreeSet<String>, owner: &str, value: &Value) {
    let at = format!("{owner}({})", value["name"].as_str().expect("name"));
    let default = value["defaultValue"]
        .as_str()
        .map(|d| format!(" = {d}"))
        .unwrap_or_default();
    facts.insert(format!("input {at}: {}{default}", type_ref(&value["type"])));
    describe(facts, &at, &value["description"]);
    deprecation(facts, &at, value);
}

fn type_ref(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&ty["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&ty["ofType"])),
        _ => ty["name"].as_str().expect("named type").to_owned(),
    }
}

/// The same facts, read from SDL.
fn sdl_schema(sdl: &str) -> BTreeSet<String> {
    let doc = async_graphql::parser::parse_schema(sdl).expect("schema.graphql parses");
    let mut facts = BTreeSet::new();
    let text = |d: &Option<async_graphql::Positioned<String>>| {
        d.as_ref()
            .map(|d| Value::from(d.node.clone()))
            .unwrap_or(Value::Null)
    };
    let deprecated = |facts: &mut BTreeSet<String>,
                      at: &str,
                      directives: &[async_graphql::Positioned<
        async_graphql::parser::types::ConstDirective,
    >]| {
        for directive in directives {
            if directive.node.name.node == "deprecated" {
                let reason = directive
                    .node
                    .get_argument("reason")
                    .and_then(|r| match &r.node {
                        async_graphql::Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| "No longer supported".to_owned());
                facts.insert(format!("deprecated {at}: {reason}"));
            }
        }
    };
    let input = |facts: &mut BTreeSet<String>,
                 owner: &str,
                 value: &async_graphql::parser::types::InputValueDefinition| {
        let at = format!("{owner}({})", value.name.node);
        let default = value
            .default_value
            .as_ref()
            .map(|d| format!(" = {}", d.node))
            .unwrap_or_default();
        facts.insert(format!("input {at}: {}{default}", value.ty.node));
        describe(facts, &at, &text(&value.description));
        deprecated(facts, &at, &value.directives);
    };
    for definition in doc.definitions {
        match definition {
            TypeSystemDefinition::Schema(schema) => {
                let schema = schema.node;
                for (root, name) in [
                    ("queryType", schema.query),
                    ("mutationType", schema.mutation),
                    ("subscriptionType", schema.subscription),
                ] {
                    if let Some(name) = name {
                        facts.insert(format!("root {root} {}", name.node));
                    }
                }
            }
            TypeSystemDefinition::Type(ty) => {
                let ty = ty.node;
                let name = ty.name.node.to_string();
                describe(&mut facts, &name, &text(&ty.description));
                let kind = match &ty.kind {
                    TypeKind::Scalar => "SCALAR",
                    TypeKind::Object(_) => "OBJECT",
                    TypeKind::Interface(_) => "INTERFACE",
                    TypeKind::Union(_) => "UNION",
                    TypeKind::Enum(_) => "ENUM",
                    TypeKind::InputObject(_) => "INPUT_OBJECT",
                };
                facts.insert(format!("type {name} {kind}"));
                let (fields, implements) = match &ty.kind {
                    TypeKind::Object(o) => (&o.fields[..], &o.implements[..]),
                    TypeKind::Interface(i) => (&i.fields[..], &i.implements[..]),
                    _ => (&[][..], &[][..]),
                };
                for interface in implements {
                    facts.insert(format!("implements {name} {}", interface.node));
                }
                for field in fields {
                    let field = &field.node;
                    let at = format!("{name}.{}", field.name.node);
                    facts.insert(format!("field {at}: {}", field.ty.node));
                    describe(&mut facts, &at, &text(&field.description));
                    deprecated(&mut facts, &at, &field.directives);
                    for arg in &field.arguments {
                        input(&mut facts, &at, &arg.node);
                    }
                }
                match &ty.kind {
                    TypeKind::Union(u) => {
                        for member in &u.members {
                            facts.insert(format!("member {name} {}", member.node));
                        }
                    }
                    TypeKind::Enum(e) => {
                        for value in &e.values {
                            let at = format!("{name}.{}", value.node.value.node);
                            facts.insert(format!("value {at}"));
                            describe(&mut facts, &at, &text(&value.node.description));
                            deprecated(&mut facts, &at, &value.node.directives);
                        }
                    }
                    TypeKind::InputObject(i) => {
                        for field in &i.fields {
                            input(&mut facts, &name, &field.node);
                        }
                    }
                    _ => {}
                }
            }
            TypeSystemDefinition::Directive(directive) => {
                let directive = directive.node;
                if SPECIFIED_DIRECTIVES.contains(&directive.name.node.as_str()) {
                    continue;
                }
                let at = format!("@{}", directive.name.node);
                let locations: Vec<_> = directive
                    .locations
                    .iter()
                    .map(|l| screaming(&format!("{:?}", l.node)))
                    .collect();
                facts.insert(format!("directive {at} on {}", locations.join(" | ")));
                describe(&mut facts, &at, &text(&directive.description));
                for arg in &directive.arguments {
                    input(&mut facts, &at, &arg.node);
                }
            }
        }
    }
    facts
}

/// `FragmentSpread` as introspection spells it: `FRAGMENT_SPREAD`.
fn screaming(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}
