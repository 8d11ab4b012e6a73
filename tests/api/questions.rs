//! The article's questions, asked as a frontend would (`docs/queries.md` shows the same queries,
//! and the README the first).

use serde_json::{Value, json};

use crate::helpers::spawn_app;

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|x| x["name"].as_str().expect("name").to_owned())
        .collect()
}

fn find<'a>(links: &'a Value, target: &str, slug: &str) -> &'a Value {
    links
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l[target]["slug"] == slug)
        .unwrap_or_else(|| panic!("no link to {slug} in {links}"))
}

#[tokio::test]
async fn what_are_the_symptoms_of_back_pain_after_an_epidural() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ condition(slug: "epidural-related-back-pain") {
                symptomLinks { symptom { slug name } timing citations { quote } } } }"#,
            json!({}),
        )
        .await;
    let links = &data["condition"]["symptomLinks"];
    let numb = find(
        links,
        "symptom",
        "numbness-or-tingling-around-injection-area",
    );
    assert!(
        numb["citations"][0]["quote"]
            .as_str()
            .expect("quote")
            .contains("numbness or tingling around the injection area")
    );
    let sore = links
        .as_array()
        .expect("links")
        .iter()
        .find(|l| {
            l["symptom"]["name"]
                .as_str()
                .is_some_and(|n| n.contains("oreness"))
        })
        .expect("soreness");
    assert!(
        sore["timing"]
            .as_str()
            .expect("timing")
            .contains("within a few days"),
        "{sore}"
    );
}

#[tokio::test]
async fn how_long_will_back_pain_last_after_giving_birth() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") { summary citations { quote } } }"#,
            json!({}),
        )
        .await;
    let c = &data["condition"];
    assert!(
        c["summary"]
            .as_str()
            .expect("summary")
            .contains("six months")
    );
    assert!(
        c["citations"]
            .as_array()
            .expect("citations")
            .iter()
            .any(|q| {
                q["quote"].as_str().is_some_and(|q| {
                    q.contains("within six months of giving birth with proper health care")
                })
            })
    );
}

#[tokio::test]
async fn how_do_i_get_rid_of_it() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") {
                treatmentLinks { treatment { slug name treatmentType } place howTo circumstance citations { quote } } } }"#,
            json!({}),
        )
        .await;
    let links = &data["condition"]["treatmentLinks"];
    let pt = find(links, "treatment", "physical-therapy");
    assert_eq!(pt["place"], "LAST_RESORT");
    let surgery = find(links, "treatment", "surgery");
    assert_eq!(surgery["place"], "EXTREME_CASES");
    let cold_hot = find(links, "treatment", "cold-and-hot-therapy");
    let how = cold_hot["howTo"].as_str().expect("how-to").to_lowercase();
    let (cold, hot) = (
        how.find("cold").expect("cold"),
        how.find("hot").expect("hot"),
    );
    assert!(cold < hot, "cold first: {how}");
    for slug in ["massage", "rest-and-self-care", "exercise"] {
        find(links, "treatment", slug);
    }
}

#[tokio::test]
async fn what_are_the_risks_of_an_epidural() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ treatment(slug: "epidural-anesthesia") {
                conditions { slug }
                riskLinks { risk { slug name leadsTo { slug } } citations { quote } } } }"#,
            json!({}),
        )
        .await;
    let t = &data["treatment"];
    assert!(
        t["conditions"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["slug"] == "labour-pain")
    );
    let risks = t["riskLinks"].as_array().expect("risks");
    assert_eq!(risks.len(), 3, "{risks:#?}");
    let leads = |slug: &str| -> Vec<String> {
        let r = risks
            .iter()
            .find(|r| r["risk"]["slug"] == slug)
            .unwrap_or_else(|| panic!("risk {slug}"));
        r["risk"]["leadsTo"]
            .as_array()
            .expect("list")
            .iter()
            .map(|c| c["slug"].as_str().expect("slug").to_owned())
            .collect()
    };
    assert!(
        leads("needle-touches-nerve-root").contains(&"loss-of-feeling-in-lower-body".to_owned())
    );
    assert!(leads("bleeding").contains(&"nerve-damage".to_owned()));
    assert!(leads("wrong-medicine-or-dosage").contains(&"nerve-damage".to_owned()));
}

#[tokio::test]
async fn when_should_i_seek_help() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") {
                treatmentLinks { treatment { name } circumstance citations { quote } } } }"#,
            json!({}),
        )
        .await;
    let links = data["condition"]["treatmentLinks"]
        .as_array()
        .expect("links")
        .clone();
    let quotes: Vec<String> = links
        .iter()
        .flat_map(|l| {
            l["citations"]
                .as_array()
                .expect("citations")
                .iter()
                .map(|c| c["quote"].as_str().expect("quote").to_owned())
        })
        .collect();
    for needle in [
        "severe back pain for an extended period",
        "persists even after taking muscle relaxants",
    ] {
        assert!(
            quotes.iter().any(|q| q.contains(needle)),
            "no advice citing {needle:?}"
        );
    }
    let with_circumstance = links
        .iter()
        .filter(|l| l["circumstance"].is_string())
        .count();
    assert!(with_circumstance >= 2, "advice says when: {links:#?}");
}

#[tokio::test]
async fn the_epidural_is_never_shown_as_the_cause_of_postpartum_back_pain() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") {
                causes { slug name }
                notCausedBy { cause { slug } negated note citations { quote } } }
                cause(slug: "epidural") { conditions { slug } notCauseOf { condition { slug } negated } } }"#,
            json!({}),
        )
        .await;
    let c = &data["condition"];
    assert!(
        !c["causes"]
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["slug"] == "epidural"),
        "{c}"
    );
    assert!(
        names(&c["causes"])
            .iter()
            .any(|n| n.to_lowercase().contains("muscles")),
        "{c}"
    );
    let denied = &c["notCausedBy"][0];
    assert_eq!(denied["cause"]["slug"], "epidural");
    assert_eq!(denied["negated"], true);
    assert!(
        denied["citations"]
            .as_array()
            .expect("citations")
            .iter()
            .any(|q| {
                q["quote"].as_str().is_some_and(|q| {
                    q.contains("epidural is not the cause of low back pain after giving birth")
                })
            })
    );
    let cause = &data["cause"];
    assert!(
        !cause["conditions"]
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["slug"] == "postpartum-low-back-pain")
    );
    // Denied for postpartum low back pain, and (hedged) for low back pain in general.
    let denied_for: Vec<&str> = cause["notCauseOf"]
        .as_array()
        .expect("list")
        .iter()
        .map(|l| l["condition"]["slug"].as_str().expect("slug"))
        .collect();
    assert!(
        denied_for.contains(&"postpartum-low-back-pain"),
        "{denied_for:?}"
    );
    assert!(denied_for.contains(&"back-pain"), "{denied_for:?}");
}

/// The condition page a frontend renders (the benchmark's condition page, `docs/performance.md`).
pub const CONDITION_PAGE: &str = r#"query ConditionPage($slug: String!) {
  condition(slug: $slug) {
    name summary codings { system code match }
    citations { quote source { title } }
    symptomLinks { symptom { name } timing citations { quote } }
    causeLinks { cause { name } note citations { quote } }
    notCausedBy { cause { name } negated note citations { quote } }
    treatmentLinks { treatment { name treatmentType risks { name } } place circumstance howTo note citations { quote } }
    riskFactorLinks { risk { name } note citations { quote } }
  }
}"#;

#[tokio::test]
async fn the_condition_page_has_every_section() {
    let app = spawn_app().await;
    let data = app
        .data(
            CONDITION_PAGE,
            json!({ "slug": "postpartum-low-back-pain" }),
        )
        .await;
    let c = &data["condition"];
    for section in [
        "symptomLinks",
        "causeLinks",
        "notCausedBy",
        "treatmentLinks",
    ] {
        assert!(
            !c[section].as_array().expect("list").is_empty(),
            "empty {section}: {c}"
        );
    }
}
