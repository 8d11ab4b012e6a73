//! The vocabulary names, summaries and quotes are made of: medical words, so search has
//! something to find.

use entity::sea_orm_active_enums::TreatmentType;

/// Body sites: the clinical adjective and the words patients use.
pub(super) const SITES: &[(&str, &str)] = &[
    ("lumbar", "lower back"),
    ("cervical", "neck"),
    ("thoracic", "upper back"),
    ("sacral", "tailbone"),
    ("pelvic", "pelvis"),
    ("abdominal", "belly"),
    ("cardiac", "heart"),
    ("renal", "kidneys"),
    ("hepatic", "liver"),
    ("pulmonary", "lungs"),
    ("gastric", "stomach"),
    ("dermal", "skin"),
    ("ocular", "eyes"),
    ("cranial", "head"),
    ("femoral", "thigh"),
    ("plantar", "sole of the foot"),
    ("patellar", "kneecap"),
    ("brachial", "upper arm"),
    ("carpal", "wrist"),
    ("spinal", "spine"),
    ("vertebral", "backbone"),
    ("muscular", "muscles"),
    ("articular", "joints"),
    ("neural", "nerves"),
    ("vascular", "blood vessels"),
    ("lymphatic", "lymph nodes"),
    ("thyroid", "thyroid gland"),
    ("uterine", "womb"),
    ("sciatic", "sciatic nerve"),
    ("costal", "ribs"),
];

/// Condition heads: the clinical term and a plain-language reading.
pub(super) const CONDITION_HEADS: &[(&str, &str)] = &[
    ("stenosis", "narrowing"),
    ("neuropathy", "nerve damage"),
    ("arthritis", "joint inflammation"),
    ("myalgia", "muscle pain"),
    ("strain", "overstretched tissue"),
    ("inflammation", "swelling and irritation"),
    ("insufficiency", "weakened function"),
    ("fibrosis", "scarring"),
    ("herniation", "bulging tissue"),
    ("spasm", "sudden tightening"),
    ("degeneration", "wear and tear"),
    ("syndrome", "group of symptoms"),
    ("dysfunction", "poor function"),
    ("infection", "infection"),
    ("tendinopathy", "tendon damage"),
    ("neuralgia", "nerve pain"),
    ("instability", "loose joints"),
    ("compression", "pressure on tissue"),
    ("edema", "fluid build-up"),
    ("sprain", "torn ligament"),
];

pub(super) const CONDITION_QUALIFIERS: &[&str] = &[
    "chronic",
    "acute",
    "postpartum",
    "recurrent",
    "idiopathic",
    "degenerative",
    "inflammatory",
    "traumatic",
    "congenital",
    "mild",
    "severe",
    "postoperative",
    "age-related",
    "exercise-induced",
    "nocturnal",
];

pub(super) const POPULATIONS: &[&str] = &[
    "",
    " in pregnancy",
    " in older adults",
    " in athletes",
    " after childbirth",
    " in children",
    " in office workers",
    " after surgery",
    " after an injection",
    " in manual workers",
];

pub(super) const COURSES: &[&str] = &[
    "usually settles within a few weeks",
    "may last for months without treatment",
    "often returns after heavy lifting",
    "tends to worsen with age",
    "can follow childbirth or surgery",
    "is often mistaken for a simple strain",
    "improves with rest and gentle movement",
    "should be gone within six months with proper care",
    "flares up in cold weather",
    "needs a doctor's assessment when it persists",
];

pub(super) const INTENSITIES: &[&str] = &[
    "sharp",
    "dull",
    "burning",
    "throbbing",
    "mild",
    "severe",
    "constant",
    "intermittent",
    "sudden",
    "radiating",
    "aching",
    "shooting",
];

pub(super) const SYMPTOM_WORDS: &[&str] = &[
    "pain",
    "stiffness",
    "numbness",
    "tingling",
    "swelling",
    "weakness",
    "tenderness",
    "cramping",
    "itching",
    "soreness",
    "burning sensation",
    "pressure",
    "heaviness",
    "twitching",
    "redness",
];

pub(super) const SYMPTOM_CONTEXTS: &[&str] = &[
    "",
    " at night",
    " after exercise",
    " when sitting",
    " on waking",
    " when lifting",
    " after meals",
    " during pregnancy",
    " when walking",
    " in cold weather",
];

pub(super) const CAUSE_HEADS: &[&str] = &[
    "Overuse of the",
    "Injury to the",
    "Pressure on the",
    "Inflammation of the",
    "Weakness of the",
    "Wear of the",
    "Infection of the",
    "Poor blood flow to the",
    "Strain on the",
    "Swelling around the",
    "Scar tissue in the",
    "Nerve irritation in the",
    "Hormonal changes affecting the",
    "Repetitive movement of the",
    "Prolonged sitting straining the",
    "A fall injuring the",
    "Heavy lifting straining the",
    "Poor posture loading the",
    "Dehydration of the",
    "Autoimmune attack on the",
];

pub(super) const RISK_HEADS: &[&str] = &[
    "Nerve damage in the",
    "Bleeding near the",
    "Infection of the",
    "Blood clot in the",
    "Allergic reaction affecting the",
    "Scarring of the",
    "Loss of strength in the",
    "Lasting pain in the",
    "Fracture of the",
    "Reduced mobility of the",
    "Obesity straining the",
    "Smoking damaging the",
    "Family history of disease of the",
    "Previous surgery on the",
    "Diabetes affecting the",
    "Inactivity weakening the",
];

pub(super) const TREATMENT_HEADS: &[(&str, TreatmentType)] = &[
    ("Physical therapy for the", TreatmentType::Therapy),
    ("Massage of the", TreatmentType::Therapy),
    ("Cold therapy for the", TreatmentType::SelfCare),
    ("Heat therapy for the", TreatmentType::SelfCare),
    ("Rest and gentle stretching of the", TreatmentType::SelfCare),
    (
        "Anti-inflammatory medication for the",
        TreatmentType::Medication,
    ),
    ("Muscle relaxant for the", TreatmentType::Medication),
    ("Steroid injection into the", TreatmentType::Procedure),
    ("Nerve block of the", TreatmentType::Procedure),
    ("Imaging of the", TreatmentType::Diagnostic),
    ("Nerve conduction study of the", TreatmentType::Diagnostic),
    ("Decompression surgery of the", TreatmentType::Surgery),
    ("Fusion surgery of the", TreatmentType::Surgery),
    ("Acupuncture for the", TreatmentType::Therapy),
    ("Topical analgesic cream for the", TreatmentType::Medication),
    ("Posture training for the", TreatmentType::Therapy),
    ("Compression bandage for the", TreatmentType::SelfCare),
    ("Ultrasound therapy for the", TreatmentType::Therapy),
    ("Blood test for the", TreatmentType::Diagnostic),
    ("Laser therapy for the", TreatmentType::Procedure),
];

pub(super) const TREATMENT_REGIMENS: &[&str] = &[
    "",
    " twice daily",
    " for six weeks",
    " at home",
    " under supervision",
    " in a clinic",
    " at bedtime",
    " with exercise",
    " in short sessions",
    " after meals",
];

pub(super) const TIMINGS: &[&str] = &[
    "starts within a few days",
    "should be gone within a few days",
    "may last up to six months",
    "worse in the morning",
    "comes and goes over weeks",
    "appears after long periods of sitting",
    "eases within two weeks with rest",
    "can persist for years without care",
];

pub(super) const HOW_TOS: &[&str] = &[
    "apply for 15 to 20 minutes at a time, several times a day",
    "start gently and increase slowly over several weeks",
    "take with food and do not exceed the stated dose",
    "repeat the exercises every morning and evening",
    "use a cloth between the skin and the pack",
    "book sessions with a licensed therapist",
];

pub(super) const CIRCUMSTANCES: &[&str] = &[
    "if the pain persists beyond two weeks",
    "when self-care has not helped",
    "only in extreme cases",
    "after a doctor has ruled out a fracture",
    "during pregnancy only with a doctor's approval",
    "when the symptoms disturb sleep",
];

pub(super) const NOTES: &[&str] = &[
    "the source hedges: \"not necessarily\"",
    "the source says this is common but not universal",
    "reported in small studies only",
    "the wording of the source is ambiguous here",
];
