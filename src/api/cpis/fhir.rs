//! Lenient FHIR R4 models for what CP-IS returns (its resources), on the platform's shared
//! bundles and data types (re-exported here at their old paths).

use serde::Deserialize;
use serde_json::Value;

use crate::api::platform::fhir::lenient_bool;
use crate::api::platform::fhir::CodeableConcept;
use crate::api::platform::fhir::ContactPoint;
use crate::api::platform::fhir::Identifier;
use crate::api::platform::fhir::Period;
use crate::api::platform::fhir::Reference;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CareTeam {
    pub id: Option<String>,
    pub status: Option<String>,
    pub category: Vec<CodeableConcept>,
    pub name: Option<String>,
    pub subject: Option<Reference>,
    pub telecom: Vec<ContactPoint>,
    pub period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AuditEvent {
    pub id: Option<String>,
    /// A `Coding` in R4; CP-IS sends `system` and `display` without `code`.
    #[serde(rename = "type")]
    pub event_type: Option<Value>,
    pub recorded: Option<String>,
    pub agent: Vec<AuditAgent>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AuditAgent {
    #[serde(rename = "type")]
    pub agent_type: Option<CodeableConcept>,
    pub who: Option<Reference>,
    pub name: Option<String>,
    /// FHIR says boolean; CP-IS sends `"true"`/`"false"`.
    #[serde(deserialize_with = "lenient_bool")]
    pub requestor: Option<bool>,
}

impl AuditAgent {
    pub fn has_type_code(&self, code: &str) -> bool {
        self.agent_type
            .iter()
            .flat_map(|t| &t.coding)
            .any(|c| c.code.as_deref() == Some(code))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PractitionerRole {
    pub id: Option<String>,
    pub identifier: Vec<Identifier>,
    pub practitioner: Option<Reference>,
    pub organization: Option<Reference>,
    pub code: Vec<CodeableConcept>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Device {
    pub id: Option<String>,
    pub identifier: Vec<Identifier>,
    pub device_name: Vec<DeviceName>,
    pub owner: Option<Reference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeviceName {
    pub name: Option<String>,
}
