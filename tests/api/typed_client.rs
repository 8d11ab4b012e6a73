//! A real typed client: `graphql_client` generates Rust types at build time from the
//! published `schema.graphql` and the documents in `tests/queries/`, and every query runs
//! against the server. If the SDL stopped being readable by client code generation, or the
//! server stopped answering what it publishes, this file would not build or its tests would
//! fail.

use graphql_client::{GraphQLQuery, Response};
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};

/// The schema's `DateTime` scalar (RFC 3339 text), as `graphql_client` requires it mapped.
type DateTime = String;
/// The schema's `JSON` scalar (audit snapshots). The generated code refers to it as
/// `super::JSON`, so it keeps the schema's spelling.
#[allow(clippy::upper_case_acronyms)]
type JSON = serde_json::Value;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/queries/condition_page.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug"
)]
pub struct ConditionPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/queries/node_by_id.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug"
)]
pub struct NodeById;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/queries/treatments_page.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct TreatmentsPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/queries/conditions_ordered.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ConditionsOrdered;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/queries/sources.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug"
)]
pub struct Sources;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/queries/create_node.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug"
)]
pub struct CreateNode;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/queries/link_nodes.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug"
)]
pub struct LinkNodes;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/queries/submit_for_review.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug"
)]
pub struct SubmitForReview;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/queries/audit_log.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug"
)]
pub struct AuditLog;

const QUOTE: &str = "Self-care is essential because if you don’t take care of yourself and give yourself a break, back pain may intensify.";

const ARTICLE: &str = "Back Pain After An Epidural";

/// Posts `Q::build_query(variables)` (with a bearer token when given) and returns the typed
/// data, failing on any GraphQL error or on a body that does not fit the generated types.
async fn run<Q: GraphQLQuery>(
    app: &TestApp,
    token: Option<&str>,
    variables: Q::Variables,
) -> Q::ResponseData {
    let body = Q::build_query(variables);
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let resp = request.send().await.expect("request reaches the server");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{}: {text}", body.operation_name);
    let parsed: Response<Q::ResponseData> = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "{}: the answer does not fit the generated types ({e}): {text}",
            body.operation_name
        )
    });
    assert!(
        parsed.errors.as_ref().is_none_or(Vec::is_empty),
        "{}: unexpected errors: {:?}",
        body.operation_name,
        parsed.errors
    );
    parsed
        .data
        .unwrap_or_else(|| panic!("{}: no data: {text}", body.operation_name))
}

/// Asserts a decoded GraphQL enum value is one of the schema's named variants, not the
/// `Other(String)` catch-all `graphql_client` generates for values it does not know.
macro_rules! assert_known {
    ($value:expr, $enum:ident) => {{
        let value = &$value;
        assert!(
            !matches!(value, $enum::Other(_)),
            "{} decoded to Other: {value:?}",
            stringify!($enum)
        );
    }};
}

async fn condition_page(app: &TestApp, slug: &str) -> condition_page::ConditionPageCondition {
    run::<ConditionPage>(
        app,
        None,
        condition_page::Variables {
            slug: slug.to_owned(),
        },
    )
    .await
    .condition
    .unwrap_or_else(|| panic!("no condition {slug}"))
}

#[tokio::test]
async fn the_condition_page_decodes_into_generated_types() {
    use condition_page::{NodeKind, Predicate, Status, TreatmentPlace, TreatmentType};

    let app = spawn_app().await;

    // What are the symptoms of back pain after an epidural?
    let epidural = condition_page(&app, "epidural-related-back-pain").await;
    assert_eq!(epidural.name, "Epidural-related back pain");
    assert_eq!(epidural.kind, NodeKind::CONDITION);
    assert_eq!(epidural.status, Status::PUBLISHED);
    let mut symptoms: Vec<&str> = epidural
        .symptom_links
        .iter()
        .map(|l| l.symptom.name.as_str())
        .collect();
    symptoms.sort_unstable();
    assert_eq!(
        symptoms,
        [
            "Acute back pain",
            "Numbness or tingling around the injection area",
            "Soreness in the back a few days after an epidural",
        ]
    );
    for link in &epidural.symptom_links {
        assert_eq!(link.predicate, Predicate::HAS_SYMPTOM);
        assert!(!link.negated);
        assert!(!link.citations.is_empty(), "{link:?}");
        for citation in &link.citations {
            assert_eq!(citation.source.title, ARTICLE);
        }
    }
    let sore = epidural
        .symptom_links
        .iter()
        .find(|l| l.symptom.slug == "soreness-in-back-after-epidural")
        .expect("soreness");
    assert!(
        sore.timing
            .as_deref()
            .is_some_and(|t| t.contains("within a few days")),
        "{sore:?}"
    );

    // The page of postpartum low back pain: causes, the denied cause, treatments.
    let page = condition_page(&app, "postpartum-low-back-pain").await;
    assert_eq!(page.slug, "postpartum-low-back-pain");
    assert!(
        page.summary
            .as_deref()
            .is_some_and(|s| s.contains("six months"))
    );
    assert!(!page.updated_at.is_empty());
    assert!(
        page.citations
            .iter()
            .any(|c| c.quote.contains("within six months of giving birth"))
    );

    assert!(!page.cause_links.is_empty());
    for link in &page.cause_links {
        assert_eq!(link.predicate, Predicate::CAUSED_BY);
        assert!(!link.negated);
        assert_ne!(
            link.cause.slug, "epidural",
            "a denied cause is listed apart"
        );
    }
    let [denied] = page.not_caused_by.as_slice() else {
        panic!("one denied cause: {:?}", page.not_caused_by);
    };
    assert_eq!(denied.cause.slug, "epidural");
    assert!(denied.negated);
    assert!(denied.citations.iter().any(|c| {
        c.quote
            .contains("epidural is not the cause of low back pain after giving birth")
            && c.source.title == ARTICLE
    }));

    let treatment = |slug: &str| {
        page.treatment_links
            .iter()
            .find(|l| l.treatment.slug == slug)
            .unwrap_or_else(|| panic!("no treatment {slug}: {:?}", page.treatment_links))
    };
    let pt = treatment("physical-therapy");
    assert_eq!(pt.place, Some(TreatmentPlace::LAST_RESORT));
    assert_eq!(pt.treatment.treatment_type, Some(TreatmentType::THERAPY));
    assert_eq!(pt.predicate, Predicate::TREATED_BY);
    assert_eq!(pt.status, Status::PUBLISHED);
    assert_eq!(
        treatment("rest-and-self-care").place,
        Some(TreatmentPlace::FIRST_LINE)
    );
    assert_eq!(
        treatment("massage").place,
        Some(TreatmentPlace::WHEN_SEVERE)
    );
    let surgery = treatment("surgery");
    assert_eq!(surgery.place, Some(TreatmentPlace::EXTREME_CASES));
    assert_eq!(
        surgery.treatment.treatment_type,
        Some(TreatmentType::SURGERY)
    );
    let how = treatment("cold-and-hot-therapy")
        .how_to
        .as_deref()
        .expect("how-to")
        .to_lowercase();
    assert!(
        how.find("cold").expect("cold") < how.find("hot").expect("hot"),
        "cold first: {how}"
    );
    assert!(
        page.treatment_links
            .iter()
            .filter(|l| l.circumstance.is_some())
            .count()
            >= 2,
        "advice says when: {:?}",
        page.treatment_links
    );
    assert!(!page.risk_factor_links.is_empty());

    // Every enum the page decoded is a named variant, never the `Other` catch-all.
    for link in &page.treatment_links {
        assert_known!(link.predicate, Predicate);
        assert_known!(link.status, Status);
        if let Some(place) = &link.place {
            assert_known!(*place, TreatmentPlace);
        }
        let ty = link.treatment.treatment_type.as_ref().expect("a type");
        assert_known!(*ty, TreatmentType);
    }
    for link in &page.cause_links {
        assert_known!(link.predicate, Predicate);
    }
}

#[tokio::test]
async fn node_by_id_decodes_each_kind_into_its_variant() {
    use node_by_id::{NodeByIdNodeOn as On, NodeKind, Status, TreatmentType};

    let app = spawn_app().await;
    let page = condition_page(&app, "postpartum-low-back-pain").await;
    let fetch = |id: String| {
        let app = &app;
        async move {
            run::<NodeById>(app, None, node_by_id::Variables { id: id.clone() })
                .await
                .node
                .unwrap_or_else(|| panic!("no node {id}"))
        }
    };

    // A treatment comes back as the Treatment variant, with its treatment type.
    let pt = &page
        .treatment_links
        .iter()
        .find(|l| l.treatment.slug == "physical-therapy")
        .expect("physical therapy")
        .treatment;
    let node = fetch(pt.id.clone()).await;
    assert_eq!(node.id, pt.id);
    assert_eq!(node.slug, "physical-therapy");
    assert_eq!(node.name, "Physical therapy");
    assert_eq!(node.kind, NodeKind::TREATMENT);
    assert_eq!(node.status, Status::PUBLISHED);
    let On::Treatment(treatment) = &node.on else {
        panic!("not the Treatment variant: {node:?}");
    };
    assert_eq!(treatment.treatment_type, Some(TreatmentType::THERAPY));

    // The epidural anesthesia carries its risks.
    let epidural = run::<TreatmentsPage>(
        &app,
        None,
        treatments_page::Variables {
            first: Some(1),
            after: None,
            q: Some("epidural".to_owned()),
        },
    )
    .await;
    assert_eq!(epidural.treatments.total_count, 1);
    let found = &epidural.treatments.edges[0].node;
    assert_eq!(found.slug, "epidural-anesthesia");
    let node = fetch(found.id.clone()).await;
    let On::Treatment(treatment) = &node.on else {
        panic!("not the Treatment variant: {node:?}");
    };
    assert_eq!(treatment.treatment_type, Some(TreatmentType::PROCEDURE));
    let mut risks: Vec<&str> = treatment.risks.iter().map(|r| r.slug.as_str()).collect();
    risks.sort_unstable();
    assert_eq!(
        risks,
        [
            "bleeding",
            "needle-touches-nerve-root",
            "wrong-medicine-or-dosage"
        ]
    );

    // The condition itself, through the same interface.
    let node = fetch(page.id.clone()).await;
    assert_eq!(node.kind, NodeKind::CONDITION);
    let On::Condition(condition) = &node.on else {
        panic!("not the Condition variant: {node:?}");
    };
    // Back pain after giving birth is one case of low back pain: its codes are BROADER, so it
    // claims no code as its own.
    assert_eq!(node.codings.len(), 2, "{:?}", node.codings);
    for c in &node.codings {
        assert!(
            matches!(c.match_, node_by_id::CodingMatch::BROADER),
            "{:?}",
            node.codings
        );
    }
    assert!(!condition.symptoms.is_empty());

    // The denied cause: a Cause, which says which condition it does not cause.
    let node = fetch(page.not_caused_by[0].cause.id.clone()).await;
    assert_eq!(node.kind, NodeKind::CAUSE);
    let On::Cause(cause) = &node.on else {
        panic!("not the Cause variant: {node:?}");
    };
    // Postpartum low back pain, and (hedged) low back pain in general.
    let mut denied: Vec<&str> = cause
        .not_cause_of
        .iter()
        .map(|l| l.condition.slug.as_str())
        .collect();
    denied.sort_unstable();
    assert_eq!(denied, ["back-pain", "postpartum-low-back-pain"]);
    assert!(cause.not_cause_of.iter().all(|l| l.negated));

    // A risk factor: the Risk variant.
    let node = fetch(page.risk_factor_links[0].risk.id.clone()).await;
    assert_eq!(node.kind, NodeKind::RISK);
    assert!(matches!(node.on, On::Risk(_)), "{node:?}");

    // A symptom: the Symptom variant, which lists its conditions.
    let epidural = condition_page(&app, "epidural-related-back-pain").await;
    let numb = epidural
        .symptom_links
        .iter()
        .find(|l| l.symptom.slug == "numbness-or-tingling-around-injection-area")
        .expect("numbness");
    let node = fetch(numb.symptom.id.clone()).await;
    assert_eq!(node.kind, NodeKind::SYMPTOM);
    let On::Symptom(symptom) = &node.on else {
        panic!("not the Symptom variant: {node:?}");
    };
    assert!(
        symptom
            .conditions
            .iter()
            .any(|c| c.slug == "epidural-related-back-pain")
    );

    // An unknown id is `null`, which the generated type holds as `None`.
    let none = run::<NodeById>(
        &app,
        None,
        node_by_id::Variables {
            id: "01a217ee-0000-7000-8000-000000000000".to_owned(),
        },
    )
    .await;
    assert_eq!(none.node, None);
}

#[tokio::test]
async fn a_paginated_list_walks_with_typed_variables() {
    use treatments_page::TreatmentType;

    let app = spawn_app().await;
    let page = |first: i64, after: Option<String>, q: Option<&str>| {
        let app = &app;
        let q = q.map(str::to_owned);
        async move {
            run::<TreatmentsPage>(
                app,
                None,
                treatments_page::Variables {
                    first: Some(first),
                    after,
                    q,
                },
            )
            .await
            .treatments
        }
    };

    // Walk every treatment five at a time.
    let (mut names, mut after, mut pages) = (Vec::new(), None, 0);
    let total = loop {
        let p = page(5, after.clone(), None).await;
        pages += 1;
        assert_eq!(p.page_info.has_previous_page, after.is_some());
        assert_eq!(
            p.page_info.end_cursor.as_deref(),
            p.edges.last().map(|e| e.cursor.as_str())
        );
        assert_eq!(
            p.page_info.start_cursor.as_deref(),
            p.edges.first().map(|e| e.cursor.as_str())
        );
        for edge in &p.edges {
            let ty = edge.node.treatment_type.as_ref().expect("a type");
            assert_known!(*ty, TreatmentType);
            names.push(edge.node.name.clone());
        }
        if !p.page_info.has_next_page {
            break p.total_count;
        }
        after = p.page_info.end_cursor;
    };
    assert_eq!(total, 12, "the article's treatments: {names:?}");
    assert_eq!(names.len() as i64, total);
    assert_eq!(pages, 3);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "orderBy NAME ASC");

    // The name filter, through a variable, counts only what matches.
    let therapy = page(10, None, Some("THERAPY")).await;
    assert_eq!(therapy.total_count, 2);
    let found: Vec<(&str, Option<&TreatmentType>)> = therapy
        .edges
        .iter()
        .map(|e| (e.node.name.as_str(), e.node.treatment_type.as_ref()))
        .collect();
    assert_eq!(
        found,
        [
            ("Cold and hot therapy", Some(&TreatmentType::SELF_CARE)),
            ("Physical therapy", Some(&TreatmentType::THERAPY)),
        ]
    );
    assert!(!therapy.page_info.has_next_page);

    let none = page(5, None, Some("no such treatment")).await;
    assert_eq!(none.total_count, 0);
    assert!(none.edges.is_empty());
    assert_eq!(none.page_info.end_cursor, None);
}

#[tokio::test]
async fn enum_variables_order_a_list() {
    use conditions_ordered::{NodeOrderField, OrderDirection};

    let app = spawn_app().await;
    let list = |field: NodeOrderField, direction: OrderDirection| {
        let app = &app;
        async move {
            run::<ConditionsOrdered>(
                app,
                None,
                conditions_ordered::Variables { field, direction },
            )
            .await
            .conditions
        }
    };
    let asc = list(NodeOrderField::NAME, OrderDirection::ASC).await;
    let desc = list(NodeOrderField::NAME, OrderDirection::DESC).await;
    let by_slug = list(NodeOrderField::SLUG, OrderDirection::ASC).await;
    let by_creation = list(NodeOrderField::CREATED_AT, OrderDirection::ASC).await;

    let names: Vec<&str> = asc.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names.len() as i64, asc.total_count);
    assert!(names.len() >= 9, "{names:?}");
    assert!(names.is_sorted(), "{names:?}");
    let reversed: Vec<&str> = desc.nodes.iter().rev().map(|n| n.name.as_str()).collect();
    assert_eq!(reversed, names);
    let slugs: Vec<&str> = by_slug.nodes.iter().map(|n| n.slug.as_str()).collect();
    assert!(slugs.is_sorted(), "{slugs:?}");
    assert_eq!(by_creation.total_count, asc.total_count);
}

#[tokio::test]
async fn an_editor_creates_a_node_and_submits_it_through_typed_mutations() {
    use entity::sea_orm_active_enums::Role;

    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;

    // The source to cite, and the viewer's role as the generated enum.
    let sources = run::<Sources>(&app, Some(&editor), sources::Variables).await;
    assert_eq!(sources.viewer.name.as_deref(), Some("ed"));
    assert_eq!(sources.viewer.role, Some(sources::Role::EDITOR));
    let [source] = sources.sources.as_slice() else {
        panic!("one source: {:?}", sources.sources);
    };
    assert_eq!(source.title, ARTICLE);
    assert_eq!(source.slug, "back-pain-after-epidural");
    let anonymous = run::<Sources>(&app, None, sources::Variables).await;
    assert_eq!(anonymous.viewer.role, None);
    assert_eq!(anonymous.viewer.name, None);

    // createNode with a typed input object: enums, a list of input objects, defaults.
    let created = run::<CreateNode>(
        &app,
        Some(&editor),
        create_node::Variables {
            input: create_node::CreateNodeInput {
                kind: create_node::NodeKind::TREATMENT,
                slug: "warm-bath".to_owned(),
                name: "Warm bath".to_owned(),
                synonyms: vec!["Bath".to_owned()],
                summary: None,
                treatment_type: Some(create_node::TreatmentType::SELF_CARE),
                codings: vec![],
                citations: vec![create_node::CitationInput {
                    source_id: source.id.clone(),
                    quote: QUOTE.to_owned(),
                }],
            },
        },
    )
    .await
    .create_node;
    assert_eq!(created.kind, create_node::NodeKind::TREATMENT);
    assert_eq!(created.slug, "warm-bath");
    assert_eq!(created.name, "Warm bath");
    assert_eq!(created.synonyms, ["Bath"]);
    assert_eq!(created.status, create_node::Status::DRAFT);
    assert_eq!(created.version, 1);
    assert!(!created.created_at.is_empty());
    assert_eq!(created.citations.len(), 1);
    assert_eq!(created.citations[0].quote, QUOTE);
    assert_eq!(created.citations[0].source.title, ARTICLE);
    let create_node::CreateNodeCreateNodeOn::Treatment(treatment) = &created.on else {
        panic!("not the Treatment variant: {created:?}");
    };
    assert_eq!(
        treatment.treatment_type,
        Some(create_node::TreatmentType::SELF_CARE)
    );

    // link with a typed LinkInput: the predicate and the place as enum values.
    let page = condition_page(&app, "postpartum-low-back-pain").await;
    let link = run::<LinkNodes>(
        &app,
        Some(&editor),
        link_nodes::Variables {
            input: link_nodes::LinkInput {
                subject_id: page.id.clone(),
                predicate: link_nodes::Predicate::TREATED_BY,
                object_id: created.id.clone(),
                negated: false,
                place: Some(link_nodes::TreatmentPlace::FIRST_LINE),
                timing: None,
                circumstance: None,
                how_to: Some("a warm bath".to_owned()),
                note: None,
                citations: vec![link_nodes::CitationInput {
                    source_id: source.id.clone(),
                    quote: QUOTE.to_owned(),
                }],
            },
        },
    )
    .await
    .link;
    assert_eq!(link.predicate, link_nodes::Predicate::TREATED_BY);
    assert_eq!(link.place, Some(link_nodes::TreatmentPlace::FIRST_LINE));
    assert!(!link.negated);
    assert_eq!(link.how_to.as_deref(), Some("a warm bath"));
    assert_eq!(link.status, link_nodes::Status::DRAFT);
    assert_eq!(link.subject.slug, "postpartum-low-back-pain");
    assert!(
        matches!(
            link.subject.on,
            link_nodes::LinkNodesLinkSubjectOn::Condition
        ),
        "{link:?}"
    );
    assert_eq!(link.object.slug, "warm-bath");
    let link_nodes::LinkNodesLinkObjectOn::Treatment(object) = &link.object.on else {
        panic!("the object is not the Treatment variant: {link:?}");
    };
    assert_eq!(
        object.treatment_type,
        Some(link_nodes::TreatmentType::SELF_CARE)
    );

    // submitForReview answers the Content union: the node comes back as a Treatment …
    let submitted = run::<SubmitForReview>(
        &app,
        Some(&editor),
        submit_for_review::Variables {
            id: created.id.clone(),
            version: created.version,
        },
    )
    .await
    .submit_for_review;
    let submit_for_review::SubmitForReviewSubmitForReview::Treatment(node) = &submitted else {
        panic!("not the Treatment variant: {submitted:?}");
    };
    assert_eq!(node.id, created.id);
    assert_eq!(node.status, submit_for_review::Status::IN_REVIEW);
    assert_eq!(node.version, created.version + 1);
    assert_eq!(node.pending_status, None);

    // … and the link as a Link.
    let submitted = run::<SubmitForReview>(
        &app,
        Some(&editor),
        submit_for_review::Variables {
            id: link.id.clone(),
            version: link.version,
        },
    )
    .await
    .submit_for_review;
    let submit_for_review::SubmitForReviewSubmitForReview::Link(submitted_link) = &submitted else {
        panic!("not the Link variant: {submitted:?}");
    };
    assert_eq!(submitted_link.id, link.id);
    assert_eq!(submitted_link.status, submit_for_review::Status::IN_REVIEW);

    // The audit log, with its JSON snapshots and DateTime stamps, newest first.
    let log = run::<AuditLog>(
        &app,
        Some(&editor),
        audit_log::Variables {
            target_id: Some(created.id.clone()),
            first: Some(10),
        },
    )
    .await
    .audit_events;
    let actions: Vec<&str> = log.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["submit_for_review", "create_node"]);
    assert_eq!(log.next_cursor, None);
    let (submit, create) = (&log.events[0], &log.events[1]);
    for event in &log.events {
        assert_eq!(event.actor, "ed");
        assert_eq!(event.actor_role, audit_log::Role::EDITOR);
        assert_eq!(event.target_type, "node");
        assert_eq!(event.target_id, created.id);
        assert!(!event.at.is_empty());
    }
    assert_eq!(create.before, None);
    let after = create.after.as_ref().expect("the created row");
    assert_eq!(after["row"]["slug"], "warm-bath", "{after}");
    assert_eq!(after["citations"][0]["quote"], QUOTE, "{after}");
    let before = submit.before.as_ref().expect("the row before");
    let after = submit.after.as_ref().expect("the row after");
    assert_eq!(before["row"]["version"], 1, "{before}");
    assert_eq!(after["row"]["version"], 2, "{after}");
    assert_eq!(before["row"]["status"], "DRAFT", "{before}");
    assert_eq!(after["row"]["status"], "IN_REVIEW", "{after}");
}
