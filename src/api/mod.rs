//! The APIs the tool calls. `platform` is the NHS API platform client they stand on
//! (credentials, request ids, retries, pacing, size limits, one response reader, error
//! bodies naming their service); `record` is what CP-IS holds, in the tool's own terms,
//! whichever route answered. Beside each other on them: the CP-IS FHIR API (`cpis`), PDS
//! (`pds`), the Patient Flags API (`flags`) and the HL7 V3 query through an MHS adaptor
//! (`v3`); none of the four imports another.

pub mod cpis;
pub mod flags;
pub mod pds;
pub mod platform;
pub mod record;
pub mod v3;
