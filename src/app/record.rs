//! What CP-IS holds for one child, by the configured route: the only place that knows routes.

use super::renewal::Renewal;
use crate::cpis::model;
use crate::cpis::{CareSetting, Route, Search, SearchResult};
use crate::error::Result;
use crate::nhs_number::NhsNumber;
use crate::render::lookup::TraceIds;

/// Both results of one lookup, or the error that matters most: one that may have reached
/// CP-IS (the user must not simply repeat the lookup) before any other.
fn both<A, B>(a: Result<A>, b: Result<B>) -> Result<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(e), Err(f)) if f.trace.maybe_sent && !e.trace.maybe_sent => Err(f),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// What CP-IS holds for one child, whichever route answered.
pub(crate) struct Record {
    pub plans: Vec<model::Plan>,
    /// `None` where the route gives no access history (Patient Flags).
    pub access_history: Option<Vec<model::Access>>,
    /// The bodies as received, for `--raw`.
    pub raw: Vec<Vec<u8>>,
    pub trace_ids: TraceIds,
    /// Results that name no patient (shown, with a warning).
    pub unnamed: usize,
}

/// Both CP-IS searches at once. Each is renewed and resent on its own: a 401 on one never
/// resends the other. Both run to the end, so that a failure of one never cuts the other off
/// half-sent.
async fn searches(
    renewal: &Renewal<'_>,
    nhs: &NhsNumber,
    care: CareSetting,
) -> Result<(SearchResult, SearchResult)> {
    let (ct, ae) = tokio::join!(
        renewal.search(Search::CareTeam, nhs, care),
        renewal.search(Search::AuditEvent, nhs, care)
    );
    both(ct, ae)
}

/// What CP-IS holds for `nhs`, by the configured route (the only place that knows routes).
pub(crate) async fn care_record(
    ctx: &super::Ctx,
    renewal: &Renewal<'_>,
    nhs: &NhsNumber,
    care: CareSetting,
    today: i64,
) -> Result<Record> {
    match ctx.settings.route.value {
        Route::Fhir => {
            let (care_team, audit) = searches(renewal, nhs, care).await?;
            Ok(Record {
                plans: model::plans_from(&care_team.bundles, today),
                access_history: Some(model::accesses_from(&audit.bundles)),
                unnamed: care_team.unnamed + audit.unnamed,
                raw: care_team.raw.into_iter().chain(audit.raw).collect(),
                trace_ids: TraceIds {
                    care_team: care_team.trace_ids,
                    audit_event: audit.trace_ids,
                    flags: Vec::new(),
                    v3: Vec::new(),
                },
            })
        }
        Route::Flags => {
            if care == CareSetting::Unscheduled {
                return Err(crate::flags::unscheduled_refused());
            }
            let found = renewal.flags(nhs, today).await?;
            Ok(Record {
                plans: found.plans,
                access_history: None,
                unnamed: found.unnamed,
                raw: vec![found.raw],
                trace_ids: TraceIds {
                    care_team: Vec::new(),
                    audit_event: Vec::new(),
                    flags: vec![found.trace_id],
                    v3: Vec::new(),
                },
            })
        }
        Route::V3 => {
            let token = renewal.token().await;
            let found =
                super::v3route::record(ctx, renewal.conn(), &token, nhs, care, today).await?;
            Ok(Record {
                plans: found.plans,
                access_history: found.access_history,
                unnamed: found.unnamed,
                raw: vec![found.raw],
                // The Message-Id of the POST is this route's trace id.
                trace_ids: TraceIds {
                    care_team: Vec::new(),
                    audit_event: Vec::new(),
                    flags: Vec::new(),
                    v3: vec![found.trace_id],
                },
            })
        }
    }
}
