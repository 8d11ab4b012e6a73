/*
 * The article's questions, exactly as docs/queries.md shows them ("The article's questions,
 * as a frontend asks them"), one GraphiQL tab each (init.js opens them as defaultTabs).
 *
 * docs/queries.md is the source: tests/api/graphiql_examples.rs fails when a query here
 * differs from its block there (whitespace aside) or a question is missing here. Copy a
 * changed block over, one JSON string per line.
 *
 * Everything after "window.caregraphExamples =" up to the final ";" is plain JSON (a list of
 * queries, each a list of lines) so that the Rust test can read it without a JS engine.
 */
window.caregraphExamples = [
  [
    "# What are the symptoms of back pain after an epidural?",
    "query EpiduralBackPainSymptoms {",
    "  condition(slug: \"epidural-related-back-pain\") {",
    "    name",
    "    symptomLinks {",
    "      symptom { name }",
    "      timing",
    "      citations { quote }",
    "    }",
    "  }",
    "}"
  ],
  [
    "# How long will back pain last after giving birth?",
    "query HowLongDoesItLast {",
    "  postpartum: condition(slug: \"postpartum-low-back-pain\") {",
    "    name",
    "    causeLinks { cause { name } timing }",
    "  }",
    "  afterEpidural: condition(slug: \"epidural-related-back-pain\") {",
    "    name",
    "    symptomLinks { symptom { name } timing }",
    "  }",
    "}"
  ],
  [
    "# How do I get rid of back pain after giving birth?",
    "query HowToGetRidOfIt {",
    "  condition(slug: \"postpartum-low-back-pain\") {",
    "    treatmentLinks {",
    "      treatment { name treatmentType }",
    "      place",
    "      howTo",
    "    }",
    "  }",
    "}"
  ],
  [
    "# What are the risks of an epidural?",
    "query EpiduralRisks {",
    "  treatment(slug: \"epidural-anesthesia\") {",
    "    name",
    "    conditions { name }",
    "    riskLinks {",
    "      risk { name leadsTo { name } }",
    "      citations { quote }",
    "    }",
    "  }",
    "}"
  ],
  [
    "# When should I seek help?",
    "query WhenToSeekHelp {",
    "  condition(slug: \"postpartum-low-back-pain\") {",
    "    treatmentLinks {",
    "      treatment { name }",
    "      circumstance",
    "    }",
    "  }",
    "}"
  ],
  [
    "# Does the epidural cause back pain after giving birth?",
    "query DoesTheEpiduralCauseIt {",
    "  condition(slug: \"postpartum-low-back-pain\") {",
    "    causes { name }",
    "    notCausedBy {",
    "      cause { name }",
    "      negated",
    "      note",
    "      citations { quote }",
    "    }",
    "  }",
    "}"
  ]
];
