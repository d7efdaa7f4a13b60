//! Scheduled or unscheduled care: a clinical and legal choice, never a silent default.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CareSetting {
    /// Silent read: nothing recorded, no notification (`IsUnscheduledAccessEvent: false`).
    Scheduled,
    /// Recorded in the access history; the local authority is notified (`true`).
    Unscheduled,
}

impl CareSetting {
    pub fn as_str(self) -> &'static str {
        match self {
            CareSetting::Scheduled => "scheduled",
            CareSetting::Unscheduled => "unscheduled",
        }
    }

    /// The `IsUnscheduledAccessEvent` header value.
    pub fn header_value(self) -> &'static str {
        match self {
            CareSetting::Scheduled => "false",
            CareSetting::Unscheduled => "true",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scheduled" => Some(CareSetting::Scheduled),
            "unscheduled" => Some(CareSetting::Unscheduled),
            _ => None,
        }
    }

    /// One sentence for each choice, used wherever the tool asks for it.
    pub const EXPLANATION: &'static str = "  --scheduled    scheduled care (a planned appointment): a silent read; nothing is recorded and no one is notified\n  \
         --unscheduled  unscheduled care (e.g. an emergency attendance): the access is recorded in the record's access history and the responsible local authority is notified";
}

impl std::fmt::Display for CareSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
