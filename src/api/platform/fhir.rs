//! Lenient FHIR R4 models shared by the platform's APIs (bundles, data types, the
//! `OperationOutcome` of an error body): unknown fields are ignored, strings are accepted
//! where booleans are expected, and nothing optional is required. Each API keeps its own
//! resources (CP-IS's in `api::cpis::fhir`).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Bundle {
    pub resource_type: String,
    #[serde(rename = "type")]
    pub bundle_type: Option<String>,
    #[serde(deserialize_with = "lenient_u64")]
    pub total: Option<u64>,
    pub link: Vec<Link>,
    pub entry: Vec<Entry>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Link {
    pub relation: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Entry {
    pub full_url: Option<String>,
    pub resource: Option<Value>,
    pub search: Option<EntrySearch>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EntrySearch {
    pub mode: Option<String>,
}

impl Bundle {
    /// The `next` page link, if the server ever pages.
    pub fn next_link(&self) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation.as_deref() == Some("next"))
            .and_then(|l| l.url.as_deref())
    }

    /// Entries whose resource has the given `resourceType`, with their search mode.
    pub fn resources<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = (&'a Entry, &'a Value)> + 'a {
        self.entry.iter().filter_map(move |e| {
            let r = e.resource.as_ref()?;
            (r.get("resourceType")?.as_str()? == resource_type).then_some((e, r))
        })
    }
}

impl Entry {
    /// `match` entries are the search results; `include` ones are referenced resources.
    /// A missing mode counts as a match.
    pub fn is_match(&self) -> bool {
        self.search
            .as_ref()
            .and_then(|s| s.mode.as_deref())
            .is_none_or(|m| m == "match")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Coding {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CodeableConcept {
    pub coding: Vec<Coding>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Identifier {
    pub system: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Reference {
    pub reference: Option<String>,
    #[serde(rename = "type")]
    pub ref_type: Option<String>,
    pub identifier: Option<Identifier>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Period {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactPoint {
    pub system: Option<String>,
    pub value: Option<String>,
    #[serde(rename = "use")]
    pub use_: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OperationOutcome {
    pub issue: Vec<Issue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Issue {
    pub severity: Option<String>,
    pub code: Option<String>,
    pub details: Option<CodeableConcept>,
    pub diagnostics: Option<String>,
}

pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Parse a resource leniently; a resource that does not fit at all becomes the default
/// (every field empty) rather than failing the whole response.
pub fn parse_resource<T: for<'de> Deserialize<'de> + Default>(v: &Value) -> T {
    serde_json::from_value(v.clone()).unwrap_or_default()
}
