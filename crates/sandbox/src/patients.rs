//! The sandbox's synthetic patients: all in the never-issued `999` range (plus the official
//! example's own number), each showing one thing a client must handle.

use std::time::Duration;

use serde::Serialize;

/// The official example patient's NHS number as published. It fails Modulus 11.
pub const OFFICIAL_EXAMPLE_NUMBER: &str = "9912003890";

/// How long the "slow response" patient takes to answer.
pub const SLOW_RESPONSE: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Behaviour {
    /// Answers normally.
    Normal,
    /// Serves the official example CareTeam payload, unchanged but for the NHS number.
    OfficialExample,
    /// 401 on every request.
    Unauthorized,
    /// 403 ACCESS_DENIED (the official OperationOutcome) on every request.
    AccessDenied,
    /// 429 with `Retry-After: 1` the first time a request id is seen, then success.
    RateLimitedOnce,
    /// 503 with `Retry-After: 1` the first time a request id is seen, then success.
    UnavailableOnce,
    /// Answers normally after [`SLOW_RESPONSE`].
    Slow,
    /// 200 with a truncated JSON body.
    MalformedBody,
    /// 200 with an HTML page, as a web filter would send.
    HtmlProxyPage,
    /// Records an unscheduled search (access history and notification count), then answers
    /// 504 as a gateway that gave up waiting would: every time.
    GatewayTimeoutAfterRecording,
    /// Records an unscheduled search, then closes the connection without an answer.
    ResetAfterRecording,
    /// The CareTeam answer names another child's NHS number ([`OTHER_CHILD`]).
    OtherChildCareTeam,
    /// The AuditEvent answer's patient agent names another child's NHS number.
    OtherChildAuditEvent,
    /// The CareTeam answer names no patient at all (no `subject`).
    NoSubject,
}

/// The number the wrong-patient cases name instead of the one asked about.
pub const OTHER_CHILD: &str = "9990000026";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PlanKind {
    #[serde(rename = "child-protection-plan")]
    Cpp,
    #[serde(rename = "looked-after-child")]
    Lac,
    #[serde(rename = "unborn-child-protection-plan")]
    Ucpp,
}

impl PlanKind {
    pub fn code(self) -> (&'static str, &'static str) {
        use super::vocab::{PLAN_CPP as CODE_CPP, PLAN_LAC as CODE_LAC, PLAN_UCPP as CODE_UCPP};
        match self {
            PlanKind::Cpp => (CODE_CPP, "Subject to child protection plan"),
            PlanKind::Lac => (CODE_LAC, "Looked after child"),
            PlanKind::Ucpp => (CODE_UCPP, "Subject to unborn child protection plan"),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct LocalAuthority {
    pub name: &'static str,
    pub office_hours: &'static str,
    pub emergency_duty: &'static str,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PlanSpec {
    #[serde(rename = "type")]
    pub kind: PlanKind,
    pub start: &'static str,
    pub end: Option<&'static str>,
    pub local_authority: LocalAuthority,
}

/// Who made an access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Accessor {
    Person {
        name: String,
        role_code: String,
        role: String,
        organisation: String,
        role_profile_id: String,
    },
    System {
        asid: String,
        name: String,
        organisation: String,
    },
}

impl Accessor {
    /// A key for "one access per person per 24 hours".
    pub fn key(&self) -> &str {
        match self {
            Accessor::Person {
                role_profile_id, ..
            } => role_profile_id,
            Accessor::System { asid, .. } => asid,
        }
    }
}

fn person(name: &str, role_code: &str, role: &str, org: &str, rpid: &str) -> Accessor {
    Accessor::Person {
        name: name.into(),
        role_code: role_code.into(),
        role: role.into(),
        organisation: org.into(),
        role_profile_id: rpid.into(),
    }
}

/// The person the sandbox records for an unscheduled lookup it receives.
pub fn sandbox_caller() -> Accessor {
    person(
        "Dr Alex SANDBOX",
        "309343006",
        "Physician",
        "CPIS SANDBOX HOSPITAL NHS TRUST - EMERGENCY DEPARTMENT (X99ED)",
        "999000000001",
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct Patient {
    pub nhs_number: &'static str,
    pub name: &'static str,
    pub shows: &'static str,
    pub behaviour: Behaviour,
    pub plans: &'static [PlanSpec],
    /// Accesses on record when the sandbox starts, newest first: (recorded, accessor).
    #[serde(skip)]
    pub history: fn() -> Vec<(String, Accessor)>,
}

const ISLINGTON: LocalAuthority = LocalAuthority {
    name: "Islington Local Authority",
    office_hours: "0207527200",
    emergency_duty: "0734577777",
};
const CAMDEN: LocalAuthority = LocalAuthority {
    name: "London Borough of Camden (Sandbox)",
    office_hours: "02079740000",
    emergency_duty: "02079744000",
};
const LEEDS: LocalAuthority = LocalAuthority {
    name: "Leeds City Council (Sandbox)",
    office_hours: "01132224403",
    emergency_duty: "07700900123",
};
const KENT: LocalAuthority = LocalAuthority {
    name: "Kent County Council (Sandbox)",
    office_hours: "03000411111",
    emergency_duty: "03000419191",
};

fn no_history() -> Vec<(String, Accessor)> {
    Vec::new()
}

fn palmer() -> Vec<(String, Accessor)> {
    vec![(
        "2023-09-07T17:36:41+00:00".into(),
        person(
            "Mrs Paula PALMER",
            "158992006",
            "Midwifery sister ",
            "THE WHITTINGTON HOSPITAL NHS TRUST - COMM. PAED. MEDICAL TEAM (RKEAA)",
            "110694889738",
        ),
    )]
}

fn some_history() -> Vec<(String, Accessor)> {
    vec![
        (
            "2026-10-02T03:14:00+00:00".into(),
            person(
                "Dr Sam PATEL",
                "309343006",
                "Physician",
                "LEEDS TEACHING HOSPITALS NHS TRUST - A&E (RR8ED)",
                "999000000102",
            ),
        ),
        (
            "2026-06-19T22:05:00+00:00".into(),
            person(
                "Ms Jo BLOGGS",
                "224535009",
                "Registered nurse",
                "NHS 111 WEST YORKSHIRE (NWY01)",
                "999000000103",
            ),
        ),
    ]
}

fn system_history() -> Vec<(String, Accessor)> {
    vec![
        (
            "2026-09-30T02:00:00+00:00".into(),
            Accessor::System {
                asid: "200000000123".into(),
                name: "Urgent care triage system (Sandbox)".into(),
                organisation: "CPIS SANDBOX URGENT CARE (X99UC)".into(),
            },
        ),
        (
            "2026-09-12T11:20:00+00:00".into(),
            person(
                "Dr Sam PATEL",
                "309343006",
                "Physician",
                "LEEDS TEACHING HOSPITALS NHS TRUST - A&E (RR8ED)",
                "999000000102",
            ),
        ),
    ]
}

/// 30 accesses: more than the 25 the service returns.
fn long_history() -> Vec<(String, Accessor)> {
    (0..30)
        .map(|i| {
            (
                format!(
                    "2026-{:02}-{:02}T09:{:02}:00+00:00",
                    10 - i / 28,
                    28 - i % 28,
                    i
                ),
                person(
                    &format!("Dr Test CLINICIAN{:02}", i + 1),
                    "309343006",
                    "Physician",
                    "CPIS SANDBOX HOSPITAL NHS TRUST (X99XX)",
                    &format!("9990000002{:02}", i + 1),
                ),
            )
        })
        .collect()
}

macro_rules! plan {
    ($kind:ident, $start:expr, $end:expr, $la:expr) => {
        PlanSpec {
            kind: PlanKind::$kind,
            start: $start,
            end: $end,
            local_authority: $la,
        }
    };
}

/// Every synthetic patient, in NHS-number order.
pub static PATIENTS: &[Patient] = &[
    Patient {
        nhs_number: "9990000018",
        name: "Melanie JONES",
        shows: "child protection plan: the official example data (plan dates as published, so ended), one prior access",
        behaviour: Behaviour::OfficialExample,
        plans: &[plan!(Cpp, "2022-09-26", Some("2023-09-26"), ISLINGTON)],
        history: palmer,
    },
    Patient {
        nhs_number: "9990000026",
        name: "Oliver SMITH",
        shows: "active child protection plan, two prior accesses",
        behaviour: Behaviour::Normal,
        plans: &[plan!(Cpp, "2025-03-14", None, CAMDEN)],
        history: some_history,
    },
    Patient {
        nhs_number: "9990000034",
        name: "Amelia BROWN",
        shows: "looked-after child",
        behaviour: Behaviour::Normal,
        plans: &[plan!(Lac, "2024-11-02", None, LEEDS)],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000042",
        name: "Sophie TAYLOR (mother)",
        shows: "unborn child protection plan, on the mother's NHS number",
        behaviour: Behaviour::Normal,
        plans: &[plan!(Ucpp, "2026-08-01", None, KENT)],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000050",
        name: "Noah WILSON",
        shows: "several plans at once: active child protection plan and looked-after child, and an ended child protection plan",
        behaviour: Behaviour::Normal,
        plans: &[
            plan!(Cpp, "2025-01-20", None, CAMDEN),
            plan!(Lac, "2025-06-30", None, CAMDEN),
            plan!(Cpp, "2021-04-01", Some("2022-04-01"), LEEDS),
        ],
        history: some_history,
    },
    Patient {
        nhs_number: "9990000069",
        name: "Isla DAVIES",
        shows: "an ended plan only (no active plan)",
        behaviour: Behaviour::Normal,
        plans: &[plan!(Cpp, "2023-02-01", Some("2024-08-31"), LEEDS)],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000077",
        name: "Jack EVANS",
        shows: "no record: no plan on CP-IS (HTTP 200, empty searchset)",
        behaviour: Behaviour::Normal,
        plans: &[],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000085",
        name: "Ava THOMAS",
        shows: "more than 25 prior accesses (30 on record; the 25 newest are returned)",
        behaviour: Behaviour::Normal,
        plans: &[plan!(Cpp, "2024-05-05", None, KENT)],
        history: long_history,
    },
    Patient {
        nhs_number: "9990000093",
        name: "Leo ROBERTS",
        shows: "a prior access made by a system (Device with an ASID), and one by a person",
        behaviour: Behaviour::Normal,
        plans: &[plan!(Lac, "2023-07-07", None, KENT)],
        history: system_history,
    },
    Patient {
        nhs_number: "9990000107",
        name: "Fault: 401",
        shows: "fault: HTTP 401, not authenticated (exit 4)",
        behaviour: Behaviour::Unauthorized,
        plans: &[],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000115",
        name: "Fault: 403",
        shows: "fault: HTTP 403 ACCESS_DENIED (exit 5)",
        behaviour: Behaviour::AccessDenied,
        plans: &[],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000123",
        name: "Fault: 429 then success",
        shows: "fault: HTTP 429 with Retry-After: 1 on each new request id, then success on retry",
        behaviour: Behaviour::RateLimitedOnce,
        plans: &[plan!(Cpp, "2025-09-01", None, LEEDS)],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000131",
        name: "Fault: 503 then success",
        shows: "fault: HTTP 503 with Retry-After: 1 on each new request id, then success on retry",
        behaviour: Behaviour::UnavailableOnce,
        plans: &[plan!(Lac, "2025-02-02", None, CAMDEN)],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000158",
        name: "Fault: slow",
        shows: "fault: answers after 3 seconds (try --timeout 1: exit 6)",
        behaviour: Behaviour::Slow,
        plans: &[plan!(Cpp, "2025-10-10", None, KENT)],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000166",
        name: "Fault: malformed body",
        shows: "fault: HTTP 200 with a truncated JSON body (exit 7)",
        behaviour: Behaviour::MalformedBody,
        plans: &[],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000174",
        name: "Fault: HTML proxy page",
        shows: "fault: HTTP 200 with an HTML page from a web filter (exit 7)",
        behaviour: Behaviour::HtmlProxyPage,
        plans: &[],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000239",
        name: "Fault: 504 after recording",
        shows: "fault: records an unscheduled search, then answers HTTP 504 (unscheduled: exit 7, not resent; scheduled: retried, then exit 7)",
        behaviour: Behaviour::GatewayTimeoutAfterRecording,
        plans: &[plan!(Cpp, "2025-11-01", None, LEEDS)],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000247",
        name: "Fault: reset after recording",
        shows: "fault: records an unscheduled search, then closes the connection unanswered (unscheduled: exit 7, not resent)",
        behaviour: Behaviour::ResetAfterRecording,
        plans: &[plan!(Lac, "2025-06-01", None, CAMDEN)],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000255",
        name: "Fault: CareTeam about another child",
        shows: "fault: the plan answer names another NHS number (exit 7, nothing of it shown)",
        behaviour: Behaviour::OtherChildCareTeam,
        plans: &[plan!(Cpp, "2025-03-03", None, KENT)],
        history: no_history,
    },
    Patient {
        nhs_number: "9990000263",
        name: "Fault: AuditEvent about another child",
        shows: "fault: the access history names another NHS number (exit 7, nothing of it shown)",
        behaviour: Behaviour::OtherChildAuditEvent,
        plans: &[plan!(Cpp, "2025-03-03", None, KENT)],
        history: some_history,
    },
    Patient {
        nhs_number: "9990000271",
        name: "Fault: a plan naming no patient",
        shows: "fault: the plan names no patient (shown, with a warning)",
        behaviour: Behaviour::NoSubject,
        plans: &[plan!(Lac, "2024-04-04", None, LEEDS)],
        history: no_history,
    },
    Patient {
        nhs_number: OFFICIAL_EXAMPLE_NUMBER,
        name: "Melanie JONES",
        shows: "the official example under its published number, which fails Modulus 11 (needs --no-validate)",
        behaviour: Behaviour::OfficialExample,
        plans: &[plan!(Cpp, "2022-09-26", Some("2023-09-26"), ISLINGTON)],
        history: palmer,
    },
];

/// The first and last of the "no record" block: every Modulus-11-valid number from
/// 999 010 0000 to 999 999 9999 (900,000: one per nine-digit prefix, but where the
/// check digit would be 10) answers an empty searchset (no plan, nothing recorded), for batch
/// runs and benchmarks.
pub const NO_RECORD_FIRST: u64 = 9_990_100_000;
pub const NO_RECORD_LAST: u64 = 9_999_999_999;

/// True for a valid number of the "no record" block.
pub fn is_no_record(nhs_number: &str) -> bool {
    nhs_number.len() == 10
        && nhs_number
            .parse::<u64>()
            .is_ok_and(|n| (NO_RECORD_FIRST..=NO_RECORD_LAST).contains(&n))
        && cpis_core::nhs_number::NhsNumber::parse(nhs_number).is_ok()
}

pub fn find(nhs_number: &str) -> Option<&'static Patient> {
    PATIENTS.iter().find(|p| p.nhs_number == nhs_number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpis_core::nhs_number::NhsNumber;

    #[test]
    fn the_no_record_block_holds_valid_numbers_only_and_no_patient() {
        assert!(is_no_record("9990100009") == NhsNumber::parse("9990100009").is_ok());
        let valid = (NO_RECORD_FIRST..=NO_RECORD_FIRST + 99)
            .filter(|n| is_no_record(&n.to_string()))
            .count();
        // One check digit per nine-digit prefix, and none where Modulus 11 gives 10.
        assert!((8..=10).contains(&valid), "{valid}");
        assert!(!is_no_record("9990000077"));
        assert!(!is_no_record("9990099995"));
        // 900,000 numbers (the whole 999 range past the patients' block).
        assert!(is_no_record("9990999996"));
        assert!(is_no_record("9991299998"));
        assert!(PATIENTS.iter().all(|p| !is_no_record(p.nhs_number)));
    }

    #[test]
    fn synthetic_numbers_are_valid_and_in_the_999_range() {
        for p in PATIENTS {
            if p.nhs_number == OFFICIAL_EXAMPLE_NUMBER {
                assert!(NhsNumber::parse(p.nhs_number).is_err());
                continue;
            }
            let n = NhsNumber::parse(p.nhs_number).unwrap();
            assert!(n.is_synthetic(), "{}", p.nhs_number);
        }
        let mut numbers: Vec<_> = PATIENTS.iter().map(|p| p.nhs_number).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), PATIENTS.len());
    }

    #[test]
    fn long_history_is_newest_first_and_distinct() {
        let h = long_history();
        assert_eq!(h.len(), 30);
        assert!(
            h.windows(2).all(|w| w[0].0 > w[1].0),
            "{:?}",
            h.iter().map(|x| &x.0).collect::<Vec<_>>()
        );
    }
}
