//! The HL7 V3 query `QUPC_IN000006GB01`, built with an XML writer (every value is escaped by
//! the writer; nothing is concatenated into markup). Element order follows the schema's
//! sequences; fixed values (classCode, moodCode and `code` elements the schema prohibits) are
//! not sent; UUIDs are upper case; the NHS number has no `@root`; exactly one receiving and one
//! sending device.

use cpis_core::xml::Doc;

pub const HL7_NS: &str = "urn:hl7-org:v3";
pub const NPFITLC_NS: &str = "NPFIT:HL7:Localisation";
pub const INTERACTION: &str = "QUPC_IN000006GB01";
/// The interaction id root (`II.NPfIT.Message.oid`).
pub const INTERACTION_ROOT: &str = "2.16.840.1.113883.2.1.3.2.4.12";
/// SDS accredited system (ASID).
pub const ASID_ROOT: &str = "1.2.826.0.1285.0.2.0.107";
/// SDS user id.
pub const USER_ID_ROOT: &str = "1.2.826.0.1285.0.2.0.65";
/// SDS role profile id.
pub const ROLE_PROFILE_ROOT: &str = "1.2.826.0.1285.0.2.0.67";
/// SDS job role (transmission author's `partSDSRole`).
pub const SDS_JOB_ROLE_ROOT: &str = "1.2.826.0.1285.0.2.1.104";
/// The job role code system (RBAC `R8000`-style codes). The published material also names
/// `...4.17.124`; this is not settled (README, "Routes").
pub const JOB_ROLE_CODE_SYSTEM: &str = "2.16.840.1.113883.2.1.3.2.4.17.196";
/// Organisation (ODS code) id root.
pub const ORG_ROOT: &str = "2.16.840.1.113883.2.1.3.2.4.19.1";
/// Template content id root.
pub const CONTENT_ID_ROOT: &str = "2.16.840.1.113883.2.1.3.2.4.18.16";
/// The version code sent (one of the schema's `HL7StandardVersionCode` values).
pub const VERSION_CODE: &str = "V3NPfIT3.0";

/// Who makes the query: a CIS2 user (author person) or a system acting for its nominated
/// person (author device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    Person {
        /// SDS user id (`nhsid_useruid`, else `sub`).
        user_id: String,
        role_profile_id: Option<String>,
        job_role_code: String,
        job_role_name: String,
        name: String,
        org_code: String,
        org_name: String,
    },
    System {
        asid: String,
        org_code: String,
        org_name: String,
        nominated_person: String,
        nominated_role_code: String,
        nominated_role_name: String,
    },
}

/// Everything one query document holds.
#[derive(Debug, Clone)]
pub struct Query {
    /// The message id (upper-case UUID), also the `Message-Id` header.
    pub message_id: String,
    /// The query act's own id (upper-case UUID).
    pub query_id: String,
    /// `yyyymmddhhmmss` (UTC).
    pub created: String,
    /// `P` (production) or `T` (test).
    pub processing_code: &'static str,
    pub spine_asid: String,
    pub asid: String,
    pub nhs_number: String,
    pub author: Author,
}

/// A new upper-case UUID.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string().to_ascii_uppercase()
}

/// `<outer><inner><id root= extension=/></inner></outer>` wrappers for devices and systems.
fn device(d: &mut Doc, outer: &str, inner: &str, asid: &str) {
    d.open(outer, &[]);
    d.open(inner, &[]);
    d.empty("id", &[("root", ASID_ROOT), ("extension", asid)]);
    d.close(inner);
    d.close(outer);
}

fn organisation(d: &mut Doc, element: &str, code: &str, name: &str) {
    d.open(element, &[]);
    d.empty("id", &[("root", ORG_ROOT), ("extension", code)]);
    d.text("name", name);
    d.close(element);
}

/// The transmission-level user (optional in the schema; sent when the role is known).
fn transmission_author(d: &mut Doc, author: &Author) {
    if let Author::Person {
        user_id,
        role_profile_id: Some(rpid),
        job_role_code,
        ..
    } = author
    {
        d.open("author", &[("typeCode", "AUT")]);
        d.open("AgentPersonSDS", &[("classCode", "AGNT")]);
        d.empty("id", &[("root", ROLE_PROFILE_ROOT), ("extension", rpid)]);
        d.open(
            "agentPersonSDS",
            &[("classCode", "PSN"), ("determinerCode", "INSTANCE")],
        );
        d.empty("id", &[("root", USER_ID_ROOT), ("extension", user_id)]);
        d.close("agentPersonSDS");
        d.open("part", &[("typeCode", "PART")]);
        d.open("partSDSRole", &[("classCode", "ROL")]);
        d.empty(
            "id",
            &[("root", SDS_JOB_ROLE_ROOT), ("extension", job_role_code)],
        );
        d.close("partSDSRole");
        d.close("part");
        d.close("AgentPersonSDS");
        d.close("author");
    }
}

/// `author1`: the sending system.
fn system_author(d: &mut Doc, asid: &str) {
    d.open("author1", &[("typeCode", "AUT")]);
    d.open("AgentSystemSDS", &[("classCode", "AGNT")]);
    d.open(
        "agentSystemSDS",
        &[("classCode", "DEV"), ("determinerCode", "INSTANCE")],
    );
    d.empty("id", &[("root", ASID_ROOT), ("extension", asid)]);
    d.close("agentSystemSDS");
    d.close("AgentSystemSDS");
    d.close("author1");
}

/// The query's author: the person (CIS2) or the system acting for its nominated person.
fn query_author(d: &mut Doc, author: &Author) {
    match author {
        Author::Person {
            user_id,
            role_profile_id,
            job_role_code,
            job_role_name,
            name,
            org_code,
            org_name,
        } => {
            d.empty(
                "npfitlc:contentId",
                &[
                    ("root", CONTENT_ID_ROOT),
                    ("extension", "COCT_TP145102GB01#AssignedAuthor"),
                ],
            );
            d.open("COCT_TP145102GB01.AssignedAuthor", &[]);
            d.empty(
                "code",
                &[
                    ("code", job_role_code),
                    ("codeSystem", JOB_ROLE_CODE_SYSTEM),
                    ("displayName", job_role_name),
                ],
            );
            d.empty("id", &[("root", USER_ID_ROOT), ("extension", user_id)]);
            if let Some(rpid) = role_profile_id {
                d.empty("id", &[("root", ROLE_PROFILE_ROOT), ("extension", rpid)]);
            }
            d.open("assignedAuthorPerson", &[]);
            d.text("name", name);
            d.close("assignedAuthorPerson");
            organisation(d, "representedOrganization", org_code, org_name);
            d.close("COCT_TP145102GB01.AssignedAuthor");
        }
        Author::System {
            asid,
            org_code,
            org_name,
            nominated_person,
            nominated_role_code,
            nominated_role_name,
        } => {
            d.empty(
                "npfitlc:contentId",
                &[
                    ("root", CONTENT_ID_ROOT),
                    ("extension", "COCT_TP145104GB01#System"),
                ],
            );
            d.open("COCT_TP145104GB01.System", &[]);
            d.empty("id", &[("root", ASID_ROOT), ("extension", asid)]);
            d.open("indirectAuthority", &[]);
            d.open("superiorAssignedEntity", &[]);
            d.empty(
                "code",
                &[
                    ("code", nominated_role_code),
                    ("codeSystem", JOB_ROLE_CODE_SYSTEM),
                    ("displayName", nominated_role_name),
                ],
            );
            d.open("assignedPerson", &[]);
            d.text("name", nominated_person);
            d.close("assignedPerson");
            d.close("superiorAssignedEntity");
            d.close("indirectAuthority");
            organisation(d, "maintainingOrganization", org_code, org_name);
            d.close("COCT_TP145104GB01.System");
        }
    }
}

/// The query document (UTF-8, with an XML declaration).
pub fn build(q: &Query) -> String {
    let mut d = Doc::new();
    d.open(
        INTERACTION,
        &[("xmlns", HL7_NS), ("xmlns:npfitlc", NPFITLC_NS)],
    );
    d.empty("id", &[("root", &q.message_id)]);
    d.empty("creationTime", &[("value", &q.created)]);
    d.empty("versionCode", &[("code", VERSION_CODE)]);
    d.empty(
        "interactionId",
        &[("root", INTERACTION_ROOT), ("extension", INTERACTION)],
    );
    d.empty("processingCode", &[("code", q.processing_code)]);
    d.empty("processingModeCode", &[("code", "T")]);
    d.empty("acceptAckCode", &[("code", "NE")]);
    device(&mut d, "communicationFunctionRcv", "device", &q.spine_asid);
    device(&mut d, "communicationFunctionSnd", "device", &q.asid);
    d.open(
        "ControlActEvent",
        &[("classCode", "CACT"), ("moodCode", "EVN")],
    );
    transmission_author(&mut d, &q.author);
    system_author(&mut d, &q.asid);
    d.open("subject", &[("typeCode", "SUBJ")]);
    d.open("CP-ISQueryStub", &[]);
    d.open("cP-ISNHSQuery", &[]);
    d.empty("effectiveTime", &[("value", &q.created)]);
    d.empty("id", &[("root", &q.query_id)]);
    d.open("author", &[]);
    query_author(&mut d, &q.author);
    d.close("author");
    d.open("queryByParameter", &[]);
    d.open("person.NHSnumber", &[]);
    d.empty("value", &[("extension", &q.nhs_number)]);
    d.close("person.NHSnumber");
    d.close("queryByParameter");
    d.close("cP-ISNHSQuery");
    d.close("CP-ISQueryStub");
    d.close("subject");
    d.close("ControlActEvent");
    d.close(INTERACTION);
    d.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_by_the_writer() {
        let q = Query {
            message_id: new_id(),
            query_id: new_id(),
            created: "20261201120000".into(),
            processing_code: "T",
            spine_asid: "227319907548".into(),
            asid: "200000000001".into(),
            nhs_number: "9990000026".into(),
            author: Author::System {
                asid: "200000000001".into(),
                org_code: "X99".into(),
                org_name: "A & B <Trust> \"x\"\u{7}".into(),
                nominated_person: "Dr O'Neil".into(),
                nominated_role_code: "R8000".into(),
                nominated_role_name: "Clinical Practitioner".into(),
            },
        };
        let doc = build(&q);
        assert!(
            doc.contains("<name>A &amp; B &lt;Trust&gt; &quot;x&quot;</name>"),
            "{doc}"
        );
        assert!(!doc.contains('\u{7}'));
        assert!(doc.contains(&q.message_id));
        assert_eq!(q.message_id, q.message_id.to_ascii_uppercase());
        assert!(doc.contains("<value extension=\"9990000026\"/>"), "{doc}");
    }
}
