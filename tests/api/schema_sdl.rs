//! The committed `schema.graphql` is exactly what the code serves.

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql is committed");
    let served = caregraph::graphql::sdl();
    assert!(
        committed == served,
        "schema.graphql is out of date: regenerate it with `cargo run -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn every_type_field_argument_and_value_has_a_description() {
    const INTROSPECT: &str = "{ __schema { types { name kind description
        fields { name description args { name description } }
        inputFields { name description } enumValues { name description } } } }";
    let resp = caregraph::graphql::build_schema().execute(INTROSPECT).await;
    assert!(resp.errors.is_empty(), "{:?}", resp.errors);
    let schema = resp.data.into_json().expect("json");
    let mut undocumented = Vec::new();
    let blank = |v: &serde_json::Value| v.as_str().is_none_or(|d| d.trim().is_empty());
    for ty in schema["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().expect("name");
        if name.starts_with("__") || ty["kind"] == "SCALAR" {
            continue;
        }
        if blank(&ty["description"]) {
            undocumented.push(name.to_owned());
        }
        for list in ["fields", "inputFields", "enumValues"] {
            for item in ty[list].as_array().into_iter().flatten() {
                let item_name = format!("{name}.{}", item["name"].as_str().expect("name"));
                if blank(&item["description"]) {
                    undocumented.push(item_name.clone());
                }
                for arg in item["args"].as_array().into_iter().flatten() {
                    if blank(&arg["description"]) {
                        undocumented.push(format!(
                            "{item_name}({})",
                            arg["name"].as_str().expect("name")
                        ));
                    }
                }
            }
        }
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:#?}");
}
