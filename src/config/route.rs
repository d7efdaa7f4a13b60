//! Which way a lookup reaches CP-IS: the CP-IS FHIR API, the Patient Flags API (scheduled
//! care only), or the HL7 V3 query through the MHS adaptor (unscheduled care only). Every
//! output names the route that answered.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// The CP-IS FHIR API: CareTeam and AuditEvent searches (plans and access history).
    Fhir,
    /// The Patient Flags API: the CP-IS flag with its plan and care team, scheduled care only,
    /// no access history.
    Flags,
    /// The HL7 V3 query over Spine through the organisation's MHS adaptor: unscheduled care
    /// only (every query notifies the local authority); plans and access history.
    V3,
}

impl Route {
    pub const ALL: [Route; 3] = [Route::Fhir, Route::Flags, Route::V3];

    pub fn as_str(self) -> &'static str {
        match self {
            Route::Fhir => "fhir",
            Route::Flags => "flags",
            Route::V3 => "v3",
        }
    }

    /// What the route is, for the table header and help.
    pub fn describe(self) -> &'static str {
        match self {
            Route::Fhir => "the CP-IS FHIR API: plans and access history",
            Route::Flags => "the Patient Flags API: scheduled care only; plans, no access history",
            Route::V3 => "the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fhir" => Some(Route::Fhir),
            "flags" => Some(Route::Flags),
            "v3" => Some(Route::V3),
            _ => None,
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Patient Flags API's resource path when none is configured (`flags_path`).
pub const FLAGS_DEFAULT_PATH: &str = "Flag";
