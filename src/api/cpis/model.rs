//! What a lookup found, in the tool's own terms: plans and prior accesses. Built from the FHIR
//! bundles by [`plans_from`] and [`accesses_from`]; rendered by `render`.

use super::fhir::{AuditEvent, CareTeam, Device, PractitionerRole};
use crate::api::platform::fhir::{parse_resource, Bundle, Coding};

// What a lookup found, whichever route answered, lives in `api::record`; kept here at its
// old paths.
use crate::api::record::{
    clean, is_active, Access, AccessorKind, Plan, PlanType, SYSTEM_ASID, SYSTEM_ROLE_PROFILE,
};

pub fn plan_from(ct: &CareTeam, today: i64) -> Plan {
    let codings: Vec<&Coding> = ct.category.iter().flat_map(|c| &c.coding).collect();
    let known = codings.iter().find_map(|c| {
        c.code
            .as_deref()
            .and_then(PlanType::from_code)
            .map(|t| (t, *c))
    });
    let (plan_type, coding) = match known {
        Some((t, c)) => (t, Some(c)),
        None => (PlanType::Unknown, codings.first().copied()),
    };
    let phone = |use_: &str| {
        ct.telecom
            .iter()
            .filter(|t| t.system.as_deref().is_none_or(|s| s == "phone"))
            .find(|t| t.use_.as_deref() == Some(use_))
            .and_then(|t| clean(t.value.as_deref()))
    };
    let period = ct.period.clone().unwrap_or_default();
    let start = clean(period.start.as_deref());
    let end = clean(period.end.as_deref());
    Plan {
        plan_type,
        code: coding.and_then(|c| clean(c.code.as_deref())),
        display: coding
            .and_then(|c| clean(c.display.as_deref()))
            .or_else(|| ct.category.iter().find_map(|c| clean(c.text.as_deref()))),
        active: is_active(start.as_deref(), end.as_deref(), today),
        start,
        end,
        local_authority: clean(ct.name.as_deref()),
        office_hours_phone: phone("work"),
        emergency_duty_phone: phone("mobile"),
    }
}

/// The plans in CareTeam bundles (match entries only).
pub fn plans_from<'a>(bundles: impl IntoIterator<Item = &'a Bundle>, today: i64) -> Vec<Plan> {
    bundles
        .into_iter()
        .flat_map(|b| b.resources("CareTeam"))
        .filter(|(e, _)| e.is_match())
        .map(|(_, r)| plan_from(&parse_resource::<CareTeam>(r), today))
        .collect()
}

/// The accesses in AuditEvent bundles, resolving each accessor against the included
/// PractitionerRole (or Device) entries. Accessors of any other shape become
/// `system`/`unknown` instead of failing the lookup.
pub fn accesses_from<'a>(bundles: impl IntoIterator<Item = &'a Bundle> + Clone) -> Vec<Access> {
    let included = |kind: &str, reference: &str| -> Option<serde_json::Value> {
        let id = reference.rsplit('/').next()?;
        bundles.clone().into_iter().find_map(|b| {
            b.resources(kind)
                .find(|(e, r)| {
                    r.get("id").and_then(|v| v.as_str()) == Some(id)
                        || e.full_url
                            .as_deref()
                            .is_some_and(|u| u.ends_with(reference))
                })
                .map(|(_, r)| r.clone())
        })
    };
    let mut out = Vec::new();
    for b in bundles.clone() {
        for (_, r) in b.resources("AuditEvent").filter(|(e, _)| e.is_match()) {
            let ev: AuditEvent = parse_resource(r);
            out.push(access_from(&ev, &included));
        }
    }
    out
}

fn access_from(
    ev: &AuditEvent,
    included: &dyn Fn(&str, &str) -> Option<serde_json::Value>,
) -> Access {
    let recorded = clean(ev.recorded.as_deref());
    let unknown = |name: Option<String>| Access {
        recorded: recorded.clone(),
        accessor_kind: AccessorKind::Unknown,
        name,
        role: None,
        organisation: None,
        role_profile_id: None,
    };
    // The accessor: the ASSIGNED agent, else the requestor that is not the patient.
    let agent = ev
        .agent
        .iter()
        .find(|a| a.has_type_code("ASSIGNED"))
        .or_else(|| {
            ev.agent
                .iter()
                .find(|a| a.requestor == Some(true) && !a.has_type_code("PAT"))
        })
        .or_else(|| ev.agent.iter().find(|a| !a.has_type_code("PAT")));
    let Some(agent) = agent else {
        return unknown(None);
    };
    let who = agent.who.clone().unwrap_or_default();
    let reference = who.reference.as_deref().unwrap_or("");
    let display = clean(who.display.as_deref()).or_else(|| clean(agent.name.as_deref()));

    if reference.starts_with("PractitionerRole/") || reference.contains("/PractitionerRole/") {
        if let Some(v) = included("PractitionerRole", reference) {
            let pr: PractitionerRole = parse_resource(&v);
            return Access {
                recorded,
                accessor_kind: AccessorKind::Person,
                name: pr
                    .practitioner
                    .as_ref()
                    .and_then(|p| clean(p.display.as_deref()))
                    .or(display),
                role: pr
                    .code
                    .iter()
                    .flat_map(|c| &c.coding)
                    .find_map(|c| clean(c.display.as_deref()))
                    .or_else(|| pr.code.iter().find_map(|c| clean(c.text.as_deref()))),
                organisation: pr
                    .organization
                    .as_ref()
                    .and_then(|o| clean(o.display.as_deref())),
                role_profile_id: pr
                    .identifier
                    .iter()
                    .find(|i| i.system.as_deref() == Some(SYSTEM_ROLE_PROFILE))
                    .and_then(|i| clean(i.value.as_deref())),
            };
        }
        // A person whose role was not included: still a person.
        return Access {
            accessor_kind: AccessorKind::Person,
            ..unknown(display)
        };
    }

    let asid = who
        .identifier
        .as_ref()
        .filter(|i| i.system.as_deref() == Some(SYSTEM_ASID))
        .and_then(|i| clean(i.value.as_deref()));
    let is_device = reference.starts_with("Device/")
        || who.ref_type.as_deref() == Some("Device")
        || asid.is_some();
    if is_device {
        let device: Option<Device> = (!reference.is_empty())
            .then(|| included("Device", reference))
            .flatten()
            .map(|v| parse_resource(&v));
        let asid = asid.or_else(|| {
            device.as_ref().and_then(|d| {
                d.identifier
                    .iter()
                    .find(|i| i.system.as_deref() == Some(SYSTEM_ASID))
                    .and_then(|i| clean(i.value.as_deref()))
            })
        });
        let name = display
            .or_else(|| {
                device
                    .as_ref()
                    .and_then(|d| d.device_name.iter().find_map(|n| clean(n.name.as_deref())))
            })
            .or_else(|| asid.as_ref().map(|a| format!("system (ASID {a})")))
            .or_else(|| Some("system".into()));
        return Access {
            recorded,
            accessor_kind: AccessorKind::System,
            name,
            role: None,
            organisation: device
                .as_ref()
                .and_then(|d| d.owner.as_ref())
                .and_then(|o| clean(o.display.as_deref())),
            role_profile_id: None,
        };
    }
    unknown(display)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::record::SNOMED;

    #[test]
    fn unknown_plan_codes_are_kept_as_unknown() {
        let ct: CareTeam = serde_json::from_value(serde_json::json!({
            "resourceType": "CareTeam",
            "category": [{"coding": [{"system": SNOMED, "code": "123", "display": "Something new"}]}],
            "name": "Somewhere LA"
        }))
        .unwrap();
        let p = plan_from(&ct, 0);
        assert_eq!(p.plan_type, PlanType::Unknown);
        assert_eq!(p.code.as_deref(), Some("123"));
        assert!(p.active);
    }

    #[test]
    fn device_and_odd_accessors_do_not_fail() {
        let b: Bundle = serde_json::from_value(serde_json::json!({
            "resourceType": "Bundle",
            "entry": [
                {"resource": {"resourceType": "AuditEvent", "recorded": "2024-01-01T00:00:00Z",
                  "agent": [{"who": {"type": "Device", "identifier": {"system": SYSTEM_ASID, "value": "200000000123"}}, "requestor": true}]}},
                {"resource": {"resourceType": "AuditEvent", "agent": [{"requestor": "yes", "who": {"display": "Someone"}}]}},
                {"resource": {"resourceType": "AuditEvent", "agent": "not a list"}},
                {"resource": {"resourceType": "AuditEvent", "agent": [{"type": {"coding": [{"code": "ASSIGNED"}]}, "who": {"reference": "PractitionerRole/missing", "display": "Dr X"}}]}}
            ]
        }))
        .unwrap();
        let a = accesses_from([&b]);
        assert_eq!(a.len(), 4);
        assert_eq!(a[0].accessor_kind, AccessorKind::System);
        assert_eq!(a[0].name.as_deref(), Some("system (ASID 200000000123)"));
        assert_eq!(a[1].accessor_kind, AccessorKind::Unknown);
        assert_eq!(a[1].name.as_deref(), Some("Someone"));
        assert_eq!(a[2].accessor_kind, AccessorKind::Unknown);
        assert_eq!(a[3].accessor_kind, AccessorKind::Person);
        assert_eq!(a[3].name.as_deref(), Some("Dr X"));
    }
}
