//! What CP-IS holds for one child, by whichever route: [`CareRecordSource`], the seam each
//! route to CP-IS implements and the only place that knows routes.

use super::renewal::Renewal;
use crate::api::cpis::model as cpis_model;
use crate::api::cpis::Search;
use crate::api::cpis::SearchResult;
use crate::api::record as model;
use crate::config::care::CareSetting;
use crate::config::route::Route;
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

/// Where a care record comes from: one variant per route to CP-IS. The workflows ask it and
/// never learn which route answered; this is the only place that knows routes (the next
/// routes are one variant each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CareRecordSource {
    /// The CP-IS FHIR API: the CareTeam and AuditEvent searches.
    Fhir,
    /// The Patient Flags API: the CP-IS flag (no access history; scheduled care only).
    Flags,
    /// The HL7 V3 query through an MHS adaptor (every query notifies).
    V3,
}

/// What the silent scheduled plan read found: the plans, and the name the record gives the
/// child.
pub(crate) struct PlanRead {
    pub plans: Vec<model::Plan>,
    pub subject: Option<String>,
}

impl CareRecordSource {
    /// The source of the configured route.
    pub(crate) fn configured(ctx: &super::Ctx) -> Self {
        Self::of(ctx.settings.route.value)
    }

    pub(crate) fn of(route: Route) -> Self {
        match route {
            Route::Fhir => CareRecordSource::Fhir,
            Route::Flags => CareRecordSource::Flags,
            Route::V3 => CareRecordSource::V3,
        }
    }

    /// Refused before anything is sent: a source that cannot serve this care setting for a
    /// lookup.
    pub(crate) fn refuse_care(self, care: CareSetting) -> Result<()> {
        if care == CareSetting::Unscheduled && self == CareRecordSource::Flags {
            return Err(crate::api::flags::unscheduled_refused());
        }
        Ok(())
    }

    /// The checks a source makes before anything is sent (the V3 route's settings and the
    /// notification every V3 query makes).
    pub(crate) fn preflight(
        self,
        ctx: &super::Ctx,
        conn: &super::Connection,
        token: &crate::auth::TokenSource,
        care: CareSetting,
    ) -> Result<()> {
        self.refuse_care(care)?;
        if self == CareRecordSource::V3 {
            super::v3route::preflight(ctx, conn, token, care)?;
        }
        Ok(())
    }

    /// What `--raw` shows from this source.
    pub(crate) fn raw_label(self) -> &'static str {
        if self == CareRecordSource::V3 {
            "the raw HL7 V3 reply document"
        } else {
            "raw FHIR bundles"
        }
    }

    /// The requests of [`Self::record`] as curl commands (the token as a shell variable);
    /// `client` is a CP-IS client whose token is that variable.
    pub(crate) fn curl_commands(
        self,
        ctx: &super::Ctx,
        conn: &super::Connection,
        client: &dyn Fn(&str) -> Result<crate::api::platform::Client>,
        nhs: &NhsNumber,
        care: CareSetting,
        cacert: Option<&str>,
    ) -> Result<String> {
        match self {
            CareRecordSource::Fhir => {
                Ok(client(conn.base.as_str())?.curl_commands(nhs, care, cacert))
            }
            CareRecordSource::Flags => {
                self.refuse_care(care)?;
                let base = ctx.flags_base(conn)?;
                let api = client(base.as_str())?;
                Ok(
                    crate::api::flags::Client::new(api, base, &ctx.settings.flags_path.value)
                        .curl_command(nhs, cacert),
                )
            }
            CareRecordSource::V3 => super::v3route::curl(ctx, conn, nhs, care, cacert),
        }
    }

    /// What CP-IS holds for `nhs`.
    pub(crate) async fn record(
        self,
        ctx: &super::Ctx,
        renewal: &Renewal<'_>,
        nhs: &NhsNumber,
        care: CareSetting,
        today: i64,
    ) -> Result<Record> {
        match self {
            CareRecordSource::Fhir => {
                let (care_team, audit) = searches(renewal, nhs, care).await?;
                Ok(Record {
                    plans: cpis_model::plans_from(&care_team.bundles, today),
                    access_history: Some(cpis_model::accesses_from(&audit.bundles)),
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
            CareRecordSource::Flags => {
                self.refuse_care(care)?;
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
            CareRecordSource::V3 => {
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

    /// The silent scheduled plan read (for an alert): the CareTeam search on the CP-IS FHIR
    /// API, or the CP-IS flag on the Patient Flags API; refused on the V3 route, where every
    /// query notifies the local authority.
    pub(crate) async fn plans(
        self,
        renewal: &Renewal<'_>,
        nhs: &NhsNumber,
        today: i64,
    ) -> Result<PlanRead> {
        match self {
            CareRecordSource::Fhir => {
                let found = renewal
                    .search(Search::CareTeam, nhs, CareSetting::Scheduled)
                    .await?;
                let subject = found
                    .bundles
                    .iter()
                    .flat_map(|b| b.entry.iter())
                    .find_map(|e| {
                        e.resource
                            .as_ref()?
                            .get("subject")?
                            .get("display")?
                            .as_str()
                            .map(crate::sanitize::sanitize)
                    });
                Ok(PlanRead {
                    plans: cpis_model::plans_from(&found.bundles, today),
                    subject,
                })
            }
            // Every V3 query notifies the local authority: never a plan read.
            CareRecordSource::V3 => Err(crate::api::v3::scheduled_refused()),
            CareRecordSource::Flags => {
                let found = renewal.flags(nhs, today).await?;
                Ok(PlanRead {
                    plans: found.plans,
                    subject: None,
                })
            }
        }
    }
}
